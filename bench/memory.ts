/**
 * `npm run bench:memory`: Coffer's resident memory (VmRSS of the server process, sampled every
 * 50 ms) while it takes a 5 GiB PUT and serves it back, and while 1,000 slow clients hold
 * connections open: 500 uploading 1 KiB every 200 ms and 500 downloading a 64 MiB object without
 * reading. MEMORY_GIB changes the large object's size; SLOW_SECONDS the slow phase (default 8).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, Agent, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rssBytes, startCofferProcess, type ServerProcess } from './lib/servers.js';
import { BENCH_CREDENTIALS, UNSIGNED, signedHead } from './lib/sign.js';

const GIB = Number(process.env.MEMORY_GIB ?? 5);
const SLOW_SECONDS = Number(process.env.SLOW_SECONDS ?? 8);
const MIB = 1 << 20;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

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
  max = 0;
  samples: number[] = [];
  constructor(pid: number) {
    this.timer = setInterval(() => {
      const rss = rssBytes(pid);
      this.samples.push(rss);
      this.max = Math.max(this.max, rss);
    }, 50);
  }
  stop(): { maxMiB: number; lastMiB: number } {
    clearInterval(this.timer);
    return { maxMiB: this.max / MIB, lastMiB: (this.samples.at(-1) ?? 0) / MIB };
  }
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

async function slowClients(server: ServerProcess, uploads: number, downloads: number): Promise<void> {
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
  for (let i = 0; i < uploads; i++) {
    const s = await open();
    s.on('error', () => {});
    s.write(signedHead({ method: 'PUT', path: `/mem/slow-${i}`, bodyBytes: 64 * MIB, payloadHash: UNSIGNED }, host, BENCH_CREDENTIALS));
    timers.push(setInterval(() => s.write(kib), 200));
  }
  for (let i = 0; i < downloads; i++) {
    const s = await open();
    s.on('error', () => {});
    s.write(signedHead({ method: 'GET', path: '/mem/medium', payloadHash: EMPTY_SHA256 }, host, BENCH_CREDENTIALS));
    s.pause(); // never read: the server must hold back, not buffer 64 MiB per client
  }
  await new Promise((r) => setTimeout(r, SLOW_SECONDS * 1000));
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'coffer-memory-'));
  const server = await startCofferProcess(root);
  try {
    const create = send(server, 'PUT', '/mem', 0);
    create.req.end();
    (await create.response).resume();
    const idle = rssBytes(server.pid) / MIB;
    console.log(`Coffer RSS idle: ${idle.toFixed(0)} MiB`);

    const bytes = Math.round(GIB * 1024) * MIB;
    let sampler = new RssSampler(server.pid);
    const putRate = await bigPut(server, bytes);
    const put = sampler.stop();
    console.log(`PUT ${GIB} GiB: ${putRate.toFixed(0)} MiB/s, RSS max ${put.maxMiB.toFixed(0)} MiB`);
    sampler = new RssSampler(server.pid);
    const getRate = await bigGet(server, bytes);
    const get = sampler.stop();
    console.log(`GET ${GIB} GiB: ${getRate.toFixed(0)} MiB/s, RSS max ${get.maxMiB.toFixed(0)} MiB`);

    const medium = send(server, 'PUT', '/mem/medium', 64 * MIB, UNSIGNED);
    medium.req.end(randomBytes(64 * MIB));
    (await medium.response).resume();
    sampler = new RssSampler(server.pid);
    await slowClients(server, 500, 500);
    const slow = sampler.stop();
    const third = Math.floor(sampler.samples.length / 3);
    const at = (i: number) => (sampler.samples[Math.min(sampler.samples.length - 1, i)]! / MIB).toFixed(0);
    console.log(`1,000 slow clients for ${SLOW_SECONDS}s (500 trickling uploads, 500 stalled 64 MiB downloads): RSS ${at(third)} → ${at(2 * third)} → ${at(sampler.samples.length - 1)} MiB (max ${slow.maxMiB.toFixed(0)})`);
    await new Promise((r) => setTimeout(r, 1000));
    console.log(`after they left: ${(rssBytes(server.pid) / MIB).toFixed(0)} MiB`);
    const ok = put.maxMiB < 200 && get.maxMiB < 200;
    console.log(`${ok ? 'MET ' : 'MISS'}  5 GiB PUT and GET under 200 MiB RSS`);
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
