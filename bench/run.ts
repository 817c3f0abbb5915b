/**
 * `npm run bench`: Coffer (built, as a child process) against a baseline in the same run — a
 * bare node:http server that verifies SigV4 with Coffer's own code and answers from memory —
 * driven by the same load generator (separate processes, requests signed before the timed
 * window). Each scenario runs 3 times per server, interleaved (ABBAAB…), and reports medians,
 * with Coffer's ratio to the baseline. The disk's own rates are measured in the same run as the
 * references for the durability-bound targets. Results: a table on stdout and
 * bench/results/<timestamp>.json.
 *
 * Environment: BENCH_SECONDS (per measurement, default 1.5), BENCH_WORKERS (load processes,
 * default 2), BENCH_ONLY (comma-separated scenario names), BENCH_PROFILE=1 (Coffer runs with
 * --cpu-prof; profile in bench/results/profiles), BENCH_DIR (data directory root, default tmp),
 * BENCH_COFFER_MAIN (another build's dist/main.js, for before/after ratios against the same baseline),
 * BENCH_NGINX=0 (leave out the second baseline, Debian's nginx with dav_methods PUT DELETE, which
 * runs whenever it is installed; it has no ListObjects, and its PUT does not fsync).
 */
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadPool, percentile, type LoadResult } from './lib/load.js';
import { existsSync } from 'node:fs';
import { cpuMs, NGINX, startBaselineProcess, startCofferProcess, startNginxProcess, type ServerProcess } from './lib/servers.js';
import { sendSigned } from './lib/sign.js';
import type { Job, JobKind } from './load-worker.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const ONLY = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const REPS = 3;
const BUCKET = 'bench';
const KIB = 1024;
const MIB = 1024 * KIB;
const SMALL_OBJECTS = 1000;
const LIST_KEYS = 10_000;

interface Scenario {
  readonly name: string;
  readonly kind: JobKind;
  readonly objectBytes: number;
  readonly connections: number;
  readonly maxRequests: number;
  readonly payload?: 'sha256' | 'unsigned';
  /** Key prefix; `{rep}` is replaced so that writes of different repetitions do not collide. */
  readonly prefix: string;
  readonly keyCount?: number;
  readonly dirs?: number;
  readonly listQuery?: string;
  readonly getPrefix?: string;
  readonly getCount?: number;
  /** Objects to create before each repetition (DELETE needs fresh ones). */
  readonly perRepSetup?: boolean;
  readonly workers?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'PUT 4KiB', kind: 'put', objectBytes: 4 * KIB, connections: 32, maxRequests: 8000, payload: 'sha256', prefix: 'put/{rep}/' },
  { name: 'GET 4KiB', kind: 'get', objectBytes: 4 * KIB, connections: 32, maxRequests: 60_000, prefix: 'small/', keyCount: SMALL_OBJECTS },
  { name: 'HEAD 4KiB', kind: 'head', objectBytes: 4 * KIB, connections: 32, maxRequests: 60_000, prefix: 'small/', keyCount: SMALL_OBJECTS },
  { name: 'GET 4KiB 1conn', kind: 'get', objectBytes: 4 * KIB, connections: 1, maxRequests: 20_000, prefix: 'small/', keyCount: SMALL_OBJECTS, workers: 1 },
  { name: 'DELETE', kind: 'delete', objectBytes: 4 * KIB, connections: 32, maxRequests: 3000, prefix: 'del/{rep}/', perRepSetup: true },
  { name: 'MIX 70/30', kind: 'mix', objectBytes: 4 * KIB, connections: 32, maxRequests: 20_000, payload: 'sha256', prefix: 'mix/{rep}/', getPrefix: 'small/', getCount: SMALL_OBJECTS },
  { name: 'GET 1MiB', kind: 'get', objectBytes: MIB, connections: 8, maxRequests: 5000, prefix: 'medium/', keyCount: 32 },
  { name: 'PUT 64MiB', kind: 'put', objectBytes: 64 * MIB, connections: 1, maxRequests: 4, payload: 'unsigned', prefix: 'bigput/{rep}/', workers: 1 },
  { name: 'PUT 64MiB sha256', kind: 'put', objectBytes: 64 * MIB, connections: 1, maxRequests: 4, payload: 'sha256', prefix: 'bigput-signed/{rep}/', workers: 1 },
  { name: 'GET 64MiB', kind: 'get', objectBytes: 64 * MIB, connections: 1, maxRequests: 8, prefix: 'big/', keyCount: 1, workers: 1 },
  { name: 'LIST 1000 delim', kind: 'list', objectBytes: 0, connections: 1, maxRequests: 2000, prefix: '', keyCount: 1, workers: 1,
    listQuery: 'list-type=2&delimiter=%2F&max-keys=1000&prefix=list%2Fd3%2F' },
];

