/**
 * `npm run bench:memory`: Coffer's resident memory (VmRSS of the server process, sampled every
 * 50 ms) while it takes a 5 GiB PUT and serves it back, and while 1,000 slow clients hold
 * connections open: 500 uploading 1 KiB every 200 ms and 500 downloading a 64 MiB object without
 * reading. The slow phase reports RSS every 2 s and the slope of a least-squares line through its
 * second half: bounded means flat (about 0 MiB/s) and a peak under 200 MiB.
 *
 * Environment: MEMORY_GIB (the large object's size, default 5; 0 skips that phase), SLOW_SECONDS
 * (how long the slow clients stay, default 20), SLOW_UPLOADS / SLOW_DOWNLOADS (default 500 each),
 * MEMORY_PROBE=1 (the server also reports V8 heap / external / arrayBuffers, through
 * bench/lib/memory-probe.mjs). MALLOC_ARENA_MAX etc. reach the server from the environment.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, Agent, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rssBytes, startCofferProcess, type ServerProcess } from './lib/servers.js';
import { BENCH_CREDENTIALS, UNSIGNED, signedHead } from './lib/sign.js';

const GIB = Number(process.env.MEMORY_GIB ?? 5);
const SLOW_SECONDS = Number(process.env.SLOW_SECONDS ?? 20);
const SLOW_UPLOADS = Number(process.env.SLOW_UPLOADS ?? 500);
const SLOW_DOWNLOADS = Number(process.env.SLOW_DOWNLOADS ?? 500);
const PROBE = process.env.MEMORY_PROBE === '1';
const MIB = 1 << 20;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** The slow phase's RSS must end up flatter than this over its second half… */
const SLOPE_MIB_PER_S_MAX = 0.5;
/** …and stay under this. */
const SLOW_PEAK_MIB_MAX = 200;

function headersOf(head: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.toString('latin1').split('\r\n').slice(1).filter(Boolean)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return headers;
}

class RssSampler {
  private timer: NodeJS.Timeout;
  private readonly startMs = performance.now();
  max = 0;
  samples: number[] = [];
  /** Seconds since the sampler started, one per sample. */
  times: number[] = [];
  constructor(pid: number) {
    this.timer = setInterval(() => {
      const rss = rssBytes(pid);
      this.samples.push(rss);
      this.times.push((performance.now() - this.startMs) / 1000);
      this.max = Math.max(this.max, rss);
    }, 50);
  }
  stop(): { maxMiB: number; lastMiB: number } {
    clearInterval(this.timer);
    return { maxMiB: this.max / MIB, lastMiB: (this.samples.at(-1) ?? 0) / MIB };
  }
  /** The last sample taken at or before `seconds` (in MiB). */
  atMiB(seconds: number): number {
    let i = 0;
    while (i + 1 < this.times.length && this.times[i + 1]! <= seconds) i++;
    return (this.samples[i] ?? 0) / MIB;
  }
  /** Least-squares slope (MiB/s) of the samples taken in [fromSeconds, toSeconds]. */
  slopeMiBPerS(fromSeconds: number, toSeconds: number): number {
    const xs: number[] = [];
    const ys: number[] = [];
    this.times.forEach((t, i) => {
      if (t >= fromSeconds && t <= toSeconds) {
        xs.push(t);
        ys.push(this.samples[i]! / MIB);
      }
    });
    const n = xs.length;
    if (n < 2) return Number.NaN;
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (xs[i]! - mx) * (ys[i]! - my);
      sxx += (xs[i]! - mx) ** 2;
    }
    return sxy / sxx;
  }
}

