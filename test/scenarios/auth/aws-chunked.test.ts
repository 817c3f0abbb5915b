import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';
import { messageOf } from '../../helpers/xml-text.js';

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** An aws-chunked request body and headers, signed chunk by chunk (or unsigned), optionally with a trailer. */
function awsChunked(options: {
  method: string; path: string; host: string; data: Buffer; chunkBytes: number;
  signed: boolean; trailer?: { name: string; value: string }; decodedLength?: number; corruptChunk?: number;
}): { headers: Record<string, string>; body: Buffer } {
  const mode = options.signed
    ? options.trailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
    : 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
  const extra: Record<string, string> = {
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(options.decodedLength ?? options.data.length),
  };
  if (options.trailer) extra['x-amz-trailer'] = options.trailer.name;
  const headers = signV4({ method: options.method, path: options.path, host: options.host, headers: extra, payloadHash: mode, ...ROOT_KEYS });
  const amzDate = headers['x-amz-date']!;
  const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  let key: Buffer = hmac(`AWS4${ROOT_KEYS.secretAccessKey}`, amzDate.slice(0, 8));
  for (const part of ['us-east-1', 's3', 'aws4_request']) key = hmac(key, part);
  let previous = /Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]!;
  const pieces: Buffer[] = [];
  const chunks: Buffer[] = [];
  for (let at = 0; at < options.data.length; at += options.chunkBytes) chunks.push(options.data.subarray(at, at + options.chunkBytes));
  chunks.push(Buffer.alloc(0));
  chunks.forEach((chunk, i) => {
    let line = chunk.length.toString(16);
    if (options.signed) {
      const sts = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, EMPTY_SHA256, sha256Hex(chunk)].join('\n');
      let signature = hmac(key, sts).toString('hex');
      previous = signature;
      if (i === options.corruptChunk) signature = signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      line += `;chunk-signature=${signature}`;
    }
    pieces.push(Buffer.from(`${line}\r\n`), chunk);
    if (chunk.length > 0) pieces.push(Buffer.from('\r\n'));
  });
  if (options.trailer) {
    const trailerLine = `${options.trailer.name}:${options.trailer.value}`;
    pieces.push(Buffer.from(`${trailerLine}\r\n`));
    if (options.signed) {
      const sts = ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, sha256Hex(`${trailerLine}\n`)].join('\n');
      pieces.push(Buffer.from(`x-amz-trailer-signature:${hmac(key, sts).toString('hex')}\r\n`));
    }
  }
  pieces.push(Buffer.from('\r\n'));
  return { headers, body: Buffer.concat(pieces) };
}

describe('auth: aws-chunked payloads', () => {
  let server: TestServer;
  let s3: S3Client;
  let host: string;
  before(async () => {
    server = await startServer();
    s3 = server.client();
    host = new URL(server.endpoint).host;
  });
  after(() => server.stop());

  async function getBytes(bucket: string, key: string): Promise<Buffer> {
    return Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
  }

  test('PutObject.STREAMING-AWS4-HMAC-SHA256-PAYLOAD: signed chunks are decoded and stored', async () => {
    const bucket = await server.newBucket('chunked-signed');
    const path = `/${bucket}/k`;
    const data = randomBytes(3 * 65536 + 123);
    const { headers, body } = awsChunked({ method: 'PUT', path, host, data, chunkBytes: 65536, signed: true });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers, body });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.etag, `"${createHash('md5').update(data).digest('hex')}"`);
    assert.ok((await getBytes(bucket, 'k')).equals(data));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(head.ContentEncoding, undefined, 'aws-chunked is framing, not stored');
  });

  test('PutObject.STREAMING-AWS4-HMAC-SHA256-PAYLOAD: a bad chunk signature → SignatureDoesNotMatch, nothing stored', async () => {
    const bucket = await server.newBucket('chunked-badsig');
    const path = `/${bucket}/k`;
    const data = randomBytes(2 * 16384 + 5);
    const { headers, body } = awsChunked({ method: 'PUT', path, host, data, chunkBytes: 16384, signed: true, corruptChunk: 2 });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers, body });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res.text), 'SignatureDoesNotMatch');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })), 'NotFound', 404);
  });

  test('PutObject.STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: signed trailer with a checksum', async () => {
    const bucket = await server.newBucket('chunked-trailer');
    const path = `/${bucket}/k`;
    const data = randomBytes(20000);
    const checksum = createHash('sha256').update(data).digest('base64');
    const { headers, body } = awsChunked({ method: 'PUT', path, host, data, chunkBytes: 10000, signed: true, trailer: { name: 'x-amz-checksum-sha256', value: checksum } });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers, body });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-amz-checksum-sha256'], checksum);
    assert.ok((await getBytes(bucket, 'k')).equals(data));
  });

  test('PutObject.STREAMING-UNSIGNED-PAYLOAD-TRAILER: stored; a wrong trailing checksum → BadDigest', async () => {
    const bucket = await server.newBucket('chunked-unsigned');
    const path = `/${bucket}/k`;
    const data = randomBytes(5000);
    const good = createHash('sha256').update(data).digest('base64');
    const ok = awsChunked({ method: 'PUT', path, host, data, chunkBytes: 1000, signed: false, trailer: { name: 'x-amz-checksum-sha256', value: good } });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers: ok.headers, body: ok.body });
    assert.equal(res.status, 200, res.text);
    assert.ok((await getBytes(bucket, 'k')).equals(data));

    const wrong = createHash('sha256').update('other').digest('base64');
    const bad = awsChunked({ method: 'PUT', path: `/${bucket}/bad`, host, data, chunkBytes: 1000, signed: false, trailer: { name: 'x-amz-checksum-sha256', value: wrong } });
    const badRes = await rawRequest(server.endpoint, { method: 'PUT', path: `/${bucket}/bad`, headers: bad.headers, body: bad.body });
    assert.equal(badRes.status, 400);
    assert.equal(errorCode(badRes.text), 'BadDigest');
    assert.equal(messageOf(badRes.text), 'The SHA256 you specified did not match the calculated checksum.');
  });

  test('PutObject.body shorter than x-amz-decoded-content-length → IncompleteBody, nothing stored', async () => {
    const bucket = await server.newBucket('chunked-short');
    const path = `/${bucket}/k`;
    const data = randomBytes(1000);
    const { headers, body } = awsChunked({ method: 'PUT', path, host, data, chunkBytes: 1000, signed: false, trailer: { name: 'x-amz-checksum-sha256', value: createHash('sha256').update(data).digest('base64') }, decodedLength: 2000 });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers, body });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res.text), 'IncompleteBody');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })), 'NotFound', 404);
  });
});
