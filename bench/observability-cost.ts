/**
 * What metrics and the request log cost on the cheapest request (GET 4 KiB, 32 connections):
 * three servers in the same run, measured interleaved — a build without them (BENCH_BASE_MAIN:
 * dist/main.js of an earlier checkout), this build at --log-level warn (metrics only) and this
 * build at the default --log-level info (metrics and one JSON line per request, to a pipe).
 *
 *   npm run build && BENCH_BASE_MAIN=/path/to/old/dist/main.js node --import tsx bench/observability-cost.ts
 *
 * Environment: BENCH_SECONDS (per measurement, default 2), BENCH_WORKERS (default 2).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadPool } from './lib/load.js';
import { cpuMs, startCofferProcess, type ServerProcess } from './lib/servers.js';
import { BENCH_CREDENTIALS, signedHead } from './lib/sign.js';
import type { Job } from './load-worker.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const REPS = 5;
const OBJECTS = 1000;
const BUCKET = 'bench';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function createBucket(server: ServerProcess): Promise<number> {
  const head = signedHead({ method: 'PUT', path: `/${BUCKET}`, query: '', payloadHash: EMPTY_SHA256, bodyBytes: 0 }, `${server.host}:${server.port}`, BENCH_CREDENTIALS);
  const headers = Object.fromEntries(head.toString('latin1').split('\r\n').filter(Boolean).slice(1).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
  return new Promise((resolve, reject) => {
    request({ host: server.host, port: server.port, method: 'PUT', path: `/${BUCKET}`, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject).end();
  });
}

function jobs(server: ServerProcess, kind: 'put' | 'get', durationMs: number): Job[] {
  const per = Math.ceil((kind === 'put' ? OBJECTS : 60_000) / WORKERS);
  return Array.from({ length: WORKERS }, (_, w) => ({
    host: server.host, port: server.port, bucket: BUCKET, kind, connections: Math.ceil(32 / WORKERS), durationMs, maxRequests: per,
    objectBytes: 4096, payload: 'unsigned', prefix: 'small/', keyStart: kind === 'put' ? w * per : 0, keyCount: kind === 'put' ? per : OBJECTS,
  }));
}

async function main(): Promise<void> {
  const baseMain = process.env.BENCH_BASE_MAIN;
  if (!baseMain) throw new Error('set BENCH_BASE_MAIN to the dist/main.js of a build without metrics and request logs');
  const root = await mkdtemp(join(tmpdir(), 'coffer-observe-bench-'));
  const servers = [
    await startCofferProcess(join(root, 'base'), [], { name: 'base build', main: baseMain }),
    await startCofferProcess(join(root, 'metrics'), [], { name: 'metrics (log warn)', args: ['--log-level', 'warn'] }),
    await startCofferProcess(join(root, 'logs'), [], { name: 'metrics + log info', args: ['--log-level', 'info'] }),
  ];
  const pool = new LoadPool(WORKERS);
  const samples = new Map<ServerProcess, { ops: number[]; cpuUs: number[] }>(servers.map((s) => [s, { ops: [], cpuUs: [] }]));
  const load = loadavg()[0]!;
  try {
    for (const server of servers) {
      if ((await createBucket(server)) !== 200) throw new Error(`CreateBucket failed on ${server.name}`);
      const setup = await pool.run(jobs(server, 'put', 0));
      if (setup.errors > 0) throw new Error(`set-up failed on ${server.name}: ${setup.firstError}`);
    }
    for (let rep = 0; rep < REPS; rep++) {
      const order = rep % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        let cpuBefore = 0;
        const result = await pool.run(jobs(server, 'get', SECONDS * 1000), () => (cpuBefore = cpuMs(server.pid)));
        if (result.errors > 0) throw new Error(`${server.name}: ${result.errors} errors, first: ${result.firstError}`);
        samples.get(server)!.ops.push(result.requests / (result.elapsedMs / 1000));
        samples.get(server)!.cpuUs.push(((cpuMs(server.pid) - cpuBefore) * 1000) / result.requests);
      }
    }
  } finally {
    pool.close();
    await Promise.all(servers.map((s) => s.stop()));
    await rm(root, { recursive: true, force: true });
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const base = samples.get(servers[0]!)!;
  console.log(`GET 4 KiB, 32 connections, medians of ${REPS} interleaved ${SECONDS}s runs; load average before: ${load.toFixed(2)}, after: ${loadavg()[0]!.toFixed(2)}`);
  for (const server of servers) {
    const s = samples.get(server)!;
    console.log(`  ${server.name.padEnd(20)} ${median(s.ops).toFixed(0).padStart(7)} ops/s (${(median(s.ops) / median(base.ops)).toFixed(2)}×)  ${median(s.cpuUs).toFixed(0).padStart(4)} µs CPU/op (${(median(s.cpuUs) / median(base.cpuUs)).toFixed(2)}×)`);
  }
}

await main();
