/**
 * Two Coffer builds at once, interleaved (A B A B …): this tree's dist/main.js and another
 * build's (BENCH_COFFER_MAIN, e.g. /work/main/dist/main.js). Each repetition sends AB_N requests
 * (AB_METHOD: GET (default), HEAD, PUT, or MIX — 70 % GET, 30 % PUT) for objects of AB_BYTES
 * (default 4096) over AB_CONNECTIONS connections (default 8 for objects up to 64 KiB, else 1; 32
 * for PUT and MIX, whose throughput depends on how many writes a group commit gathers), and takes
 * each server's CPU time (utime + stime) over it, and the requests' 99th percentile and longest
 * latency: medians of AB_REPS (default 6) repetitions. PUTs
 * sign their payload's SHA-256 (as the bench's PUT 4KiB) and each writes a new key. On a shared
 * machine this is steadier than two bench runs one after the other, whose baselines move.
 * AB_METHOD=DELETE deletes AB_N objects written before each repetition (the writes are not timed).
 * AB_METHOD=LIST asks for one ListObjectsV2 page (delimiter '/', max-keys 1000) of AB_LIST_KEYS
 * (default 1000) empty objects, named as bench/run.ts names its listing keys, on one connection.
 * AB_PROFILE=<dir> runs this tree's build with --cpu-prof, its profile left in <dir>;
 * AB_THIS_ENV='NAME=value …' adds environment variables to this build only (e.g. the same build on
 * both sides, one with COFFER_LOG_LEVEL=warn, to price the request log line).
 * AB_PER_REP=1 also prints each repetition's this/other rate (is a median's gain in every run?).
 * Run: npm run build && BENCH_COFFER_MAIN=… node --import tsx bench/ab-reads.ts
 */
import { createHash } from 'node:crypto';
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
const METHOD = process.env.AB_METHOD ?? 'GET';
const WRITES = METHOD === 'PUT' || METHOD === 'MIX';
const LIST = METHOD === 'LIST';
const CONNECTIONS = Number(process.env.AB_CONNECTIONS ?? (WRITES ? 32 : !LIST && BYTES <= 64 * 1024 ? 8 : 1));
const N = Number(process.env.AB_N ?? (LIST ? 200 : BYTES <= 64 * 1024 ? 3000 : 4));
const REPS = Number(process.env.AB_REPS ?? 6);
const LIST_KEYS = Number(process.env.AB_LIST_KEYS ?? 1000);
const LIST_QUERY = 'list-type=2&delimiter=%2F&max-keys=1000&prefix=list%2Fd3%2F';
const KEYS = LIST ? 0 : BYTES <= 64 * 1024 ? 64 : 1;
const PROFILE = process.env.AB_PROFILE;
const THIS_ENV = Object.fromEntries((process.env.AB_THIS_ENV ?? '').split(/\s+/).filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));

/** Latencies (ms) of the requests of the repetition being measured. */
let latencies: number[] = [];

async function send(s: ServerProcess, c: RawConnection, method: string, path: string, body?: Buffer, payloadHash = UNSIGNED, query?: string): Promise<void> {
  const head = signedHead({ method, path, query, bodyBytes: body?.length ?? 0, payloadHash }, `${s.host}:${s.port}`, BENCH_CREDENTIALS);
  const started = performance.now();
  const response = await c.request(head, body, method === 'HEAD');
  latencies.push(performance.now() - started);
  if (response.status >= 300) throw new Error(`${s.name} ${method} ${path}: ${response.status} ${response.snippet}`);
}

const root = await mkdtemp(join(tmpdir(), 'coffer-ab-'));
const builds = { other, this: fileURLToPath(new URL('../dist/main.js', import.meta.url)) };
const servers = await Promise.all(Object.entries(builds).map(([name, main]) =>
  startCofferProcess(join(root, name), PROFILE && name === 'this' ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [], { name, main, env: name === 'this' ? THIS_ENV : {} })));