interface Measurement {
  readonly opsPerSec: number;
  readonly mibPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerOp: number;
  readonly requests: number;
  readonly errors: number;
  readonly clientCores: number;
}

function median(values: number[]): number {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

function jobsFor(pool: LoadPool, server: ServerProcess, s: Scenario, rep: number, durationMs: number, override?: Partial<Job>): Job[] {
  const workers = Math.min(s.workers ?? pool.size, pool.size, s.connections);
  const per = Math.ceil(s.maxRequests / workers);
  return Array.from({ length: workers }, (_, w) => ({
    host: server.host,
    port: server.port,
    bucket: BUCKET,
    kind: s.kind,
    connections: Math.ceil(s.connections / workers),
    durationMs,
    maxRequests: per,
    objectBytes: s.objectBytes,
    payload: s.payload ?? 'sha256',
    prefix: s.prefix.replace('{rep}', String(rep)),
    keyStart: s.kind === 'get' || s.kind === 'head' || s.kind === 'list' ? 0 : w * per,
    keyCount: s.keyCount ?? per,
    dirs: s.dirs,
    listQuery: s.listQuery,
    getPrefix: s.getPrefix,
    getCount: s.getCount,
    ...override,
  }));
}

/** PUTs `count` objects `${prefix}${n}` (untimed set-up). */
async function populate(pool: LoadPool, server: ServerProcess, prefix: string, count: number, bytes: number, dirs?: number): Promise<void> {
  const s: Scenario = { name: 'setup', kind: 'put', objectBytes: bytes, connections: Math.min(32, count), maxRequests: count, prefix, dirs, payload: 'unsigned' };
  const result = await pool.run(jobsFor(pool, server, s, 0, 0));
  if (result.errors > 0) throw new Error(`set-up of ${prefix} on ${server.name} failed: ${result.firstError}`);
}

async function measure(pool: LoadPool, server: ServerProcess, s: Scenario, rep: number): Promise<Measurement> {
  let cpuBefore = 0;
  const result: LoadResult = await pool.run(jobsFor(pool, server, s, rep, SECONDS * 1000), () => (cpuBefore = cpuMs(server.pid)));
  const cpu = cpuMs(server.pid) - cpuBefore;
  const seconds = result.elapsedMs / 1000;
  if (result.errors > 0) console.error(`  ${s.name} on ${server.name}: ${result.errors} errors, first: ${result.firstError?.slice(0, 300)}`);
  return {
    opsPerSec: result.requests / seconds,
    mibPerSec: result.bytes / MIB / seconds,
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    cpuUsPerOp: (cpu * 1000) / Math.max(1, result.requests),
    requests: result.requests,
    errors: result.errors,
    clientCores: result.clientCores,
  };
}

function summarize(ms: Measurement[]): Measurement {
  const pick = (f: (m: Measurement) => number) => median(ms.map(f));
  return {
    opsPerSec: pick((m) => m.opsPerSec),
    mibPerSec: pick((m) => m.mibPerSec),
    p50Ms: pick((m) => m.p50Ms),
    p99Ms: pick((m) => m.p99Ms),
    cpuUsPerOp: pick((m) => m.cpuUsPerOp),
    requests: ms.reduce((n, m) => n + m.requests, 0),
    errors: ms.reduce((n, m) => n + m.errors, 0),
    clientCores: pick((m) => m.clientCores),
  };
}

function diskReference(dir: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./disk-reference.ts', import.meta.url), [dir, String(Math.min(1500, SECONDS * 1000))], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`disk reference failed (${code})`))));
  });
}

const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');