/** The server's own account of its memory (MEMORY_PROBE=1): the probe's line nearest to now. */
function probeLine(file: string | undefined): string {
  if (!file) return '';
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').trim().split('\n');
  } catch {
    return '';
  }
  const last = lines.at(-1);
  if (!last) return '';
  const m = JSON.parse(last) as { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  const f = (n: number) => (n / MIB).toFixed(0);
  return ` [heap ${f(m.heapUsed)}/${f(m.heapTotal)}, external ${f(m.external)} (arrayBuffers ${f(m.arrayBuffers)}), rest ${f(m.rss - m.heapTotal - m.external)}]`;
}

const agent = new Agent({ keepAlive: false });

function send(server: ServerProcess, method: string, path: string, bodyBytes?: number, payloadHash = EMPTY_SHA256): { req: ReturnType<typeof request>; response: Promise<IncomingMessage> } {
  const head = signedHead({ method, path, bodyBytes, payloadHash }, `${server.host}:${server.port}`, BENCH_CREDENTIALS);
  let req!: ReturnType<typeof request>;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req = request({ host: server.host, port: server.port, method, path, headers: headersOf(head), agent }, resolve);
    req.on('error', reject);
  });
  return { req, response };
}

async function bigPut(server: ServerProcess, bytes: number): Promise<number> {
  const { req, response } = send(server, 'PUT', '/mem/big', bytes, UNSIGNED);
  const chunk = randomBytes(MIB);
  const start = performance.now();
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    if (!req.write(chunk.subarray(0, Math.min(chunk.length, bytes - sent)))) await new Promise((r) => req.once('drain', r));
  }
  req.end();
  const res = await response;
  res.resume();
  if (res.statusCode !== 200) throw new Error(`PUT answered ${res.statusCode}`);
  return bytes / MIB / ((performance.now() - start) / 1000);
}

async function bigGet(server: ServerProcess, bytes: number): Promise<number> {
  const { req, response } = send(server, 'GET', '/mem/big');
  req.end();
  const start = performance.now();
  const res = await response;
  let got = 0;
  for await (const chunk of res) got += (chunk as Buffer).length;
  if (got !== bytes) throw new Error(`GET returned ${got} of ${bytes} bytes`);
  return bytes / MIB / ((performance.now() - start) / 1000);
}

/**
 * Opens the slow clients, holds them SLOW_SECONDS while printing RSS every 2 s, then closes them.
 * Returns how long connecting them all took (seconds).
 */
