/**
 * `npm run bench:notifications`: PUT throughput with event notifications on vs off, measured in
 * the same run on the same Coffer process (built, a child process): bucket `plain` has no
 * notification configuration, bucket `notified` sends every ObjectCreated event to a webhook (a
 * receiver in this process). Repetitions are interleaved (ABBA…), medians reported. Then the
 * time the dispatcher needs to deliver the whole backlog. Target: on ≥ 0.8 × off.
 *
 * Environment: BENCH_SECONDS (per measurement, default 2), BENCH_WORKERS (load processes, default 2).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadPool, percentile } from './lib/load.js';
import { cpuMs, startProcess } from './lib/servers.js';
import { createBucket, expectStatus, NOTIFY_ON_CREATE, startWebhookReceiver, writeNotifyConfig } from './lib/features.js';
import { BENCH_CREDENTIALS } from './lib/sign.js';
import type { Job } from './load-worker.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const REPS = 4;
const CONNECTIONS = 32;
const OBJECT_BYTES = 4096;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const receiver = await startWebhookReceiver();
  const root = await mkdtemp(join(tmpdir(), 'coffer-bench-notify-'));
  const notifyConfig = await writeNotifyConfig(root, receiver.url);
  const coffer = await startProcess(
    'coffer',
    ['dist/main.js', '--address', '127.0.0.1:0', '--data-dir', join(root, 'data'), '--notify-config', notifyConfig],
    { COFFER_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId, COFFER_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey },
    /serving S3 on http:\/\/127\.0\.0\.1:(\d+)/,
  );
  const pool = new LoadPool(WORKERS);
  console.log(`Notifications bench: PUT 4 KiB, ${CONNECTIONS} connections, ${REPS} interleaved repetitions × ${SECONDS}s per bucket, ${WORKERS} load processes`);
  const runs: Record<'off' | 'on', Array<{ opsPerSec: number; p99Ms: number; cpuUsPerOp: number }>> = { off: [], on: [] };
  let notifiedPuts = 0;
  try {
    for (const bucket of ['plain', 'notified']) await createBucket(coffer, bucket);
    await expectStatus(coffer, 200, 'PutBucketNotificationConfiguration', 'PUT', '/notified', 'notification=', NOTIFY_ON_CREATE);
    for (let rep = 0; rep < REPS; rep++) {
      const order: Array<'off' | 'on'> = rep % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        const per = Math.ceil(100_000 / WORKERS);
        const jobs: Job[] = Array.from({ length: WORKERS }, (_, w) => ({
          host: coffer.host, port: coffer.port, bucket: mode === 'on' ? 'notified' : 'plain', kind: 'put',
          connections: CONNECTIONS / WORKERS, durationMs: SECONDS * 1000, maxRequests: per, objectBytes: OBJECT_BYTES,
          payload: 'sha256', prefix: `r${rep}/`, keyStart: w * per, keyCount: per,
        }));
        let cpuBefore = 0;
        const result = await pool.run(jobs, () => (cpuBefore = cpuMs(coffer.pid)));
        const cpuUsPerOp = ((cpuMs(coffer.pid) - cpuBefore) * 1000) / Math.max(1, result.requests);
        if (result.errors > 0) throw new Error(`${result.errors} errors: ${result.firstError}`);
        if (mode === 'on') notifiedPuts += result.requests;
        const opsPerSec = result.requests / (result.elapsedMs / 1000);
        runs[mode].push({ opsPerSec, p99Ms: percentile(result.latenciesMs, 99), cpuUsPerOp });
        console.log(`  rep ${rep} notifications ${mode.padEnd(3)}: ${opsPerSec.toFixed(0)} PUT/s (p99 ${percentile(result.latenciesMs, 99).toFixed(1)} ms, server CPU ${cpuUsPerOp.toFixed(0)} µs/PUT)`);
      }
    }
    const drainStart = Date.now();
    const expected = notifiedPuts + 1; // and the TestEvent
    while (receiver.received() < expected && Date.now() - drainStart < 120_000) await new Promise((resolve) => setTimeout(resolve, 50));
    const drainMs = Date.now() - drainStart;
    const off = median(runs.off.map((r) => r.opsPerSec));
    const on = median(runs.on.map((r) => r.opsPerSec));
    const cpuOff = median(runs.off.map((r) => r.cpuUsPerOp));
    const cpuOn = median(runs.on.map((r) => r.cpuUsPerOp));
    console.log(`\nServer CPU per PUT (delivery included): off ${cpuOff.toFixed(0)} µs, on ${cpuOn.toFixed(0)} µs (${(cpuOn / cpuOff).toFixed(2)}×)`);
    console.log(`PUT 4KiB, notifications off: ${off.toFixed(0)}/s; on: ${on.toFixed(0)}/s; ratio ${(on / off).toFixed(2)}× — ${on / off >= 0.8 ? 'MET' : 'MISS'} (target ≥ 0.8)`);
    console.log(`Events delivered: ${receiver.received()} of ${expected}; backlog drained ${drainMs} ms after the last write`);
    await mkdir(join(process.cwd(), 'bench/results'), { recursive: true });
    const file = join(process.cwd(), 'bench/results', `notifications-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(file, JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, workers: WORKERS, runs, off, on, ratio: on / off, cpuOff, cpuOn, received: receiver.received(), expected, drainMs }, null, 2));
    console.log(`JSON: ${file}`);
  } finally {
    pool.close();
    await coffer.stop();
    receiver.close();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