const connections = new Map<ServerProcess, RawConnection[]>();
try {
  const body = Buffer.alloc(BYTES, 7);
  const bodySha256 = createHash('sha256').update(body).digest('hex');
  /** Request `i` of repetition `rep`: a read of an existing object, or a write of a new key. */
  const one = (s: ServerProcess, c: RawConnection, rep: number, i: number) =>
    METHOD === 'PUT' || (METHOD === 'MIX' && i % 10 >= 7)
      ? send(s, c, 'PUT', `/ab-reads/put-${rep}-${i}`, body, bodySha256)
      : LIST
        ? send(s, c, 'GET', '/ab-reads', undefined, UNSIGNED, LIST_QUERY)
        : METHOD === 'DELETE'
        ? send(s, c, 'DELETE', `/ab-reads/delete-${rep}-${i}`)
        : send(s, c, METHOD === 'MIX' ? 'GET' : METHOD, `/ab-reads/object-${i % KEYS}`);
  for (const s of servers) {
    const cs = await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      const c = new RawConnection(s.host, s.port);
      await c.open();
      // Authenticated at once (ListBuckets): a connection left unauthenticated for 10 s while the
      // objects are written (slow on a loaded machine) is closed by the server, and the run hung.
      await send(s, c, 'GET', '/');
      return c;
    }));
    connections.set(s, cs);
    await send(s, cs[0]!, 'PUT', '/ab-reads');
    for (let i = 0; i < KEYS; i++) await send(s, cs[0]!, 'PUT', `/ab-reads/object-${i}`, body);
    // bench/run.ts's listing keys: list/d<n % 10>/k<n>; the page lists list/d3/.
    if (LIST) {
      let n = 0;
      await Promise.all(cs.map(async (c) => {
        while (n < LIST_KEYS * 10) {
          const key = `list/d${n % 10}/k${n}`;
          n++;
          await send(s, c, 'PUT', `/ab-reads/${key}`, Buffer.alloc(0));
        }
      }));
    }
  }
  const results = new Map<string, { rate: number[]; cpuUs: number[]; p99Ms: number[]; maxMs: number[] }>(servers.map((s) => [s.name, { rate: [], cpuUs: [], p99Ms: [], maxMs: [] }]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const s of rep % 2 === 0 ? servers : [...servers].reverse()) {
      let next = 0;
      // A DELETE removes an object of its own, written first (not timed).
      if (METHOD === 'DELETE') {
        await Promise.all(connections.get(s)!.map(async (c) => {
          while (next < N) await send(s, c, 'PUT', `/ab-reads/delete-${rep}-${next++}`, body);
        }));
        next = 0;
      }
      latencies = [];
      const cpuBefore = cpuMs(s.pid);
      const started = performance.now();
      await Promise.all(connections.get(s)!.map(async (c) => {
        while (next < N) await one(s, c, rep, next++);
      }));
      const seconds = (performance.now() - started) / 1000;
      results.get(s.name)!.rate.push(N / seconds);
      results.get(s.name)!.cpuUs.push(((cpuMs(s.pid) - cpuBefore) * 1000) / N);
      latencies.sort((a, b) => a - b);
      results.get(s.name)!.p99Ms.push(latencies[Math.floor(latencies.length * 0.99)]!);
      results.get(s.name)!.maxMs.push(latencies[latencies.length - 1]!);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${METHOD === 'MIX' ? 'MIX 70/30 GET/PUT' : LIST ? `LIST of ${LIST_QUERY}` : METHOD} of ${BYTES} bytes, ${CONNECTIONS} connection(s), ${N} requests × ${REPS} interleaved repetitions; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const [name, r] of results) {
    console.log(`${name.padEnd(6)} ${median(r.rate).toFixed(1).padStart(9)} req/s  ${(median(r.rate) * BYTES / 1048576).toFixed(1).padStart(8)} MiB/s  CPU ${median(r.cpuUs).toFixed(0).padStart(8)} µs/req  p99 ${median(r.p99Ms).toFixed(1).padStart(6)} ms  max ${median(r.maxMs).toFixed(1).padStart(6)} ms`);
  }
  // Each repetition's this/other rate: whether a median's gain holds in every run, or hides slower ones.
  if (process.env.AB_PER_REP === '1') {
    const mine = results.get('this')!.rate;
    const theirs = results.get('other')!.rate;
    console.log(`this/other rate per repetition: ${mine.map((rate, i) => (rate / theirs[i]!).toFixed(2)).join(' ')}`);
  }
} finally {
  for (const cs of connections.values()) for (const c of cs) c.close();
  await Promise.all(servers.map((s) => s.stop()));
  await rm(root, { recursive: true, force: true });
}
