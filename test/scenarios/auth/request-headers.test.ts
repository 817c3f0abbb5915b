/**
 * Headers that are not honoured are refused, never dropped (issue 10, item 8): unsigned x-amz-*
 * headers under SigV4, a bucket owner other than the one expected, repeated credentials, and the
 * headers of features Coffer does not build yet.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { CopyObjectCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListPartsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4, type RawResponse } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';

const NOT_IMPLEMENTED = 'A header you provided implies functionality that is not implemented.';

describe('request headers that would be dropped are refused', () => {
  let server: TestServer;
  let s3: S3Client;
  let host: string;
  before(async () => {
    server = await startServer();
    s3 = server.client();
    host = new URL(server.endpoint).host;
  });
  after(() => server.stop());

  const element = (text: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];

  it('PutObject.unsignedAmzHeader → AccessDenied with HeadersNotSigned', async () => {
    const bucket = await server.newBucket('unsigned');
    const path = `/${bucket}/k`;
    const signed = signV4({ method: 'PUT', path, host, body: 'x', ...ROOT_KEYS });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, body: 'x', headers: { ...signed, 'x-amz-meta-added': 'later', 'x-amz-tagging': 'a=1' } });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res.text), 'AccessDenied');
    assert.equal(element(res.text, 'Message'), 'There were headers present in the request which were not signed');
    assert.equal(element(res.text, 'HeadersNotSigned'), 'x-amz-meta-added, x-amz-tagging');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })), 'NotFound', 404);
  });

  it('PutObject.presignedUrlWithAddedCopySource → AccessDenied, nothing copied', async () => {
    const bucket = await server.newBucket('presign-copy');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'secret', Body: 'secret data' }));
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'upload' }), { expiresIn: 60 });
    const res = await fetch(url, { method: 'PUT', body: 'mine', headers: { 'x-amz-copy-source': `${bucket}/secret` } });
    const text = await res.text();
    assert.equal(res.status, 403, text);
    assert.equal(element(text, 'HeadersNotSigned'), 'x-amz-copy-source');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'upload' })), 'NotFound', 404);
  });

  it('PutObject.expectedBucketOwner: the owning account (its id, or the owner\'s canonical id) passes, anyone else → AccessDenied', async () => {
    const bucket = await server.newBucket('expected-owner');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ExpectedBucketOwner: server.coffer.accountId }));
    await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: server.coffer.accountId }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ExpectedBucketOwner: server.coffer.rootUser.id }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'y', ExpectedBucketOwner: '1'.repeat(64) })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', ExpectedBucketOwner: '111122223333' })), 'AccessDenied', 403, 'Access Denied');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'x');
  });

  it('CopyObject.expectedSourceBucketOwner other than the owner → AccessDenied', async () => {
    const bucket = await server.newBucket('expected-source');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'x' }));
    const copy = (expected: string) => s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src`, ExpectedSourceBucketOwner: expected }));
    await expectS3Error(copy('1'.repeat(64)), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dst' })), 'NotFound', 404);
    await copy(server.coffer.rootUser.id);
    await copy(server.coffer.accountId);
  });

  it('GetObject.twoAuthorizationHeaders → InvalidArgument', async () => {
    const bucket = await server.newBucket('two-auth');
    const path = `/${bucket}/k`;
    const signed = signV4({ method: 'GET', path, host, ...ROOT_KEYS });
    const res = await new Promise<RawResponse>((resolve, reject) => {
      const url = new URL(server.endpoint);
      const req = request({ host: url.hostname, port: url.port, method: 'GET', path, agent: false, headers: [...Object.entries(signed).flat(), 'authorization', signed.authorization!] }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks), text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res.text), 'InvalidArgument');
    assert.match(element(res.text, 'Message') ?? '', /^Only one auth mechanism allowed/);
  });

  it('GetObject.repeatedSignatureParameter → AuthorizationQueryParametersError', async () => {
    const bucket = await server.newBucket('two-sig');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'k' }), { expiresIn: 60 });
    for (const extra of [`X-Amz-Signature=${'0'.repeat(64)}`, 'X-Amz-Credential=AKIAOTHER%2F20260101%2Fus-east-1%2Fs3%2Faws4_request']) {
      const res = await fetch(`${url}&${extra}`);
      const text = await res.text();
      assert.equal(res.status, 400, text);
      assert.equal(errorCode(text), 'AuthorizationQueryParametersError');
    }
  });

  it('UploadPart.headersOfUnbuiltFeatures → 501 NotImplemented naming the header, nothing written', async () => {
    // Every header PutObject takes is applied now (each kind of SSE: test/scenarios/encryption; object
    // lock: test/scenarios/object-lock). A part takes its lock settings from its upload, so a lock
    // header on UploadPart would be dropped: refused instead.
    const bucket = await server.newBucket('unbuilt');
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    const path = `/${bucket}/k`;
    const query = `partNumber=1&uploadId=${encodeURIComponent(upload.UploadId!)}`;
    const headers = signV4({ method: 'PUT', path, query, host, headers: { 'x-amz-object-lock-mode': 'GOVERNANCE' }, body: 'x', ...ROOT_KEYS });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path: `${path}?${query}`, headers, body: 'x' });
    assert.equal(res.status, 501, res.text);
    assert.equal(errorCode(res.text), 'NotImplemented');
    assert.match(res.text, new RegExp(`<Message>${NOT_IMPLEMENTED}</Message>`));
    assert.match(res.text, /<Header>x-amz-object-lock-mode<\/Header>/);
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'k', UploadId: upload.UploadId }));
    assert.deepEqual(parts.Parts ?? [], []);
  });
});
