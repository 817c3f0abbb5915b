/**
 * `npm run bench`: Coffer (built, as a child process) against two baselines in the same run — a
 * bare node:http server that verifies SigV4 with Coffer's own code and answers from memory, and
 * Debian's nginx serving files with `dav_methods PUT DELETE` (no fsync) — driven by the same load
 * generator (separate processes, requests signed before the timed window). Each scenario runs
 * BENCH_REPS times per server, interleaved (ABCCBA…), and reports medians. The feature-on rows
 * (bench/feature-rows.ts) run against the same Coffer, interleaved with the plain bucket. The
 * disk's own rates are measured in the same run as references. Output: the issue's table on
 * stdout, a detail table, the targets met or not, and BENCH_RESULTS/bench-<time>.{json,md}.
 *
 * Environment: BENCH_SECONDS (per measurement, default 1.5), BENCH_REPS (default 3), BENCH_WORKERS
 * (load processes, default 2), BENCH_ONLY (comma-separated scenario names, feature rows included),
 * BENCH_FEATURES=0 (no feature rows), BENCH_PROFILE=1 (Coffer runs with --cpu-prof; profile in
 * bench/results/profiles), BENCH_DIR (data directory root, default tmp), BENCH_COFFER_MAIN
 * (another build's dist/main.js, or src/main.ts run unbuilt), BENCH_NGINX=0 (leave out nginx, which otherwise runs whenever
 * it is installed; it has no ListObjects), BENCH_RESULTS (folder for the JSON and markdown),
 * BENCH_DISK=0 (leave out the disk's own rates and the targets relative to them).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { featureRows, prepareFeatureServer, setUpFeatureBuckets, type FeatureRow } from './feature-rows.js';
import { createBucket } from './lib/features.js';
import { LoadPool } from './lib/load.js';
import {
  cpuPerOp, diskReference, fmt, KIB, loadAverage, markdownTable, measure, MIB, populate, ratio, resultsBase, summarize,
  type Measurement, type Scenario,
} from './lib/measure.js';
import { NGINX, startBaselineProcess, startCofferProcess, startNginxProcess, type ServerProcess } from './lib/servers.js';
import { sendSigned } from './lib/sign.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const ONLY = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const BUCKET = 'bench';
const SMALL_OBJECTS = 1000;
const LIST_KEYS = 10_000;

const PUT_4K: Scenario = { name: 'PUT 4KiB', kind: 'put', objectBytes: 4 * KIB, connections: 32, maxRequests: 8000, payload: 'sha256', prefix: 'put/{rep}/' };
const GET_4K: Scenario = { name: 'GET 4KiB', kind: 'get', objectBytes: 4 * KIB, connections: 32, maxRequests: 60_000, prefix: 'small/', keyCount: SMALL_OBJECTS };

const SCENARIOS: Scenario[] = [
  PUT_4K,
  GET_4K,
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

/** A row of measurements: what is measured against which server, interleaved repetition by repetition. */
interface Lane {
  readonly label: string;
  readonly server: ServerProcess;
  readonly scenario: Scenario;
}

interface Result {
  readonly coffer: Measurement;
  readonly baseline?: Measurement;
  readonly nginx?: Measurement;
  /** Feature rows: the plain bucket's figures measured alongside. */
  readonly plain?: Measurement;
  readonly feature?: { readonly plainName: string; readonly goal?: number };
  readonly reps: Record<string, Measurement[]>;
}

/** MiB/s for transfers of 1 MiB and more, requests/s below. */
const isTransfer = (s: Scenario) => s.objectBytes >= MIB;

async function runLanes(pool: LoadPool, name: string, lanes: readonly Lane[], perRepSetup: boolean): Promise<Record<string, Measurement[]>> {
  process.stdout.write(`- ${name}:`);
  const reps: Record<string, Measurement[]> = Object.fromEntries(lanes.map((l) => [l.label, [] as Measurement[]]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const lane of rep % 2 === 0 ? lanes : [...lanes].reverse()) {
      const s = lane.scenario;
      if (perRepSetup) await populate(pool, lane.server, BUCKET, s.prefix.replace('{rep}', String(rep)), s.maxRequests, s.objectBytes, s);
      const m = await measure(pool, lane.server, BUCKET, s, rep, SECONDS);
      reps[lane.label]!.push(m);
      process.stdout.write(` ${lane.label[0]}${fmt(isTransfer(s) ? m.mibPerSec : m.opsPerSec, isTransfer(s) ? 1 : 0)}`);
    }
  }
  process.stdout.write('\n');
  return reps;
}