async function main(): Promise<void> {
  const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'coffer-bench-'));
  const profileDir = join(process.cwd(), 'bench/results/profiles');
  const profileArgs = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const scenarios = SCENARIOS.filter((s) => !ONLY || ONLY.includes(s.name));
  console.log(`Coffer bench: ${scenarios.length} scenarios × ${REPS} interleaved repetitions × ${SECONDS}s, ${WORKERS} load processes; data in ${root}`);

  console.log('Measuring the disk (create+fsync of 4 KiB files, 64 MiB sequential writes with hashing)…');
  const disk = await diskReference(join(root, 'disk'));

  const coffer = await startCofferProcess(join(root, 'coffer'), profileArgs, { main: process.env.BENCH_COFFER_MAIN });
  await mkdir(join(root, 'baseline'), { recursive: true });
  const baseline = await startBaselineProcess(join(root, 'baseline'));
  const nginx = process.env.BENCH_NGINX !== '0' && existsSync(NGINX) ? await startNginxProcess(join(root, 'nginx'), [BUCKET]) : undefined;
  const servers = nginx ? [coffer, baseline, nginx] : [coffer, baseline];
  const pool = new LoadPool(WORKERS);
  type Reps = Record<string, Measurement[]>;
  const results: Record<string, { coffer: Measurement; baseline: Measurement; nginx?: Measurement; reps: Reps }> = {};
  const skipped: Record<string, string> = {};
  try {
    for (const server of servers) {
      if (server === nginx) continue; // its bucket is a folder made at start
      const status = await sendSigned(server, 'PUT', `/${BUCKET}`);
      if (status !== 200) throw new Error(`CreateBucket on ${server.name} answered ${status}`);
    }
    const needs = new Set(scenarios.map((s) => s.prefix));
    for (const server of servers) {
      if (needs.has('small/')) await populate(pool, server, 'small/', SMALL_OBJECTS, 4 * KIB);
      if (needs.has('medium/')) await populate(pool, server, 'medium/', 32, MIB);
      if (needs.has('big/')) await populate(pool, server, 'big/', 1, 64 * MIB);
    }
    for (const s of scenarios) {
      if (s.kind === 'list') {
        const status = await sendSigned(coffer, 'GET', `/${BUCKET}`, 'list-type=2&max-keys=1');
        if (status === 501) {
          skipped[s.name] = 'ListObjectsV2 answers 501 NotImplemented in this build';
          console.log(`- ${s.name}: skipped (${skipped[s.name]})`);
          continue;
        }
        for (const server of servers) if (server !== nginx) await populate(pool, server, 'list/', LIST_KEYS, 0, 10);
      }
      process.stdout.write(`- ${s.name}:`);
      const measured = s.kind === 'list' ? servers.filter((server) => server !== nginx) : servers;
      const reps: Reps = Object.fromEntries(measured.map((server) => [server.name, [] as Measurement[]]));
      for (let rep = 0; rep < REPS; rep++) {
        const order = rep % 2 === 0 ? measured : [...measured].reverse();
        for (const server of order) {
          if (s.perRepSetup) await populate(pool, server, s.prefix.replace('{rep}', String(rep)), s.maxRequests, s.objectBytes);
          const m = await measure(pool, server, s, rep);
          reps[server.name]!.push(m);
          process.stdout.write(` ${server.name[0]}${fmt(m.opsPerSec)}`);
        }
      }
      process.stdout.write('\n');
      results[s.name] = { coffer: summarize(reps.coffer!), baseline: summarize(reps.baseline!), nginx: reps.nginx && summarize(reps.nginx), reps };
    }
  } finally {
    pool.close();
    await Promise.all(servers.map((s) => s.stop()));
  }

  // ---- table ----
  const header = ['scenario', 'ops/s', '×base', 'MiB/s', '×base', 'p50 ms', '×base', 'p99 ms', '×base', 'CPU µs/op', '×base', 'base ops/s', 'nginx ops/s', '×nginx', 'nginx µs/op', 'client cores'];
  const rows: string[][] = [header];
  for (const [name, r] of Object.entries(results)) {
    const c = r.coffer;
    const b = r.baseline;
    rows.push([
      name, fmt(c.opsPerSec), ratio(c.opsPerSec, b.opsPerSec), fmt(c.mibPerSec, 1), ratio(c.mibPerSec, b.mibPerSec),
      fmt(c.p50Ms, 2), ratio(c.p50Ms, b.p50Ms), fmt(c.p99Ms, 2), ratio(c.p99Ms, b.p99Ms),
      fmt(c.cpuUsPerOp), ratio(c.cpuUsPerOp, b.cpuUsPerOp), fmt(b.opsPerSec),
      fmt(r.nginx?.opsPerSec ?? NaN), ratio(c.opsPerSec, r.nginx?.opsPerSec ?? NaN), fmt(r.nginx?.cpuUsPerOp ?? NaN), c.clientCores.toFixed(2),
    ]);
  }
  for (const [name, why] of Object.entries(skipped)) rows.push([name, `skipped: ${why}`]);
  const widths = header.map((_, i) => Math.max(...rows.filter((r) => r.length > 2).map((r) => (r[i] ?? '').length)));
  console.log(`\nCoffer vs baseline${nginx ? ' and nginx' : ''} (medians of 3 interleaved runs; ratios = Coffer / baseline, Coffer / nginx):`);
  for (const row of rows) console.log(row.length > 2 ? row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ') : row.join('  '));

  console.log('\nDisk references (same run, medians of 3):');
  console.log(`  create+fsync 4 KiB files: ${fmt(disk.createFsync1PerSec!)}/s one at a time, ${fmt(disk.createFsync32PerSec!)}/s 32 in flight`);
  console.log(`  64 MiB sequential write + fsync: ${fmt(disk.writePlainMiBps!)} MiB/s plain, ${fmt(disk.writeMd5MiBps!)} with MD5, ${fmt(disk.writeMd5Sha256MiBps!)} with MD5+SHA-256`);

  // ---- targets ----
  const t: Array<[string, number, number, string]> = [];
  const get = (name: string) => results[name];
  const add = (label: string, value: number | undefined, goal: number, unit: string) => {
    if (value !== undefined) t.push([label, value, goal, unit]);
  };
  add('GET 4KiB ops vs baseline', get('GET 4KiB') && get('GET 4KiB')!.coffer.opsPerSec / get('GET 4KiB')!.baseline.opsPerSec, 0.5, '≥');
  add('HEAD 4KiB ops vs baseline', get('HEAD 4KiB') && get('HEAD 4KiB')!.coffer.opsPerSec / get('HEAD 4KiB')!.baseline.opsPerSec, 0.5, '≥');
  add('DELETE ops vs baseline', get('DELETE') && get('DELETE')!.coffer.opsPerSec / get('DELETE')!.baseline.opsPerSec, 0.25, '≥');
  add('PUT 4KiB ops vs disk create+fsync (32 in flight)', get('PUT 4KiB') && get('PUT 4KiB')!.coffer.opsPerSec / disk.createFsync32PerSec!, 0.5, '≥');
  add('GET 64MiB MiB/s vs plain file stream', get('GET 64MiB') && get('GET 64MiB')!.coffer.mibPerSec / get('GET 64MiB')!.baseline.mibPerSec, 0.8, '≥');
  add('PUT 64MiB MiB/s vs disk write+MD5', get('PUT 64MiB') && get('PUT 64MiB')!.coffer.mibPerSec / disk.writeMd5MiBps!, 0.5, '≥');
  add('PUT 64MiB sha256 MiB/s vs disk write+MD5+SHA-256', get('PUT 64MiB sha256') && get('PUT 64MiB sha256')!.coffer.mibPerSec / disk.writeMd5Sha256MiBps!, 0.5, '≥');
  const vsNginx = (name: string, f: (m: Measurement) => number) => {
    const r = get(name);
    return r?.nginx ? f(r.coffer) / f(r.nginx) : undefined;
  };
  add('PUT 4KiB ops vs nginx (no fsync)', vsNginx('PUT 4KiB', (m) => m.opsPerSec), 0.5, '≥');
  add('GET 64MiB MiB/s vs nginx', vsNginx('GET 64MiB', (m) => m.mibPerSec), 0.8, '≥');
  add('MIX 70/30 ops vs nginx', vsNginx('MIX 70/30', (m) => m.opsPerSec), 1, '≥');
  add('LIST page of 1000 p50 (ms)', get('LIST 1000 delim')?.coffer.p50Ms, 5, '<');
  add('GET 4KiB 1conn p50 (ms)', get('GET 4KiB 1conn')?.coffer.p50Ms, 0.3, '<');
  console.log('\nTargets:');
  for (const [label, value, goal, op] of t) {
    const met = op === '≥' ? value >= goal : value < goal;
    console.log(`  ${met ? 'MET ' : 'MISS'}  ${label}: ${value.toFixed(2)} (target ${op} ${goal})`);
  }
  for (const [name, why] of Object.entries(skipped)) console.log(`  SKIP  ${name}: ${why}`);

  await mkdir(join(process.cwd(), 'bench/results'), { recursive: true });
  const file = join(process.cwd(), 'bench/results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, workers: WORKERS, disk, results, skipped, targets: t }, null, 2));
  console.log(`\nJSON: ${file}`);
  await rm(root, { recursive: true, force: true });
}

await main();
