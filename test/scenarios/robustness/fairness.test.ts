/**
 * Fair connection handling (http/client-fairness.ts): one client address cannot take the server.
 * Loopback has many addresses (127.0.0.0/8), so the sockets of several "clients" are opened from
 * 127.0.0.2, 127.0.0.3… with `localAddress`. The caps are lowered (same code, smaller numbers) so
 * that a few thousand sockets are enough; `npm run slowloris` runs the full-size version.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { errorCode, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';
import { latencies, percentile, spawnSlowloris } from '../../helpers/slowloris.js';

/**
 * Another address's requests are all served during the connect storm (its latency there is
 * reported: accepting and refusing 1,200 connections takes the CPU for a moment), and while the
 * slowloris sockets are held its p99 stays under 50 ms, or (on a loaded shared machine, where no
 * absolute figure holds) under 4 × its p99 measured just before, in the same run. Before
 * per-client caps, its requests were refused (503 SlowDown) outright.
 */
const P99_MS_MAX = 50;
const P99_SLOWDOWN_MAX = 4;

/** Opens a socket from `localAddress`, sends `head` (and the rest later), collects what comes back. */
function openFrom(port: number, localAddress: string, head: string): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - started)));
    socket.on('error', () => {});
    socket.once('connect', () => {
      socket.write(head);
      resolve({ socket, received: () => text, closed });
    });
    socket.once('error', reject);
  });
}

function signedRequest(method: string, path: string, host: string, extra: Record<string, string> = {}): string {
  const headers = signV4({ method, path, host, payloadHash: 'UNSIGNED-PAYLOAD', headers: extra, ...ROOT_KEYS });
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
}

/** Waits until `received()` holds a whole response (headers and its Content-Length body). */
async function response(received: () => string, timeoutMs = 5000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = received();
    const split = text.indexOf('\r\n\r\n');
    const length = /content-length: (\d+)/i.exec(text)?.[1];
    if (split >= 0 && length !== undefined && text.length >= split + 4 + Number(length)) return text;
    if (Date.now() > until) throw new Error(`no whole response: ${JSON.stringify(text)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('fairness: a slowloris from one address does not stop another address', () => {
  let server: TestServer;
  before(async () => {
    // Without per-client caps, 2 × 1,000 trickling sockets take all 1,500 connections.
    server = await startServer({ http: { connectionsMax: 1_500, connectionsPerClientMax: 400 } });
  });
  after(() => server.stop());

  test(`Slowloris.2,000 sockets sending one header line from two addresses: a third address is served, p99 under ${P99_MS_MAX} ms while they are held`, async (t) => {
    const bucket = await server.newBucket('loris', { keys: ['k'] });
    const s3 = server.client();
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })); // warm: connection and code paths
    const port = Number(new URL(server.endpoint).port);
    const quiet = await latencies(() => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })), 1_000);
    const bound = Math.max(P99_MS_MAX, P99_SLOWDOWN_MAX * percentile(quiet, 99));
    const attack = spawnSlowloris(port, ['127.0.0.2', '127.0.0.3'], 1_000);
    const during = await latencies(() => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })), 3_000);
    const loris = await attack.opened;
    const holding = await latencies(() => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })), 1_500);
    attack.stop();
    t.diagnostic(`HeadObject before the slowloris: p50 ${percentile(quiet, 50).toFixed(1)} ms, p99 ${percentile(quiet, 99).toFixed(1)} ms`);
    t.diagnostic(`slowloris: ${loris.held} sockets held, ${loris.refused} refused (503 SlowDown); ` +
      `HeadObject during the connect storm: ${during.length}, p50 ${percentile(during, 50).toFixed(1)} ms, p99 ${percentile(during, 99).toFixed(1)} ms; ` +
      `HeadObject while they are held: p99 ${percentile(holding, 99).toFixed(1)} ms`);
    assert.equal(loris.held, 800, 'each attacking address holds its share (400), no more');
    assert.equal(loris.refused, 1_200);
    assert.ok(percentile(holding, 99) < bound, `p99 ${percentile(holding, 99).toFixed(1)} ms while held (bound ${bound.toFixed(1)} ms)`);
  });
});

describe('fairness: caps and deadlines per client address', () => {
  let server: TestServer;
  let port: number;
  let host: string;
  before(async () => {
    server = await startServer({ http: { unauthenticatedTimeoutMs: 300, requestsInFlightPerClientMax: 2 } });
    port = Number(new URL(server.endpoint).port);
    host = new URL(server.endpoint).host;
  });
  after(() => server.stop());

  test('Connection.unauthenticated, a header section not finished within the short deadline → 400 RequestTimeout, closed', async () => {
    const { received, closed } = await openFrom(port, '127.0.0.4', 'GET / HTTP/1.1\r\nHost: x\r\n');
    const ms = await closed;
    assert.ok(ms >= 250 && ms < 3_000, `closed after ${ms} ms (the server-wide headers timeout is 60 s)`);
    assert.match(received(), /^HTTP\/1\.1 400 /);
    assert.equal(errorCode(received()), 'RequestTimeout');
  });

  test('Connection.unauthenticated (anonymous requests only), idle past the short deadline → closed quietly; an authenticated one stays open', async () => {
    const bucket = await server.newBucket('deadline', { keys: ['k'] });
    const anonymous = await openFrom(port, '127.0.0.5', `HEAD /${bucket}/k HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 100));
    assert.match(anonymous.received(), /^HTTP\/1\.1 403 /);
    const anonymousMs = await anonymous.closed;
    assert.ok(anonymousMs < 3_000, `the anonymous connection was closed after ${anonymousMs} ms`);
    assert.doesNotMatch(anonymous.received(), /RequestTimeout/);

    const signed = await openFrom(port, '127.0.0.5', signedRequest('GET', `/${bucket}/k`, host));
    assert.match(await response(signed.received), /^HTTP\/1\.1 200 /);
    await new Promise((r) => setTimeout(r, 700));
    const before = signed.received().length;
    signed.socket.write(signedRequest('GET', `/${bucket}/k`, host));
    assert.match(await response(() => signed.received().slice(before)), /^HTTP\/1\.1 200 /);
    signed.socket.destroy();
  });

  test('Request.over the address\'s requests in flight → 503 SlowDown; another address is served', async () => {
    const bucket = await server.newBucket('inflight');
    // Two PUTs whose bodies stall: in flight until they are destroyed.
    const stalled = await Promise.all([0, 1].map((i) => openFrom(port, '127.0.0.6', signedRequest('PUT', `/${bucket}/slow${i}`, host, { 'content-length': '10' }))));
    await new Promise((r) => setTimeout(r, 100));
    const third = await openFrom(port, '127.0.0.6', signedRequest('GET', `/${bucket}`, host));
    const refused = await response(third.received);
    assert.match(refused, /^HTTP\/1\.1 503 /);
    assert.equal(errorCode(refused), 'SlowDown');
    const other = await openFrom(port, '127.0.0.7', signedRequest('GET', `/${bucket}`, host));
    assert.match(await response(other.received), /^HTTP\/1\.1 200 /);
    for (const s of [...stalled, third, other]) s.socket.destroy();
  });
});
