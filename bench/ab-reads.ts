/**
 * Reads from two Coffer builds at once, interleaved (A B A B …): this tree's dist/main.js and
 * another build's (BENCH_COFFER_MAIN, e.g. /work/main/dist/main.js). Each repetition sends
 * AB_N requests (AB_METHOD, default GET) for objects of AB_BYTES (default 4096) over
 * AB_CONNECTIONS connections (default 8 for objects up to 64 KiB, else 1), and takes each
 * server's CPU time (utime + stime) over it: medians of AB_REPS (default 6) repetitions. On a
 * shared machine this is steadier than two bench runs one after the other, whose baselines move.
 * AB_METHOD=LIST asks for one ListObjectsV2 page (delimiter '/', max-keys 1000) of AB_LIST_KEYS
 * (default 1000) empty objects, named as bench/run.ts names its listing keys, on one connection;
 * AB_METHOD=DELETE deletes AB_N objects of AB_BYTES, PUT before each repetition (not timed).
 * Run: npm run build && BENCH_COFFER_MAIN=… node --import tsx bench/ab-reads.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawConnection } from './lib/raw-client.js';
import { BENCH_CREDENTIALS, signedHead, UNSIGNED } from './lib/sign.js';
import { cpuMs, startCofferProcess, type ServerProcess } from './lib/servers.js';

const other = process.env.BENCH_COFFER_MAIN;
if (!other) throw new Error('BENCH_COFFER_MAIN: the other build\'s dist/main.js');
const BYTES = Number(process.env.AB_BYTES ?? 4096);
const CONNECTIONS = Number(process.env.AB_CONNECTIONS ?? (process.env.AB_METHOD !== 'LIST' && BYTES <= 64 * 1024 ? 8 : 1));
const N = Number(process.env.AB_N ?? (process.env.AB_METHOD === 'LIST' ? 200 : BYTES <= 64 * 1024 ? 3000 : 4));
const REPS = Number(process.env.AB_REPS ?? 6);
const METHOD = process.env.AB_METHOD ?? 'GET';
const LIST = METHOD === 'LIST';
const LIST_KEYS = Number(process.env.AB_LIST_KEYS ?? 1000);
const LIST_QUERY = 'list-type=2&delimiter=%2F&max-keys=1000&prefix=list%2Fd3%2F';
const KEYS = LIST ? 0 : BYTES <= 64 * 1024 ? 64 : 1;

async function send(s: ServerProcess, c: RawConnection, method: string, path: string, body?: Buffer, query?: string): Promise<void> {
  const head = signedHead({ method, path, query, bodyBytes: body?.length ?? 0, payloadHash: UNSIGNED }, `${s.host}:${s.port}`, BENCH_CREDENTIALS);
  const response = await c.request(head, body, method === 'HEAD');
  if (response.status >= 300) throw new Error(`${s.name} ${method} ${path}: ${response.status} ${response.snippet}`);
}

/** PUTs every key over 16 connections of its own (set-up, not timed). */
async function putAll(s: ServerProcess, keys: readonly string[], body: Buffer): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    const c = new RawConnection(s.host, s.port);
    await c.open();
    try {
      while (next < keys.length) await send(s, c, 'PUT', `/ab-reads/${keys[next++]!}`, body);
    } finally {
      c.close();
    }
  }));
}

const root = await mkdtemp(join(tmpdir(), 'coffer-ab-'));
const builds = { other, this: fileURLToPath(new URL('../dist/main.js', import.meta.url)) };
const servers = await Promise.all(Object.entries(builds).map(([name, main]) => startCofferProcess(join(root, name), [], { name, main })));
const connections = new Map<ServerProcess, RawConnection[]>();
try {
  const body = Buffer.alloc(BYTES, 7);
  for (const s of servers) {
    const cs = await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      const c = new RawConnection(s.host, s.port);
      await c.open();
      return c;
    }));
    connections.set(s, cs);
    await send(s, cs[0]!, 'PUT', '/ab-reads');
    for (let i = 0; i < KEYS; i++) await send(s, cs[0]!, 'PUT', `/ab-reads/object-${i}`, body);
    // bench/run.ts's listing keys: list/d<n % 10>/k<n>, the page lists list/d3/.
    if (LIST) await putAll(s, Array.from({ length: LIST_KEYS * 10 }, (_, n) => `list/d${n % 10}/k${n}`), Buffer.alloc(0));
  }
  const results = new Map<string, { rate: number[]; cpuUs: number[] }>(servers.map((s) => [s.name, { rate: [], cpuUs: [] }]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const s of rep % 2 === 0 ? servers : [...servers].reverse()) {
      const victims = (n: number) => `/ab-reads/rep-${rep}-${n}`;
      if (METHOD === 'DELETE') await putAll(s, Array.from({ length: N }, (_, n) => victims(n).slice('/ab-reads/'.length)), body);
      let next = 0;
      const cpuBefore = cpuMs(s.pid);
      const started = performance.now();
      await Promise.all(connections.get(s)!.map(async (c) => {
        while (next < N) {
          const n = next++;
          if (LIST) await send(s, c, 'GET', '/ab-reads', undefined, LIST_QUERY);
          else if (METHOD === 'DELETE') await send(s, c, 'DELETE', victims(n));
          else await send(s, c, METHOD, `/ab-reads/object-${n % KEYS}`);
        }
      }));
      const seconds = (performance.now() - started) / 1000;
      results.get(s.name)!.rate.push(N / seconds);
      results.get(s.name)!.cpuUs.push(((cpuMs(s.pid) - cpuBefore) * 1000) / N);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${METHOD}${LIST ? ` of ${LIST_QUERY}` : ''} of ${BYTES} bytes, ${CONNECTIONS} connection(s), ${N} requests × ${REPS} interleaved repetitions; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const [name, r] of results) {
    console.log(`${name.padEnd(6)} ${median(r.rate).toFixed(1).padStart(9)} req/s  ${(median(r.rate) * BYTES / 1048576).toFixed(1).padStart(8)} MiB/s  CPU ${median(r.cpuUs).toFixed(0).padStart(8)} µs/req`);
  }
} finally {
  for (const cs of connections.values()) for (const c of cs) c.close();
  await Promise.all(servers.map((s) => s.stop()));
  await rm(root, { recursive: true, force: true });
}
