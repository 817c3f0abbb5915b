import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, get } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { workerReadCounts } from '../../../src/crypto/worker-reads.js';
import { startChildServer } from '../../helpers/child-server.js';
import { awscli, AWS_CLI } from '../../helpers/external-tools.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

/** A self-signed certificate for 127.0.0.1, made with openssl (`cn` tells two apart). */
function makeCertificate(dir: string, cn: string): void {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
}

/** GET over HTTPS trusting `ca`; resolves with status, body and whether the agent reused a connection. */
function httpsGet(url: string, agent: Agent): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

/** The SHA-256 fingerprint of the certificate a new TLS connection is shown. */
function servedFingerprint(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('server: TLS', () => {
  let dir: string;
  let server: TestServer;
  let ca: Buffer;
  let s3: S3Client;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-tls-'));
    makeCertificate(dir, 'coffer-first');
    ca = await readFile(join(dir, 'cert.pem'));
    server = await startServer({ tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    s3 = server.client({ requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca }) }) });
  });
  /** server.newBucket's client does not trust the test certificate: buckets are made over TLS here. */
  const newBucket = async (label: string, keys: string[] = []) => {
    const bucket = uniqueBucket(label);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    return bucket;
  };
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('TLS.endpoint: https:// on the listening port', () => {
    assert.match(server.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test('PutObject.sseCustomerKeyOverTls: SSE-C is accepted over TLS without --allow-insecure-sse-c; GET needs the key', async () => {
    const bucket = await newBucket('tlsssec');
    const key = randomBytes(32);
    const sse = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'secret', Body: 'customer-keyed', ...sse }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'secret', ...sse }));
    assert.equal(await got.Body!.transformToString(), 'customer-keyed');
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'secret' })), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(error.name, 'InvalidRequest');
      assert.equal(error.$metadata?.httpStatusCode, 400);
      return true;
    });
  });

  test('PutObject.awsChunkedOverTls: a streamed body with a CRC32 trailer is stored and read back', async () => {
    const bucket = await newBucket('tls');
    const body = Buffer.alloc(200 * 1024, 'q');
    const sent: string[] = [];
    s3.middlewareStack.add((next) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      if (headers['content-encoding']?.includes('aws-chunked')) sent.push(headers['x-amz-content-sha256'] ?? '');
      return next(args);
    }, { step: 'finalizeRequest', name: 'seeAwsChunked' });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'chunked', Body: Readable.from([body.subarray(0, 1000), body.subarray(1000)]), ContentLength: body.length, ChecksumAlgorithm: 'CRC32' }));
    assert.equal(sent.length, 1, 'the SDK sent aws-chunked');
    assert.match(sent[0]!, /^STREAMING-/);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'chunked' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
  });

  test('GetObject.presignedOverTls: a presigned https URL answers the object', async () => {
    const bucket = await newBucket('tls', ['presigned']);
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'presigned' }), { expiresIn: 60 });
    assert.match(url, /^https:\/\//);
    const answer = await httpsGet(url, new Agent({ ca }));
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'presigned');
  });

  test('GetObject.largeOverTls: 12 MiB objects (read on a worker thread), plain and SSE-C, reach a slow reader byte for byte', async () => {
    const bucket = await newBucket('tlslarge');
    const body = randomBytes(12 * 1024 * 1024 + 777);
    const key = randomBytes(32);
    const sse = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'customer', Body: body, ...sse }));
    for (const [name, extra] of [['plain', {}], ['customer', sse]] as const) {
      const onWorker = workerReadCounts.onWorker;
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: name, ...extra }));
      const chunks: Buffer[] = [];
      // Slow at first: the response's TLS writes fall behind while the worker's slots are refilled.
      for await (const chunk of got.Body as Readable) {
        chunks.push(chunk as Buffer);
        if (chunks.length < 40) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.ok(Buffer.concat(chunks).equals(body), `${name}: the same bytes`);
      assert.equal(workerReadCounts.onWorker, onWorker + 1, `${name}: read on the worker`);
    }
  });

  test('awscli.s3 ls over https with --ca-bundle', { skip: awscli.skip }, async () => {
    const bucket = await newBucket('tlscli');
    // Asynchronously: the server runs in this process and must answer meanwhile.
    const result = await promisify(execFile)(AWS_CLI, ['--endpoint-url', server.endpoint, '--ca-bundle', join(dir, 'cert.pem'), 's3', 'ls'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, AWS_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    assert.match(result.stdout, new RegExp(` ${bucket}\\n`));
  });
  test('CLI.SIGHUP: coffer serve --tls-cert/--tls-key reloads the certificate on SIGHUP and keeps serving', async () => {
    const data = join(dir, 'child-data');
    const child = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', data, '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
    try {
      assert.match(child.endpoint, /^https:\/\//);
      child.process.kill('SIGHUP');
      for (let i = 0; i < 100 && !child.stdout().includes('TLS certificate and key reloaded'); i++) await new Promise((r) => setTimeout(r, 50));
      const reloaded = child.stdout().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string });
      assert.deepEqual(reloaded.map((l) => [l.level, l.msg]), [[30, 'TLS certificate and key reloaded (new connections use them)']]);
      assert.equal((await httpsGet(`${child.endpoint}/_health/live`, new Agent({ ca }))).status, 200);
    } finally {
      assert.equal(await child.stop(), 0);
    }
  });

  // Last: the clients above trust only the first certificate.
  test('TLS.reload: a new certificate is served to new connections; an open connection keeps working', async () => {
    const agent = new Agent({ ca, keepAlive: true, maxSockets: 1 });
    const live = `${server.endpoint}/_health/live`;
    assert.equal((await httpsGet(live, agent)).status, 200);
    const first = await servedFingerprint(server.coffer.port, ca);

    makeCertificate(dir, 'coffer-second');
    const secondCa = await readFile(join(dir, 'cert.pem'));
    await server.coffer.reloadTls();

    const again = await httpsGet(live, agent);
    assert.deepEqual([again.status, again.reused], [200, true], 'the open connection was not dropped');
    const second = await servedFingerprint(server.coffer.port, secondCa);
    assert.notEqual(second, first);
    agent.destroy();

    // A broken file fails the reload; the certificate in use stays.
    await writeFile(join(dir, 'cert.pem'), 'not a certificate');
    await assert.rejects(server.coffer.reloadTls(), /PEM|certificate|no start line/i);
    assert.equal(await servedFingerprint(server.coffer.port, secondCa), second);
  });

});
