/**
 * Slow clients against Coffer in its own process, its RSS read from /proc: 200 downloads of an
 * object larger than the kernel's socket buffers that never read, and 200 uploads trickling 1 KiB
 * every 200 ms. The server must hold a bounded amount per connection (about one read chunk for a
 * stalled download), and its memory must stop growing once they are all connected.
 * bench/memory.ts measures the same with 1,000 clients (npm run bench:memory).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildServer, type ChildServer } from '../../helpers/child-server.js';
import { rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS } from '../../helpers/start-server.js';

const MiB = 1024 * 1024;
const DOWNLOADS = 200;
const UPLOADS = 200;
/** Larger than what loopback's socket buffers absorb (~4 MiB per connection), so downloads stall. */
const OBJECT_BYTES = 16 * MiB;
/**
 * Generous: a stalled download holds ~64 KiB of data plus ~20 KiB of objects, an upload less; the
 * rest of the growth is one-off (V8 young generation, allocator working set), ~160–190 KiB per
 * connection in all over 400 connections as measured.
 */
const GROWTH_PER_CONNECTION_MAX = 320 * 1024;
/**
 * Between two windows late in the run, RSS may move by allocator noise and by bounded buffers still
 * filling, not keep climbing: with encryption at rest each trickling upload fills one 64 KiB
 * plaintext segment before it is sealed (200 × 64 KiB = 12.5 MiB at most), and on a loaded 2-core
 * machine V8's heap moves by ~10 MiB between collections. A leak of even 1 KiB per trickled
 * request crosses this within the 11 s watched.
 */
const LATE_GROWTH_MAX = 16 * MiB;
/** The ramp is over when the server uses less than this share of a core… */
const SETTLED_CPU_SHARE = 0.25;
/** …which must happen within this (filling 200 stalled downloads decrypts ~800 MiB first). */
const SETTLE_MS_MAX = 15_000;

function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('slow clients, server in its own process', { skip: existsSync('/proc/self/status') ? false : 'needs /proc' }, () => {
  let server: ChildServer;
  let dataDir: string;
  let host: string;
  let port: number;
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];

  const signed = (method: string, path: string, extra: { body?: Buffer; payloadHash?: string; headers?: Record<string, string> } = {}) =>
    signV4({ method, path, host, accessKeyId: ROOT_KEYS.accessKeyId, secretAccessKey: ROOT_KEYS.secretAccessKey, ...extra });

  /** A request head, written on a fresh socket (resolves once connected and written). */
  const openWith = (method: string, path: string, headers: Record<string, string>): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        socket.write(`${method} ${path} HTTP/1.1\r\n${lines}\r\n`);
        resolve(socket);
      });
      socket.once('error', reject);
      sockets.push(socket);
    });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'coffer-slow-'));
    server = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir], {
      COFFER_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId,
      COFFER_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey,
    });
    const url = new URL(server.endpoint);
    host = url.host;
    port = Number(url.port);
  });

  after(async () => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('GetObject/PutObject.slowClientsHoldBoundedMemory', { timeout: 40_000 }, async (t) => {
    assert.equal((await rawRequest(server.endpoint, { method: 'PUT', path: '/slow', headers: signed('PUT', '/slow') })).status, 200);
    const body = Buffer.alloc(OBJECT_BYTES, 7);
    const put = await rawRequest(server.endpoint, { method: 'PUT', path: '/slow/big', headers: { ...signed('PUT', '/slow/big', { body }), 'content-length': String(body.length) }, body });
    assert.equal(put.status, 200, put.text);
    // One read of it first: what a large GET starts once for the whole process (the worker thread
    // that opens large reads, src/crypto/worker-reads.ts) is in the baseline, not counted per connection.
    const warm = await rawRequest(server.endpoint, { method: 'GET', path: '/slow/big', headers: signed('GET', '/slow/big') });
    assert.equal(warm.status, 200);
    await sleep(300);
    const before = rssOf(server.process.pid!);

    const kib = Buffer.alloc(1024, 1);
    for (let i = 0; i < Math.max(DOWNLOADS, UPLOADS); i++) {
      if (i < DOWNLOADS) {
        const s = await openWith('GET', '/slow/big', signed('GET', '/slow/big'));
        s.on('error', () => {});
        s.pause(); // never read
      }
      if (i < UPLOADS) {
        const path = `/slow/up-${i}`;
        const s = await openWith('PUT', path, { ...signed('PUT', path, { payloadHash: 'UNSIGNED-PAYLOAD' }), 'content-length': String(64 * MiB) });
        s.on('error', () => {});
        timers.push(setInterval(() => s.write(kib), 200));
      }
    }

    // The ramp: stalled downloads fill their socket buffers (~4 MiB each on loopback), which takes
    // seconds of server CPU when the machine is busy; then the allocator's working set grows with
    // the uploads' churn for some 6 s more (measured: bench/memory.ts with MEMORY_PROBE=1). Two
    // windows after that must agree.
    const samples: Array<{ ms: number; rss: number }> = [];
    const started = performance.now();
    const now = () => performance.now() - started;
    let settledAt: number | undefined;
    let cpu = cpuSecondsOf(server.process.pid!);
    let cpuAt = now();
    while (settledAt === undefined ? now() < SETTLE_MS_MAX : now() < settledAt + 11_000) {
      samples.push({ ms: now(), rss: rssOf(server.process.pid!) });
      await sleep(100);
      if (settledAt === undefined && now() - cpuAt >= 500) {
        const used = cpuSecondsOf(server.process.pid!) - cpu;
        if (used / ((now() - cpuAt) / 1000) < SETTLED_CPU_SHARE) settledAt = now();
        cpu = cpuSecondsOf(server.process.pid!);
        cpuAt = now();
      }
    }
    assert.ok(settledAt !== undefined, `the server was still busy ${SETTLE_MS_MAX} ms after the slow clients connected`);
    const mean = (from: number, to: number) => {
      const window = samples.filter((s) => s.ms >= from && s.ms < to);
      return window.reduce((a, s) => a + s.rss, 0) / window.length;
    };
    const mid = mean(settledAt + 6_000, settledAt + 8_000);
    const late = mean(settledAt + 9_000, settledAt + 11_000);
    const peak = Math.max(...samples.map((s) => s.rss));
    const perConnection = (peak - before) / (DOWNLOADS + UPLOADS);

    // The server still answers while holding them.
    const list = await rawRequest(server.endpoint, { method: 'GET', path: '/', headers: signed('GET', '/') });
    assert.equal(list.status, 200);

    const f = (n: number) => (n / MiB).toFixed(0);
    t.diagnostic(`RSS before ${f(before)} MiB; with ${DOWNLOADS} stalled downloads + ${UPLOADS} trickling uploads: settled after ${(settledAt / 1000).toFixed(1)} s, then ${f(mid)} → ${f(late)}, peak ${f(peak)} MiB (${(perConnection / 1024).toFixed(0)} KiB per connection)`);
    assert.ok(perConnection < GROWTH_PER_CONNECTION_MAX, `RSS grew ${(perConnection / 1024).toFixed(0)} KiB per connection`);
    assert.ok(late - mid < LATE_GROWTH_MAX, `RSS still growing late in the run: ${f(mid)} → ${f(late)} MiB`);
  });
});
