/**
 * Every size has a limit, checked at the edge with the S3 error AWS sends — never a hang, a bare
 * socket close, a stack trace or a 500 — and the server keeps serving others meanwhile.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHttpServer } from '../../../src/http/server.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

const MiB = 1024 * 1024;

/** Writes `parts` (a pause between each) and collects what comes back until the server closes. */
function rawExchange(port: number, parts: Array<string | Buffer>, options: { timeoutMs?: number; gapMs?: number } = {}): Promise<{ text: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 5000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => finish(true)); // a reset after the answer: what was read counts
    socket.on('close', () => finish(true));
    void (async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        socket.write(part);
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
    })();
  });
}

function signedHead(method: string, path: string, query: string, host: string, extra: Record<string, string> = {}): string {
  const headers = signV4({ method, path, query, host, payloadHash: 'UNSIGNED-PAYLOAD', headers: extra, ...ROOT_KEYS });
  return `${method} ${path}${query ? `?${query}` : ''} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n`;
}

const responses = (text: string) => text.match(/HTTP\/1\.1 \d{3} /g) ?? [];

describe('limits', () => {
  let server: TestServer;
  let s3: S3Client;
  let host: string;
  let port: number;
  before(async () => {
    server = await startServer();
    s3 = server.client();
    host = new URL(server.endpoint).host;
    port = Number(new URL(server.endpoint).port);
  });
  after(async () => {
    assert.ok((await s3.send(new ListBucketsCommand({}))).Buckets, 'still serving after everything above');
    await server.stop();
  });

  test('HTTP.request line longer than the header section limit → 400 RequestHeaderSectionTooLarge document, connection closed', async () => {
    const { text, closed } = await rawExchange(port, [`GET /b/${'k'.repeat(20 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
    assert.ok(closed);
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.equal(errorCode(text), 'RequestHeaderSectionTooLarge');
    assert.match(text, /\r\nx-amz-request-id: [0-9A-F]{16}\r\n/i);
  });

  test('HTTP.more than 1000 headers → 400 RequestHeaderSectionTooLarge (not silently dropped)', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `x${i}: 1\r\n`).join('');
    const { text, closed } = await rawExchange(port, [`GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`]);
    assert.ok(closed);
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.equal(errorCode(text), 'RequestHeaderSectionTooLarge');
    // 1000 is still fine (answered: unsigned → AccessDenied).
    const fine = Array.from({ length: 998 }, (_, i) => `x${i}: 1\r\n`).join('');
    const ok = await rawExchange(port, [`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${fine}\r\n`]);
    assert.equal(errorCode(ok.text), 'AccessDenied');
  });

  test('ListObjectsV2.query string of 1,500 parameters → answered (bounded by the header section); more → RequestHeaderSectionTooLarge', async () => {
    const bucket = await server.newBucket('query');
    const path = `/${bucket}`;
    const query = `list-type=2&${Array.from({ length: 1500 }, (_, i) => `p${String(i).padStart(4, '0')}=v`).join('&')}`;
    const res = await rawRequest(server.endpoint, { method: 'GET', path: `${path}?${query}`, headers: signV4({ method: 'GET', path, query, host, ...ROOT_KEYS }) });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.match(res.text, /<ListBucketResult/);
    const { text } = await rawExchange(port, [`GET ${path}?${query}&${query} HTTP/1.1\r\nHost: x\r\n\r\n`]);
    assert.equal(errorCode(text), 'RequestHeaderSectionTooLarge');
  });

  test('XML bodies.over the cap with a Content-Length → 400 MaxMessageLengthExceeded, for every operation that reads XML', async () => {
    const bucket = await server.newBucket('xmlcap');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    const cases: Array<[string, string, string, number]> = [
      ['PUT', `/${uniqueBucket('newb')}`, '', 2 * MiB + 1],
      ['PUT', `/${bucket}`, 'versioning', 2 * MiB + 1],
      ['PUT', `/${bucket}`, 'tagging', 2 * MiB + 1],
      ['PUT', `/${bucket}/k`, 'tagging', 2 * MiB + 1],
      ['POST', `/${bucket}`, 'delete', 2 * MiB + 1],
      ['POST', `/${bucket}/k`, `uploadId=${encodeURIComponent(UploadId!)}`, 10 * MiB + 1],
    ];
    for (const [method, path, query, size] of cases) {
      const headers = signV4({ method, path, query, host, payloadHash: 'UNSIGNED-PAYLOAD', headers: { 'content-md5': '1B2M2Y8AsgTpgAmY5PhCfg==' }, ...ROOT_KEYS });
      const res = await rawRequest(server.endpoint, { method, path: `${path}${query ? `?${query}` : ''}`, headers, body: Buffer.alloc(size, ' ') });
      assert.equal(res.status, 400, `${method} ${path}?${query}: ${res.text}`);
      assert.equal(errorCode(res.text), 'MaxMessageLengthExceeded', `${method} ${path}?${query}`);
    }
  });

  test('PutBucketVersioning.chunked body (no Content-Length) over the cap → the client, still sending, receives MaxMessageLengthExceeded', async () => {
    const bucket = await server.newBucket('xmlchunked');
    const head = `${signedHead('PUT', `/${bucket}`, 'versioning', host)}transfer-encoding: chunked\r\n\r\n`;
    const chunk = `100000\r\n${'a'.repeat(0x100000)}\r\n`;
    const { text } = await rawExchange(port, [head, ...Array.from({ length: 16 }, () => chunk), '0\r\n\r\n']);
    assert.equal(responses(text).length, 1);
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.equal(errorCode(text), 'MaxMessageLengthExceeded');
  });

  test('CompleteMultipartUpload.a pretty-printed 10,000-part document with checksums (over 2 MiB) is read, not refused', async () => {
    const bucket = await server.newBucket('bigcomplete');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    const part = (n: number) =>
      `  <Part>\n    <PartNumber>${n}</PartNumber>\n    <ETag>"${'0123456789abcdef'.repeat(2)}"</ETag>\n` +
      `    <ChecksumSHA256>${'A'.repeat(43)}=</ChecksumSHA256>\n    <ChecksumCRC64NVME>AAAAAAAAAAA=</ChecksumCRC64NVME>\n  </Part>\n`;
    const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n${Array.from({ length: 10_000 }, (_, i) => part(i + 1)).join('')}</CompleteMultipartUpload>`;
    assert.ok(body.length > 2 * MiB, `${body.length} bytes`);
    const path = `/${bucket}/k`;
    const query = `uploadId=${encodeURIComponent(UploadId!)}`;
    const res = await rawRequest(server.endpoint, { method: 'POST', path: `${path}?${query}`, headers: signV4({ method: 'POST', path, query, host, body, ...ROOT_KEYS }), body });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res.text), 'InvalidPart'); // parsed: part 1 was never uploaded
  });

  test('List*.max-keys / max-parts / max-uploads / max-buckets that are not integers in range → 400 InvalidArgument', async () => {
    const bucket = await server.newBucket('maxes');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    const upload = `uploadId=${encodeURIComponent(UploadId!)}`;
    const cases: Array<[string, string]> = [];
    for (const bad of ['abc', '-1', '1.5', '99999999999', '0x10']) {
      cases.push([`/${bucket}`, `max-keys=${bad}`], [`/${bucket}`, `list-type=2&max-keys=${bad}`], [`/${bucket}`, `versions&max-keys=${bad}`]);
      cases.push([`/${bucket}/k`, `${upload}&max-parts=${bad}`], [`/${bucket}`, `uploads&max-uploads=${bad}`], ['/', `max-buckets=${bad}`]);
    }
    for (const [path, query] of cases) {
      const res = await rawRequest(server.endpoint, { method: 'GET', path: `${path}?${query}`, headers: signV4({ method: 'GET', path, query, host, ...ROOT_KEYS }) });
      assert.equal(res.status, 400, `${path}?${query}: ${res.text}`);
      assert.equal(errorCode(res.text), 'InvalidArgument', `${path}?${query}`);
    }
  });

  test('HTTP.malformed chunked framing → 400 BadRequest document; after an answer has been sent, the connection just closes', async () => {
    const bucket = await server.newBucket('chunked');
    for (const body of ['zz\r\nabc\r\n0\r\n\r\n', '3\r\nabcXX0\r\n\r\n', '3;' + 'e'.repeat(20_000) + '\r\nabc\r\n0\r\n\r\n']) {
      const head = `${signedHead('PUT', `/${bucket}`, 'versioning', host)}transfer-encoding: chunked\r\n\r\n`;
      const { text, closed } = await rawExchange(port, [head, body], { gapMs: 30 });
      assert.ok(closed, JSON.stringify(body.slice(0, 20)));
      assert.equal(responses(text).length, 1, text);
      assert.match(text, /^HTTP\/1\.1 400 /);
      assert.equal(errorCode(text), 'BadRequest');
    }
    // PutObject without a length is refused before its body is read; bad framing later in that
    // body must not produce a second, unasked-for response.
    const head = `${signedHead('PUT', `/${bucket}/obj`, '', host)}transfer-encoding: chunked\r\n\r\n`;
    const { text, closed } = await rawExchange(port, [head, '5\r\nhello\r\n', '3\r\nabcXXX\r\n'], { gapMs: 50 });
    assert.ok(closed);
    assert.equal(responses(text).length, 1, text);
    assert.equal(errorCode(text), 'NotImplemented');
  });

  test('HTTP.1,000 connections that send nothing → others are still served promptly, memory stays bounded', async () => {
    const sockets: Socket[] = [];
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    try {
      await Promise.all(Array.from({ length: 1000 }, () => new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => resolve());
        socket.on('error', reject);
        sockets.push(socket);
      })));
      const started = Date.now();
      for (let i = 0; i < 10; i++) await s3.send(new HeadBucketCommand({ Bucket: await server.newBucket('flood') }));
      assert.ok(Date.now() - started < 5000, `10 requests took ${Date.now() - started} ms`);
      const grownMiB = (process.memoryUsage().rss - rssBefore) / MiB;
      assert.ok(grownMiB < 100, `rss grew ${grownMiB.toFixed(1)} MiB for 1,000 idle connections (both ends)`);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});

