/**
 * `npm run bench:access-logs`: 4 KiB GET and PUT throughput with server access logging on vs off,
 * in the same run on the same Coffer process (built, a child process): bucket `plain` has no
 * logging configuration, bucket `logged` logs every request into bucket `logs` (delivered every
 * COFFER_ACCESS_LOG_FLUSH_SECONDS=5 during the run, so delivery's cost is counted too).
 * Repetitions are interleaved (ABBA…), medians reported. Target: on ≥ 0.9 × off.
 *
 * Environment: BENCH_SECONDS (per measurement, default 2), BENCH_WORKERS (load processes, default 2).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadPool, percentile } from './lib/load.js';
import { startProcess } from './lib/servers.js';
import { createBucket, expectStatus, loggingTo } from './lib/features.js';
import { BENCH_CREDENTIALS } from './lib/sign.js';
import type { Job } from './load-worker.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const REPS = 4;
const CONNECTIONS = 32;
const OBJECT_BYTES = 4096;
const SEED_KEYS = 1000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
type Mode = 'off' | 'on';

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'coffer-bench-access-logs-'));
  const coffer = await startProcess(
    'coffer',
    ['dist/main.js', '--address', '127.0.0.1:0', '--data-dir', join(root, 'data')],
    { COFFER_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId, COFFER_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey, COFFER_ACCESS_LOG_FLUSH_SECONDS: '5' },
    /serving S3 on http:\/\/127\.0\.0\.1:(\d+)/,
  );
  const pool = new LoadPool(WORKERS);
  console.log(`Access-log bench: 4 KiB GET and PUT, ${CONNECTIONS} connections, ${REPS} interleaved repetitions × ${SECONDS}s per bucket, ${WORKERS} load processes`);
  const results: Record<string, { off: number; on: number; ratio: number; runs: Record<Mode, Array<{ opsPerSec: number; p99Ms: number }>> }> = {};
  try {
    for (const bucket of ['plain', 'logged', 'logs']) await createBucket(coffer, bucket);
    await expectStatus(coffer, 200, 'PutBucketLogging', 'PUT', '/logged', 'logging=', loggingTo('logs'));
    const job = (kind: 'put' | 'get', bucket: string, prefix: string, w: number, per: number, durationMs: number): Job => ({
      host: coffer.host, port: coffer.port, bucket, kind, connections: CONNECTIONS / WORKERS, durationMs, maxRequests: per,
      objectBytes: OBJECT_BYTES, payload: 'sha256', prefix, keyStart: w * per, keyCount: per,
    });
    for (const bucket of ['plain', 'logged']) {
      await pool.run(Array.from({ length: WORKERS }, (_, w) => job('put', bucket, 'seed/', w, SEED_KEYS / WORKERS, 60_000)));
    }
    for (const kind of ['get', 'put'] as const) {
      const runs: Record<Mode, Array<{ opsPerSec: number; p99Ms: number }>> = { off: [], on: [] };
      for (let rep = 0; rep < REPS; rep++) {
        const order: Mode[] = rep % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
        for (const mode of order) {
          const bucket = mode === 'on' ? 'logged' : 'plain';
          const per = kind === 'get' ? SEED_KEYS / WORKERS : Math.ceil(100_000 / WORKERS);
          const jobs = Array.from({ length: WORKERS }, (_, w) => ({
            ...job(kind, bucket, kind === 'get' ? 'seed/' : `r${rep}/`, w, per, SECONDS * 1000),
            maxRequests: kind === 'get' ? 1_000_000 : per,
          }));
          const result = await pool.run(jobs);
          if (result.errors > 0) throw new Error(`${result.errors} errors: ${result.firstError}`);
          const opsPerSec = result.requests / (result.elapsedMs / 1000);
          runs[mode].push({ opsPerSec, p99Ms: percentile(result.latenciesMs, 99) });
          console.log(`  ${kind.toUpperCase()} rep ${rep} logging ${mode.padEnd(3)}: ${opsPerSec.toFixed(0)}/s (p99 ${percentile(result.latenciesMs, 99).toFixed(1)} ms)`);
        }
      }
      const off = median(runs.off.map((r) => r.opsPerSec));
      const on = median(runs.on.map((r) => r.opsPerSec));
      results[kind] = { off, on, ratio: on / off, runs };
      console.log(`${kind.toUpperCase()} 4KiB, access logging off: ${off.toFixed(0)}/s; on: ${on.toFixed(0)}/s; ratio ${(on / off).toFixed(2)}× — ${on / off >= 0.9 ? 'MET' : 'MISS'} (target ≥ 0.9)`);
    }
    await mkdir(join(process.cwd(), 'bench/results'), { recursive: true });
    const file = join(process.cwd(), 'bench/results', `access-logs-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(file, JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, workers: WORKERS, results }, null, 2));
    console.log(`JSON: ${file}`);
  } finally {
    pool.close();
    await coffer.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