interface Target {
  readonly label: string;
  readonly value: number;
  readonly op: '≥' | '≤' | '<';
  readonly goal: number;
  readonly met: boolean;
}

function targets(results: Record<string, Result>, disk: Record<string, number>): Target[] {
  const out: Target[] = [];
  const add = (label: string, value: number | undefined, op: Target['op'], goal: number) => {
    if (value === undefined || !Number.isFinite(value)) return;
    out.push({ label, value, op, goal, met: op === '≥' ? value >= goal : op === '≤' ? value <= goal : value < goal });
  };
  const r = (name: string) => results[name];
  const vs = (name: string, other: 'baseline' | 'nginx', f: (m: Measurement) => number) => {
    const x = r(name);
    return x?.[other] ? f(x.coffer) / f(x[other]!) : undefined;
  };
  const ops = (m: Measurement) => m.opsPerSec;
  const mib = (m: Measurement) => m.mibPerSec;
  // Issue 18, "Done when".
  add('PUT 4KiB ops/s ≥ 5× the issue\'s ~1,600 (absolute: a quiet machine only)', r('PUT 4KiB')?.coffer.opsPerSec, '≥', 8000);
  add('PUT 4KiB ≥ 0.5× nginx PUT (no fsync)', vs('PUT 4KiB', 'nginx', ops), '≥', 0.5);
  add('GET 4KiB ≥ 0.6× SigV4 baseline', vs('GET 4KiB', 'baseline', ops), '≥', 0.6);
  add('GET 64MiB ≥ 0.8× nginx', vs('GET 64MiB', 'nginx', mib), '≥', 0.8);
  add('DELETE ≥ 0.5× SigV4 baseline', vs('DELETE', 'baseline', ops), '≥', 0.5);
  add('MIX 70/30 ≥ 1× nginx\'s mix', vs('MIX 70/30', 'nginx', ops), '≥', 1);
  // Issue 18, "Build".
  add('PUT 4KiB Coffer CPU µs per op ≤ 300', r('PUT 4KiB')?.coffer.cpuUsPerOp, '≤', 300);
  add('GET 64MiB MiB/s ≥ 1,500 (absolute: a quiet machine only)', r('GET 64MiB')?.coffer.mibPerSec, '≥', 1500);
  add('PUT 64MiB ≥ 0.8× the disk\'s write+fsync with MD5', r('PUT 64MiB') && r('PUT 64MiB')!.coffer.mibPerSec / disk.writeMd5MiBps!, '≥', 0.8);
  // Earlier issues' latency bounds.
  add('LIST page of 1000 p50 ms < 5', r('LIST 1000 delim')?.coffer.p50Ms, '<', 5);
  add('GET 4KiB on 1 connection p50 ms < 0.3', r('GET 4KiB 1conn')?.coffer.p50Ms, '<', 0.3);
  // Issue 18 item 5: each feature keeps its own issue's share of the plain rate.
  for (const [name, x] of Object.entries(results)) {
    if (x.feature?.goal !== undefined) add(`${name} ≥ ${x.feature.goal}× plain`, x.coffer.opsPerSec / x.plain!.opsPerSec, '≥', x.feature.goal);
  }
  return out;
}

/** The issue's table: Coffer | node+SigV4 | nginx | Coffer CPU per op (ratios in brackets). */
function issueTable(results: Record<string, Result>, scenarios: Record<string, Scenario>): string {
  const rows = Object.entries(results).map(([name, r]) => {
    const transfer = isTransfer(scenarios[name]!);
    const rate = (m: Measurement | undefined) => (m ? (transfer ? m.mibPerSec : m.opsPerSec) : NaN);
    const cell = (m: Measurement | undefined) => (m ? `${fmt(rate(m), transfer ? 1 : 0)} (${ratio(rate(r.coffer), rate(m))})` : '—');
    const failed = r.coffer.errors > 0 ? ` — ${fmt(r.coffer.errors)} requests failed` : '';
    const coffer = (r.plain ? `${fmt(rate(r.coffer))} (${ratio(rate(r.coffer), rate(r.plain))} plain)` : fmt(rate(r.coffer), transfer ? 1 : 0)) + failed;
    const cpu = r.plain ? `${cpuPerOp(r.coffer.cpuUsPerOp)} (plain ${cpuPerOp(r.plain.cpuUsPerOp)})` : cpuPerOp(r.coffer.cpuUsPerOp);
    return [`${name} ${transfer ? 'MiB/s' : 'ops/s'}`, coffer, cell(r.baseline), cell(r.nginx), cpu];
  });
  return markdownTable(['scenario', 'Coffer', 'node+SigV4 (Coffer ÷)', 'nginx (Coffer ÷)', 'Coffer CPU per op'], rows);
}

