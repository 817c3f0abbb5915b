/**
 * Reads from two Coffer builds at once, interleaved (A B A B …): this tree's dist/main.js and
 * another build's (BENCH_COFFER_MAIN, e.g. /work/main/dist/main.js). Each repetition sends
 * AB_N requests (AB_METHOD, default GET) for objects of AB_BYTES (default 4096) over
 * AB_CONNECTIONS connections (default 8 for objects up to 64 KiB, else 1), and takes each
 * server's CPU time (utime + stime) over it: medians of AB_REPS (default 6) repetitions. On a
 * shared machine this is steadier than two bench runs one after the other, whose baselines move.
 * AB_METHOD=PUT writes objects of AB_BYTES instead (unsigned payload, a new key each time).
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
const CONNECTIONS = Number(process.env.AB_CONNECTIONS ?? (BYTES <= 64 * 1024 ? 8 : 1));
const N = Number(process.env.AB_N ?? (BYTES <= 64 * 1024 ? 3000 : 4));
const REPS = Number(process.env.AB_REPS ?? 6);
const METHOD = process.env.AB_METHOD ?? 'GET';
const KEYS = BYTES <= 64 * 1024 ? 64 : 1;

async function send(s: ServerProcess, c: RawConnection, method: string, path: string, body?: Buffer): Promise<void> {
  const head = signedHead({ method, path, bodyBytes: body?.length ?? 0, payloadHash: UNSIGNED }, `${s.host}:${s.port}`, BENCH_CREDENTIALS);
  const response = await c.request(head, body, method === 'HEAD');
  if (response.status >= 300) throw new Error(`${s.name} ${method} ${path}: ${response.status} ${response.snippet}`);
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
  }
  const results = new Map<string, { rate: number[]; cpuUs: number[] }>(servers.map((s) => [s.name, { rate: [], cpuUs: [] }]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const s of rep % 2 === 0 ? servers : [...servers].reverse()) {
      let next = 0;
      const cpuBefore = cpuMs(s.pid);
      const started = performance.now();
      await Promise.all(connections.get(s)!.map(async (c) => {
        while (next < N) {
          const n = next++;
          if (METHOD === 'PUT') await send(s, c, 'PUT', `/ab-reads/put-${rep}-${n}`, body);
          else await send(s, c, METHOD, `/ab-reads/object-${n % KEYS}`);
        }
      }));
      const seconds = (performance.now() - started) / 1000;
      results.get(s.name)!.rate.push(N / seconds);
      results.get(s.name)!.cpuUs.push(((cpuMs(s.pid) - cpuBefore) * 1000) / N);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${METHOD} of ${BYTES} bytes, ${CONNECTIONS} connection(s), ${N} requests × ${REPS} interleaved repetitions; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const [name, r] of results) {
    console.log(`${name.padEnd(6)} ${median(r.rate).toFixed(1).padStart(9)} req/s  ${(median(r.rate) * BYTES / 1048576).toFixed(1).padStart(8)} MiB/s  CPU ${median(r.cpuUs).toFixed(0).padStart(8)} µs/req`);
  }
} finally {
  for (const cs of connections.values()) for (const c of cs) c.close();
  await Promise.all(servers.map((s) => s.stop()));
  await rm(root, { recursive: true, force: true });
}