async function slowClients(server: ServerProcess, probeFile: string | undefined, uploads: number, downloads: number): Promise<number> {
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const host = `${server.host}:${server.port}`;
  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: server.host, port: server.port }, () => resolve(s));
      s.on('error', reject);
      sockets.push(s);
    });
  const kib = randomBytes(1024);
  const t0 = performance.now();
  // Interleaved, so that neither kind has a head start.
  for (let i = 0; i < Math.max(uploads, downloads); i++) {
    if (i < uploads) {
      const s = await open();
      s.on('error', () => {});
      s.write(signedHead({ method: 'PUT', path: `/mem/slow-${i}`, bodyBytes: 64 * MIB, payloadHash: UNSIGNED }, host, BENCH_CREDENTIALS));
      timers.push(setInterval(() => s.write(kib), 200));
    }
    if (i < downloads) {
      const s = await open();
      s.on('error', () => {});
      s.write(signedHead({ method: 'GET', path: '/mem/medium', payloadHash: EMPTY_SHA256 }, host, BENCH_CREDENTIALS));
      s.pause(); // never read: the server must hold back, not buffer 64 MiB per client
    }
  }
  const connectedAt = (performance.now() - t0) / 1000;
  console.log(`  ${uploads + downloads} connected in ${connectedAt.toFixed(1)} s; RSS ${(rssBytes(server.pid) / MIB).toFixed(0)} MiB${probeLine(probeFile)}`);
  for (let s = 2; s <= SLOW_SECONDS; s += 2) {
    await new Promise((r) => setTimeout(r, 2000));
    console.log(`  +${String(s).padStart(2)} s: RSS ${(rssBytes(server.pid) / MIB).toFixed(0)} MiB${probeLine(probeFile)}`);
  }
  if (SLOW_SECONDS % 2) await new Promise((r) => setTimeout(r, (SLOW_SECONDS % 2) * 1000));
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
  return connectedAt;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'coffer-memory-'));
  const probeFile = PROBE ? join(root, 'probe.jsonl') : undefined;
  if (probeFile) {
    process.env.COFFER_MEMORY_PROBE_FILE = probeFile;
    process.env.COFFER_MEMORY_PROBE_MS ??= '250';
  }
  const probeArgs = PROBE ? ['--import', fileURLToPath(new URL('./lib/memory-probe.mjs', import.meta.url))] : [];
  const server = await startCofferProcess(root, probeArgs);
  try {
    const create = send(server, 'PUT', '/mem', 0);
    create.req.end();
    (await create.response).resume();
    const idle = rssBytes(server.pid) / MIB;
    console.log(`Coffer RSS idle: ${idle.toFixed(0)} MiB`);

    let bigOk = true;
    if (GIB > 0) {
      const bytes = Math.round(GIB * 1024) * MIB;
      let sampler = new RssSampler(server.pid);
      const putRate = await bigPut(server, bytes);
      const put = sampler.stop();
      console.log(`PUT ${GIB} GiB: ${putRate.toFixed(0)} MiB/s, RSS max ${put.maxMiB.toFixed(0)} MiB`);
      sampler = new RssSampler(server.pid);
      const getRate = await bigGet(server, bytes);
      const get = sampler.stop();
      console.log(`GET ${GIB} GiB: ${getRate.toFixed(0)} MiB/s, RSS max ${get.maxMiB.toFixed(0)} MiB`);
      bigOk = put.maxMiB < 200 && get.maxMiB < 200;
    }

    const medium = send(server, 'PUT', '/mem/medium', 64 * MIB, UNSIGNED);
    medium.req.end(randomBytes(64 * MIB));
    (await medium.response).resume();
    const before = rssBytes(server.pid) / MIB;
    console.log(`${SLOW_UPLOADS + SLOW_DOWNLOADS} slow clients for ${SLOW_SECONDS}s (${SLOW_UPLOADS} uploads trickling 1 KiB / 200 ms, ${SLOW_DOWNLOADS} stalled 64 MiB downloads); RSS before ${before.toFixed(0)} MiB`);
    const sampler = new RssSampler(server.pid);
    const connectedAt = await slowClients(server, probeFile, SLOW_UPLOADS, SLOW_DOWNLOADS);
    const slow = sampler.stop();
    const end = connectedAt + SLOW_SECONDS;
    const slope = sampler.slopeMiBPerS(connectedAt + SLOW_SECONDS / 2, end);
    const perConnection = ((sampler.atMiB(end) - before) * 1024) / Math.max(1, SLOW_UPLOADS + SLOW_DOWNLOADS);
    console.log(`  peak ${slow.maxMiB.toFixed(0)} MiB; at the end ${sampler.atMiB(end).toFixed(0)} MiB (${perConnection.toFixed(0)} KiB per connection over the ${before.toFixed(0)} before); slope over the second half ${slope.toFixed(2)} MiB/s`);
    await new Promise((r) => setTimeout(r, 1000));
    console.log(`after they left: ${(rssBytes(server.pid) / MIB).toFixed(0)} MiB`);
    if (GIB > 0) console.log(`${bigOk ? 'MET ' : 'MISS'}  ${GIB} GiB PUT and GET under 200 MiB RSS`);
    const slowOk = slow.maxMiB < SLOW_PEAK_MIB_MAX && Math.abs(slope) < SLOPE_MIB_PER_S_MAX;
    console.log(`${slowOk ? 'MET ' : 'MISS'}  slow clients: RSS flat over the second half (|slope| < ${SLOPE_MIB_PER_S_MAX} MiB/s) and under ${SLOW_PEAK_MIB_MAX} MiB`);
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