function detailTable(results: Record<string, Result>): string[] {
  const header = ['scenario', 'ops/s', 'MiB/s', 'p50 ms', 'p99 ms', 'CPU µs/op', 'base µs/op', 'nginx µs/op', 'client cores', 'errors'];
  const rows = [header, ...Object.entries(results).map(([name, r]) => [
    name, fmt(r.coffer.opsPerSec), fmt(r.coffer.mibPerSec, 1), fmt(r.coffer.p50Ms, 2), fmt(r.coffer.p99Ms, 2), fmt(r.coffer.cpuUsPerOp),
    fmt(r.baseline?.cpuUsPerOp ?? NaN), fmt(r.nginx?.cpuUsPerOp ?? NaN), r.coffer.clientCores.toFixed(2), String(r.coffer.errors),
  ])];
  const widths = header.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'coffer-bench-'));
  const profileDir = join(process.cwd(), 'bench/results/profiles');
  const profileArgs = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const wanted = (name: string) => !ONLY || ONLY.includes(name);
  const scenarios = SCENARIOS.filter((s) => wanted(s.name));
  const features: FeatureRow[] = process.env.BENCH_FEATURES === '0' ? [] : featureRows(GET_4K, PUT_4K).filter((f) => wanted(f.scenario.name));
  const loadBefore = loadAverage();
  console.log(`Coffer bench: ${scenarios.length} scenarios + ${features.length} feature rows × ${REPS} interleaved repetitions × ${SECONDS}s, ${WORKERS} load processes; load average ${loadBefore}; data in ${root}`);

  const measureDisk = process.env.BENCH_DISK !== '0';
  if (measureDisk) console.log('Measuring the disk (create+fsync of 4 KiB files, 64 MiB sequential writes with hashing)…');
  const disk: Record<string, number> = measureDisk ? await diskReference(join(root, 'disk'), Math.min(1500, SECONDS * 1000)) : {};

  const featureServer = await prepareFeatureServer(join(root, 'features'));
  await mkdir(join(root, 'baseline'), { recursive: true });
  const [coffer, baseline, nginx] = await Promise.all([
    startCofferProcess(join(root, 'coffer'), profileArgs, { main: process.env.BENCH_COFFER_MAIN, args: featureServer.args, env: featureServer.env }),
    startBaselineProcess(join(root, 'baseline')),
    process.env.BENCH_NGINX !== '0' && existsSync(NGINX) ? startNginxProcess(join(root, 'nginx'), [BUCKET]) : undefined,
  ]);
  const servers = nginx ? [coffer, baseline, nginx] : [coffer, baseline];
  const pool = new LoadPool(WORKERS);
  const results: Record<string, Result> = {};
  const byName: Record<string, Scenario> = {};
  const skipped: Record<string, string> = {};
  try {
    for (const server of servers) if (server !== nginx) await createBucket(server, BUCKET); // nginx's bucket is a folder made at start
    const needs = new Set([...scenarios.map((s) => s.prefix), ...features.map((f) => f.plain.prefix)]);
    for (const server of servers) {
      if (needs.has('small/')) await populate(pool, server, BUCKET, 'small/', SMALL_OBJECTS, 4 * KIB);
      if (needs.has('medium/')) await populate(pool, server, BUCKET, 'medium/', 32, MIB);
      if (needs.has('big/')) await populate(pool, server, BUCKET, 'big/', 1, 64 * MIB);
    }
    for (const s of scenarios) {
      if (s.kind === 'list') {
        const status = await sendSigned(coffer, 'GET', `/${BUCKET}`, 'list-type=2&max-keys=1');
        if (status === 501) {
          skipped[s.name] = 'ListObjectsV2 answers 501 NotImplemented in this build';
          console.log(`- ${s.name}: skipped (${skipped[s.name]})`);
          continue;
        }
        for (const server of servers) if (server !== nginx) await populate(pool, server, BUCKET, 'list/', LIST_KEYS, 0, { dirs: 10 });
      }
      const measured = s.kind === 'list' ? servers.filter((server) => server !== nginx) : servers;
      const reps = await runLanes(pool, s.name, measured.map((server) => ({ label: server.name, server, scenario: s })), s.perRepSetup === true);
      results[s.name] = { coffer: summarize(reps.coffer!), baseline: summarize(reps.baseline!), nginx: reps.nginx && summarize(reps.nginx), reps };
      byName[s.name] = s;
    }
    if (features.length > 0) await setUpFeatureBuckets(coffer);
    for (const f of features) {
      const s = f.scenario;
      if (s.kind === 'get') await populate(pool, coffer, BUCKET, s.prefix, SMALL_OBJECTS, s.objectBytes, s);
      const reps = await runLanes(pool, s.name, [{ label: 'coffer', server: coffer, scenario: s }, { label: 'plain', server: coffer, scenario: f.plain }], false);
      results[s.name] = { coffer: summarize(reps.coffer!), plain: summarize(reps.plain!), feature: { plainName: f.plainName, goal: f.goal }, reps };
      byName[s.name] = s;
    }
    const notified = Object.keys(results).some((name) => name.startsWith('PUT') && name.includes('notifications'));
    for (let waited = 0; notified && featureServer.webhook.received() === 0 && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    if (notified && featureServer.webhook.received() === 0) console.error('  the notifications row delivered no event to the webhook: it measured nothing');
  } finally {
    pool.close();
    await Promise.all(servers.map((s) => s.stop()));
    featureServer.webhook.close();
  }
  const loadAfter = loadAverage();

  const table = issueTable(results, byName);
  const diskLines = !measureDisk ? ['not measured (BENCH_DISK=0)'] : [
    `create+fsync of 4 KiB files: ${fmt(disk.createFsync1PerSec!)}/s one at a time, ${fmt(disk.createFsync32PerSec!)}/s 32 in flight`,
    `64 MiB sequential write + fsync: ${fmt(disk.writePlainMiBps!)} MiB/s plain, ${fmt(disk.writeMd5MiBps!)} with MD5, ${fmt(disk.writeMd5Sha256MiBps!)} with MD5+SHA-256`,
  ];
  const goals = targets(results, disk);
  const targetLines = goals.map((t) => `${t.met ? 'met' : 'NOT MET'} — ${t.label}: ${fmt(t.value, t.value < 10 ? 2 : 0)} (target ${t.op} ${fmt(t.goal, t.goal < 10 ? 1 : 0)})`);
  for (const [name, why] of Object.entries(skipped)) targetLines.push(`skipped — ${name}: ${why}`);

  console.log(`\nCoffer, the node+SigV4 baseline${nginx ? ' and nginx' : ''}: medians of ${REPS} interleaved runs of ${SECONDS}s (ratio = Coffer ÷ that server; feature rows: ÷ the plain bucket in the same process)\n`);
  console.log(table);
  console.log('\nDetail (Coffer):');
  for (const line of detailTable(results)) console.log(`  ${line}`);
  console.log('\nThe disk (same run):');
  for (const line of diskLines) console.log(`  ${line}`);
  console.log('\nTargets:');
  for (const line of targetLines) console.log(`  ${line}`);
  console.log(`\nLoad average: ${loadBefore} before, ${loadAfter} after`);

  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  const base = await resultsBase('bench');
  await writeFile(`${base}.json`, JSON.stringify({
    date: new Date().toISOString(), seconds: SECONDS, reps: REPS, workers: WORKERS, machine, loadAverage: { before: loadBefore, after: loadAfter },
    disk, results, skipped, targets: goals, webhookEvents: featureServer.webhook.received(),
  }, null, 2));
  await writeFile(`${base}.md`, [
    table, '', `The disk, same run: ${diskLines.join('; ')}.`, '', 'Targets:', '', ...targetLines.map((l) => `- ${l}`), '',
    `Medians of ${REPS} interleaved runs of ${SECONDS} s; load average ${loadBefore} before, ${loadAfter} after; ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}.`, '',
  ].join('\n'));
  console.log(`\nJSON: ${base}.json\nMarkdown: ${base}.md`);
  await rm(root, { recursive: true, force: true });
}

await main();