describe('limits: CreateBucket', () => {
  test('CreateBucket.at the per-user bucket cap → 400 TooManyBuckets; re-creating one of yours is still 200; deleting one makes room', async () => {
    const server = await startServer({ bucketsPerUserMax: 3 });
    const s3 = server.client();
    try {
      const names = [uniqueBucket('cap'), uniqueBucket('cap'), uniqueBucket('cap')];
      for (const Bucket of names) await s3.send(new CreateBucketCommand({ Bucket }));
      await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: uniqueBucket('cap') })), 'TooManyBuckets', 400,
        'You have attempted to create more buckets than allowed.');
      await s3.send(new CreateBucketCommand({ Bucket: names[0] }));
      // Another user has their own allowance.
      await server.otherClient().send(new CreateBucketCommand({ Bucket: uniqueBucket('other') }));
      await s3.send(new DeleteBucketCommand({ Bucket: names[2] }));
      await s3.send(new CreateBucketCommand({ Bucket: uniqueBucket('cap') }));
    } finally {
      await server.stop();
    }
  });
});

describe('limits: the HTTP server (short timeouts and caps)', () => {
  // The timeouts are 60 s and 120 s in production; the same server code with short ones.
  let server: ReturnType<typeof createHttpServer>;
  let port: number;
  before(async () => {
    server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(`got ${Buffer.concat(chunks).length}`));
    }, { headersTimeoutMs: 400, idleTimeoutMs: 600, connectionsMax: 20 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('HTTP.slow-loris headers (a byte every 50 ms) → 400 RequestTimeout once the headers timeout passes; others are served meanwhile', async () => {
    const trickle = [...'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200)];
    const slow = rawExchange(port, trickle, { gapMs: 50, timeoutMs: 5000 });
    const other = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.match(other.text, /^HTTP\/1\.1 200 /);
    const { text, closed, ms } = await slow;
    assert.ok(closed && ms < 3000, `closed after ${ms} ms`);
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.equal(errorCode(text), 'RequestTimeout');
  });

  test('HTTP.a body that stalls → 400 RequestTimeout after the idle time, connection closed', async () => {
    const { text, closed, ms } = await rawExchange(port, ['PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789'], { timeoutMs: 5000 });
    assert.ok(closed && ms >= 500 && ms < 3000, `closed after ${ms} ms`);
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.equal(errorCode(text), 'RequestTimeout');
  });

  test('HTTP.connections over the cap → 503 SlowDown document and closed; capacity comes back when they go', async () => {
    const idle: Socket[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        idle.push(await new Promise<Socket>((resolve) => { const s = connect(port, '127.0.0.1', () => resolve(s)); }));
      }
      const refused = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n']);
      assert.ok(refused.closed);
      assert.match(refused.text, /^HTTP\/1\.1 503 /);
      assert.equal(errorCode(refused.text), 'SlowDown');
    } finally {
      for (const s of idle) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 50));
    const ok = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.match(ok.text, /^HTTP\/1\.1 200 /);
  });
});
