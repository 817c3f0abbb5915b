import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createLogger } from '../../../src/observe/logger.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { layout } from '../../helpers/data-dir.js';
import { createTestDatabase, postgresSkipReason } from '../../helpers/postgres.js';
import { rawRequest, signV4 } from '../../helpers/raw-request.js';
import { OTHER_USER, ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';

const POSTGRES_SKIP = await postgresSkipReason();

/** The value of one sample in Prometheus text (0 when the series is absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z0-9_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return 0;
}

async function scrape(endpoint: string, path = '/_metrics'): Promise<string> {
  const response = await rawRequest(endpoint, { method: 'GET', path });
  assert.equal(response.status, 200, response.text);
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return response.text;
}

/** A non-loopback address of this machine, to be a client that is not on loopback. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

describe('server: metrics, request log, health', () => {
  let server: TestServer;
  const lines: string[] = [];
  const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

  before(async () => {
    server = await startServer({ logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
  });
  after(() => server.stop());

  test('Metrics.countersMoveWithTraffic: requests by operation and status, bytes in and out, latency, store sizes', async () => {
    const s3 = server.client();
    const bucket = await server.newBucket('metrics');
    const before = await scrape(server.endpoint);
    const body = Buffer.alloc(10_000, 'm');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'b', Body: body }));
    await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a' }))).Body!.transformToByteArray();
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'absent' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    const after = await scrape(server.endpoint);

    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    assert.equal(delta('coffer_s3_requests_total', { operation: 'PutObject', status: '200' }), 2);
    assert.equal(delta('coffer_s3_requests_total', { operation: 'GetObject', status: '200' }), 1);
    assert.equal(delta('coffer_s3_requests_total', { operation: 'GetObject', status: '404' }), 1);
    assert.equal(delta('coffer_s3_request_duration_seconds_count', { operation: 'PutObject' }), 2);
    assert.ok(delta('coffer_s3_received_bytes_total', { operation: 'PutObject' }) >= 2 * body.length);
    assert.ok(delta('coffer_s3_sent_bytes_total', { operation: 'GetObject' }) >= body.length);
    assert.match(after, /^coffer_s3_requests_in_flight 0$/m);
    assert.deepEqual([delta('coffer_store_objects', {}), delta('coffer_store_bytes', {})], [2, 2 * body.length]);
    assert.ok(sample(after, 'coffer_process_resident_memory_bytes') > 0);
  });

  test('Metrics.storeSizes: buckets, objects and bytes of a fresh server', async () => {
    const fresh = await startServer();
    try {
      const bucket = await fresh.newBucket('sizes', { keys: ['one', 'three'] });
      await fresh.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: Buffer.alloc(1000) }));
      const text = await scrape(fresh.endpoint);
      assert.deepEqual(
        [sample(text, 'coffer_store_buckets'), sample(text, 'coffer_store_objects'), sample(text, 'coffer_store_bytes')],
        [1, 3, 'one'.length + 'three'.length + 1000],
      );
    } finally {
      await fresh.stop();
    }
  });

  test('Metrics.loopbackOnly: a client on another address gets 403 unless metricsPublic or signed by the root user', async (t) => {
    const address = externalAddress();
    if (!address) return t.skip('this machine has no non-loopback IPv4 address');
    const get = (port: number, headers: Record<string, string> = {}) => new Promise<number>((resolve, reject) => {
      request({ host: address, port, path: '/_metrics', localAddress: address, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    const closed = await startServer({ host: '0.0.0.0' });
    const open = await startServer({ host: '0.0.0.0', metricsPublic: true });
    try {
      assert.equal(await get(closed.coffer.port), 403);
      assert.equal(await get(open.coffer.port), 200);
      const host = `${address}:${closed.coffer.port}`;
      assert.equal(await get(closed.coffer.port, signV4({ method: 'GET', path: '/_metrics', host, ...ROOT_KEYS })), 200);
      assert.equal(await get(closed.coffer.port, signV4({ method: 'GET', path: '/_metrics', host, ...OTHER_USER })), 403);
      assert.equal(await get(closed.coffer.port, signV4({ method: 'GET', path: '/_metrics', host, ...ROOT_KEYS, secretAccessKey: 'wrong' })), 403);
    } finally {
      await closed.stop();
      await open.stop();
    }
  });

  test('Metrics.virtualHost: /_metrics on bucket.<domain> is an S3 key, not the metrics page', async () => {
    const response = await rawRequest(server.endpoint, { method: 'GET', path: '/_metrics', headers: { host: 'no-such-bucket-here.localhost' } });
    assert.equal(response.status, 404);
    assert.match(response.text, /<Code>NoSuchBucket<\/Code>/);
  });

  test('Metrics.metricsAddress: a separate listener serves /metrics and /health/*, and nothing else', async () => {
    const withListener = await startServer({ metricsAddress: { host: '127.0.0.1', port: 0 } });
    try {
      const endpoint = withListener.coffer.metricsEndpoint!;
      assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const base = endpoint.replace(/\/metrics$/, '');
      assert.match(await scrape(base, '/metrics'), /coffer_s3_requests_in_flight 0/);
      assert.equal((await rawRequest(base, { method: 'GET', path: '/health/ready' })).status, 200);
      assert.equal((await rawRequest(base, { method: 'GET', path: '/bucket/key' })).status, 404);
    } finally {
      await withListener.stop();
    }
  });

  test('RequestLog.oneLinePerRequest: operation, status, bytes, ms, access key id; never a signature or secret', async () => {
    const s3 = server.client();
    const bucket = await server.newBucket('log');
    lines.length = 0;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'logged', Body: 'twelve bytes' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'logged' }), { expiresIn: 60 });
    const presigned = new URL(url);
    const got = await rawRequest(server.endpoint, { method: 'GET', path: presigned.pathname + presigned.search });
    assert.equal(got.text, 'twelve bytes');

    const entries = logged().filter((e) => e.msg === 'request');
    assert.deepEqual(entries.map((e) => [e.operation, e.status, e.method]), [['PutObject', 200, 'PUT'], ['GetObject', 200, 'GET']]);
    const [put, get] = entries;
    assert.equal(put!.path, `/${bucket}/logged`);
    assert.equal(put!.accessKeyId, ROOT_KEYS.accessKeyId);
    assert.ok((put!.bytesIn as number) > 12 && (get!.bytesOut as number) > 12);
    assert.equal(typeof put!.ms, 'number');
    assert.match(String(put!.requestId), /^[0-9A-F]{16}$/);
    assert.match(String(get!.query), /X-Amz-Signature=REDACTED/);
    assert.match(String(get!.query), /X-Amz-Credential=REDACTED/);
    const all = lines.join('');
    assert.ok(!all.includes(presigned.searchParams.get('X-Amz-Signature')!), 'no presigned signature');
    assert.ok(!all.includes(ROOT_KEYS.secretAccessKey), 'no secret key');
    assert.ok(!/Signature=[0-9a-f]{64}/.test(all) && !all.includes('AWS4-HMAC-SHA256 Credential'), 'no Authorization header');
  });

  test('RequestLog.internalError: logged at error with the request id and the stack', async () => {
    const s3 = server.client({ maxAttempts: 1 }); // one attempt: one error line to find
    const bucket = await server.newBucket('broken');
    // Over the inline threshold (64 KiB), so in a blob file; take it away behind the server's
    // back: reading it is an internal error.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'gone', Body: Buffer.alloc(70_000, 'g') }));
    const { blobs } = layout(server.dataDir);
    for (const blob of await blobs()) await unlink(blob);
    lines.length = 0;
    const failure = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'gone' })), 'InternalError', 500, 'We encountered an internal error. Please try again.');
    const requestId = failure.$metadata.requestId as string;
    const error = logged().find((e) => e.level === 50);
    assert.ok(error, 'an error line');
    assert.equal(error.requestId, requestId);
    assert.match(String((error.err as { stack?: string }).stack), /BlobNotFoundError: blob [0-9a-f]{32} not found\n\s+at /);
    const line = logged().find((e) => e.msg === 'request');
    assert.deepEqual([line?.status, line?.errorCode, line?.requestId], [500, 'InternalError', requestId]);
  });

  test('Health.live and ready: 200 with JSON, no authentication', async () => {
    const live = await rawRequest(server.endpoint, { method: 'GET', path: '/_health/live' });
    assert.deepEqual([live.status, JSON.parse(live.text)], [200, { status: 'live' }]);
    const ready = await rawRequest(server.endpoint, { method: 'GET', path: '/_health/ready' });
    assert.deepEqual([ready.status, JSON.parse(ready.text)], [200, { status: 'ready', metadata: 'ok', blobs: 'ok' }]);
    const head = await rawRequest(server.endpoint, { method: 'HEAD', path: '/_health/ready' });
    assert.deepEqual([head.status, head.text], [200, '']);
  });

  test('Health.ready: 503 naming the blob store when it cannot write', async () => {
    const warnings: string[] = [];
    const broken = await startServer({ logger: createLogger('warn', { write: (line: string) => void warnings.push(line) }) });
    try {
      // A file where the temp folder should be: no write can start (even as root).
      await rm(join(broken.dataDir, 'tmp'), { recursive: true });
      await writeFile(join(broken.dataDir, 'tmp'), 'not a folder');
      const ready = await rawRequest(broken.endpoint, { method: 'GET', path: '/_health/ready' });
      assert.deepEqual([ready.status, JSON.parse(ready.text)], [503, { status: 'unavailable', metadata: 'ok', blobs: 'failed' }]);
      assert.equal((await rawRequest(broken.endpoint, { method: 'GET', path: '/_health/live' })).status, 200);
      const warning = JSON.parse(warnings[0]!) as { msg: string; check: string; err: { code: string } };
      assert.deepEqual([warning.msg, warning.check, warning.err.code], ['readiness check failed', 'blobs', 'ENOTDIR']);
    } finally {
      await rm(join(broken.dataDir, 'tmp'), { force: true });
      await broken.stop();
    }
  });

  test('Health.ready: 503 naming the metadata store when its PostgreSQL database is gone', { skip: POSTGRES_SKIP }, async () => {
    const db = await createTestDatabase();
    const warnings: string[] = [];
    const gateway = await startServer({ metadata: db.url, logger: createLogger('warn', { write: (line: string) => void warnings.push(line) }) });
    try {
      const ready = await rawRequest(gateway.endpoint, { method: 'GET', path: '/_health/ready' });
      assert.deepEqual([ready.status, JSON.parse(ready.text)], [200, { status: 'ready', metadata: 'ok', blobs: 'ok' }]);
      await db.drop(); // WITH (FORCE): the gateway's connections are ended too
      const gone = await rawRequest(gateway.endpoint, { method: 'GET', path: '/_health/ready' });
      assert.deepEqual([gone.status, JSON.parse(gone.text)], [503, { status: 'unavailable', metadata: 'failed', blobs: 'ok' }]);
      const warning = JSON.parse(warnings.find((line) => line.includes('readiness check failed'))!) as { check: string };
      assert.equal(warning.check, 'metadata');
    } finally {
      await gateway.stop();
      await db.drop();
    }
  });
});
