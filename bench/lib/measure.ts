/**
 * One scenario measured against one server with the load-generator pool: the jobs it sends, the
 * untimed set-up it needs, and the figures a measurement yields (rates, latency percentiles, the
 * server's CPU per request). Shared by `npm run bench` (run.ts) and `npm run bench:curves`.
 */
import { fork } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoadPool, LoadResult } from './load.js';
import { percentile } from './load.js';
import { cpuMs, type ServerProcess } from './servers.js';
import type { Credentials } from './sign.js';
import type { Job, JobKind } from '../load-worker.js';

export const KIB = 1024;
export const MIB = 1024 * KIB;

export interface Scenario {
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
  /** The bucket (default: the run's bucket). */
  readonly bucket?: string;
  readonly credentials?: Credentials;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Measurement {
  readonly opsPerSec: number;
  readonly mibPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerOp: number;
  readonly requests: number;
  readonly errors: number;
  readonly clientCores: number;
}

export function median(values: number[]): number {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

/** One job per load process for `s` against `server` (`durationMs` 0: only the request budget bounds it). */
export function jobsFor(pool: LoadPool, server: ServerProcess, bucket: string, s: Scenario, rep: number, durationMs: number): Job[] {
  const workers = Math.min(s.workers ?? pool.size, pool.size, s.connections);
  const per = Math.ceil(s.maxRequests / workers);
  return Array.from({ length: workers }, (_, w) => ({
    host: server.host,
    port: server.port,
    bucket: s.bucket ?? bucket,
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
    credentials: s.credentials,
    headers: s.headers,
  }));
}

/** PUTs `count` objects `${prefix}${n}` of `bytes` into the scenario's bucket (untimed set-up). */
export async function populate(
  pool: LoadPool, server: ServerProcess, bucket: string, prefix: string, count: number, bytes: number,
  like: Pick<Scenario, 'bucket' | 'credentials' | 'headers' | 'dirs'> = {},
): Promise<void> {
  const s: Scenario = { ...like, name: 'setup', kind: 'put', objectBytes: bytes, connections: Math.min(32, count), maxRequests: count, prefix, payload: 'unsigned' };
  const result = await pool.run(jobsFor(pool, server, bucket, s, 0, 0));
  if (result.errors > 0) throw new Error(`set-up of ${like.bucket ?? bucket}/${prefix} on ${server.name} failed: ${result.firstError}`);
}

/** One timed measurement of `seconds`; errors are reported on stderr and counted. */
export async function measure(pool: LoadPool, server: ServerProcess, bucket: string, s: Scenario, rep: number, seconds: number): Promise<Measurement> {
  let cpuBefore = 0;
  const result: LoadResult = await pool.run(jobsFor(pool, server, bucket, s, rep, seconds * 1000), () => (cpuBefore = cpuMs(server.pid)));
  const cpu = cpuMs(server.pid) - cpuBefore;
  const elapsed = result.elapsedMs / 1000;
  if (result.errors > 0) console.error(`  ${s.name} on ${server.name}: ${result.errors} errors, first: ${result.firstError?.slice(0, 300)}`);
  return {
    opsPerSec: result.requests / elapsed,
    mibPerSec: result.bytes / MIB / elapsed,
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    cpuUsPerOp: (cpu * 1000) / Math.max(1, result.requests),
    requests: result.requests,
    errors: result.errors,
    clientCores: result.clientCores,
  };
}

/** Medians of each figure over repetitions; counts are summed. */
export function summarize(ms: Measurement[]): Measurement {
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

/** The disk's own rates (bench/disk-reference.ts in a child), measured for `budgetMs` each. */
export function diskReference(dir: string, budgetMs: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('../disk-reference.ts', import.meta.url), [dir, String(budgetMs)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`disk reference failed (${code})`))));
  });
}

export const fmt = (v: number, digits = 0) =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';
export const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');

/** CPU per request in the unit that reads best: µs below 10 ms, else ms. */
export const cpuPerOp = (us: number) => (!Number.isFinite(us) ? '—' : us < 10_000 ? `${fmt(us)} µs` : `${fmt(us / 1000)} ms`);

/** A markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Where a run's results go, without extension: BENCH_RESULTS (default bench/results)/KIND-TIME. */
export async function resultsBase(kind: string): Promise<string> {
  const dir = resolve(process.env.BENCH_RESULTS ?? 'bench/results');
  await mkdir(dir, { recursive: true });
  return join(dir, `${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
}

/** The load average as `uptime` shows it (1, 5, 15 minutes). */
export const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(', ');
