import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  GetObjectCommand,
  GetObjectTorrentCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, rawSocket, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { messageOf } from '../../helpers/xml-text.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(entry.name);
  return out;
}

describe('robustness', () => {
  let server: TestServer;
  let s3: S3Client;
  let host: string;
  before(async () => {
    server = await startServer();
    s3 = server.client();
    host = new URL(server.endpoint).host;
  });
  after(async () => {
    // After everything below, the server still answers.
    assert.ok((await s3.send(new ListBucketsCommand({}))).Buckets);
    await server.stop();
  });

  test('ListBuckets.garbage Authorization headers → 400 with an S3 error, request id and host id', async () => {
    const cases: Array<[string, string, string]> = [
      ['garbage', 'InvalidArgument', 'Unsupported Authorization Type'],
      ['Bearer abc.def', 'InvalidArgument', 'Unsupported Authorization Type'],
      ['AWS nocolon', 'InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature'],
      ['AWS4-HMAC-SHA256 garbage', 'AuthorizationHeaderMalformed', 'The authorization header is malformed; the authorization component "garbage" is malformed.'],
      ['AWS4-HMAC-SHA256 Credential=x', 'AuthorizationHeaderMalformed', 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.'],
      ['\u00ff\u00fe', 'InvalidArgument', 'Unsupported Authorization Type'],
    ];
    for (const [authorization, code, message] of cases) {
      const res = await rawRequest(server.endpoint, { method: 'GET', path: '/', headers: { authorization, 'x-amz-date': '20240101T000000Z' } });
      assert.equal(res.status, 400, authorization);
      assert.equal(errorCode(res.text), code, authorization);
      assert.equal(messageOf(res.text), message);
      assert.match(String(res.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
      assert.ok(res.headers['x-amz-id-2']);
    }
  });

  test('PutObject.an empty Authorization header is an anonymous request: 403 AccessDenied, as for CreateBucket', async () => {
    const bucket = await server.newBucket('empty-auth');
    for (const path of [`/${bucket}/k`, `/${bucket}-new`]) {
      const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers: { authorization: '' }, body: 'bar' });
      assert.equal(res.status, 403, path);
      assert.equal(errorCode(res.text), 'AccessDenied', path);
      assert.equal(messageOf(res.text), 'Access Denied');
    }
  });

  test('ListBuckets.garbage x-amz-date → AccessDenied; several auth mechanisms → InvalidArgument', async () => {
    const headers = signV4({ method: 'GET', path: '/', host, ...ROOT_KEYS });
    const res = await rawRequest(server.endpoint, { method: 'GET', path: '/', headers: { ...headers, 'x-amz-date': 'yesterday' } });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res.text), 'AccessDenied');
    assert.equal(messageOf(res.text), 'AWS authentication requires a valid Date or x-amz-date header');
    const both = await rawRequest(server.endpoint, { method: 'GET', path: '/?X-Amz-Algorithm=AWS4-HMAC-SHA256', headers });
    assert.equal(both.status, 400);
    assert.equal(errorCode(both.text), 'InvalidArgument');
  });

  test('HTTP.malformed request lines and headers → 400 BadRequest, connection closed, ids present', async () => {
    for (const request of [
      'GET / HTTP/1.1\r\nHost: x\r\nThis is not a header\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'NOT A REQUEST\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nBad\u0001Name: v\r\n\r\n',
    ]) {
      const response = await rawSocket(server.endpoint, request);
      assert.match(response, /^HTTP\/1\.1 400 /, JSON.stringify(request));
      assert.match(response, /<Code>BadRequest<\/Code>/);
      assert.match(response, /\r\nx-amz-request-id: [0-9A-F]{16}\r\n/i);
      assert.match(response, /\r\nx-amz-id-2: /i);
    }
  });

  test('HTTP.header section over 16 KiB → 400 RequestHeaderSectionTooLarge', async () => {
    const response = await rawSocket(server.endpoint, `GET / HTTP/1.1\r\nHost: x\r\nx-amz-meta-big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    assert.match(response, /^HTTP\/1\.1 400 /);
    assert.match(response, /<Code>RequestHeaderSectionTooLarge<\/Code>/);
    assert.match(response, /<Message>Your request header section exceeds the maximum allowed size.<\/Message>/);
  });

  test('CreateBucket.malformed XML body → MalformedXML; entities are refused', async () => {
    for (const body of [
      '<CreateBucketConfiguration><LocationConstraint>us-east-1',
      'not xml at all',
      '<Wrong><LocationConstraint>x</LocationConstraint></Wrong>',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "us-east-1">]><CreateBucketConfiguration><LocationConstraint>&e;</LocationConstraint></CreateBucketConfiguration>',
    ]) {
      const path = `/${uniqueBucket('badxml')}`;
      const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers: signV4({ method: 'PUT', path, host, body, ...ROOT_KEYS }), body });
      assert.equal(res.status, 400, body);
      assert.equal(errorCode(res.text), 'MalformedXML');
      assert.equal(messageOf(res.text), 'The XML you provided was not well-formed or did not validate against our published schema');
    }
  });

  test('GetObjectTorrent.unimplemented operation → 501 NotImplemented', async () => {
    const bucket = await server.newBucket('notimpl');
    await expectS3Error(s3.send(new GetObjectTorrentCommand({ Bucket: bucket, Key: 'k' })), 'NotImplemented', 501,
      'GetObjectTorrent is not implemented by Coffer yet.');
  });

  test('HTTP.unknown method → 405 MethodNotAllowed', async () => {
    const bucket = await server.newBucket('patch');
    for (const [method, path] of [['PATCH', `/${bucket}/k`], ['DELETE', '/'], ['POST', '/']] as const) {
      const headers = signV4({ method, path, host, ...ROOT_KEYS });
      const res = await rawRequest(server.endpoint, { method, path, headers });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(errorCode(res.text), 'MethodNotAllowed');
      assert.equal(messageOf(res.text), 'The specified method is not allowed against this resource.');
    }
  });

  test('PutObject.client disconnects mid-upload → no object, no temp file, no blob', async () => {
    const bucket = await server.newBucket('disconnect');
    const path = `/${bucket}/partial`;
    const blobsBefore = await filesUnder(join(server.dataDir, 'blobs'));
    const headers = signV4({ method: 'PUT', path, host, payloadHash: 'UNSIGNED-PAYLOAD', ...ROOT_KEYS });
    const url = new URL(server.endpoint);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const head = [`PUT ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `content-length: ${10 * 1024 * 1024}`].join('\r\n');
    socket.write(`${head}\r\n\r\n`);
    socket.write(randomBytes(1024 * 1024));
    // Wait until the server is writing the temp file, then vanish.
    const tmp = join(server.dataDir, 'tmp');
    for (let i = 0; i < 100 && (await readdir(tmp)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await readdir(tmp)).length, 1, 'the upload was in progress');
    socket.destroy();
    for (let i = 0; i < 100 && (await readdir(tmp)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await readdir(tmp), []);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'partial' })), 'NotFound', 404);
    assert.deepEqual((await filesUnder(join(server.dataDir, 'blobs'))).sort(), blobsBefore.sort());
  });

  test('DeleteObject.client vanishes mid-body of an operation that never reads it → the server keeps serving', async () => {
    const bucket = await server.newBucket('vanish');
    const path = `/${bucket}/k`;
    const url = new URL(server.endpoint);
    for (let round = 0; round < 20; round++) {
      const headers = signV4({ method: 'DELETE', path, host, payloadHash: 'UNSIGNED-PAYLOAD', ...ROOT_KEYS });
      const socket = connect(Number(url.port), url.hostname);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      const head = [`DELETE ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `content-length: ${1024 * 1024}`].join('\r\n');
      socket.write(`${head}\r\n\r\n`);
      socket.write(randomBytes(1024));
      if (round % 2) await new Promise((r) => setTimeout(r, round));
      socket.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  });

  test('PutObject.20 concurrent PUTs of different bodies to one key → the final object is exactly one of them', async () => {
    const bucket = await server.newBucket('concurrent');
    const bodies = Array.from({ length: 20 }, (_, i) => Buffer.concat([Buffer.from(`body ${i}:`), randomBytes(64 * 1024 + i * 997)]));
    const blobsBefore = (await filesUnder(join(server.dataDir, 'blobs'))).length;
    const results = await Promise.all(bodies.map((Body) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'contended', Body }))));
    const etags = bodies.map((b) => `"${createHash('md5').update(b).digest('hex')}"`);
    results.forEach((r, i) => assert.equal(r.ETag, etags[i]));
    const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'contended' }))).Body!.transformToByteArray());
    const winner = bodies.findIndex((b) => b.equals(got));
    assert.ok(winner >= 0, 'the stored bytes are exactly one of the bodies');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'contended' }));
    assert.equal(head.ETag, etags[winner]);
    assert.equal(head.ContentLength, bodies[winner]!.length);
    // Every replaced body's blob was released: one blob more than before.
    assert.equal((await filesUnder(join(server.dataDir, 'blobs'))).length, blobsBefore + 1);
    assert.deepEqual(await readdir(join(server.dataDir, 'tmp')), []);
  });
});
