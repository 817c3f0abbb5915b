import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { errorCode } from '../../helpers/raw-request.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

describe('auth: presigned SigV4 (query)', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  test('GetObject.presigned URL works without credentials', async () => {
    const bucket = await server.newBucket('presign-get');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a b/ü.txt', Body: 'presigned content' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'a b/ü.txt', ResponseContentType: 'text/plain' }), { expiresIn: 60 });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(await res.text(), 'presigned content');
  });

  test('PutObject.presigned URL uploads', async () => {
    const bucket = await server.newBucket('presign-put');
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'up.txt' }), { expiresIn: 60 });
    const res = await fetch(url, { method: 'PUT', body: 'uploaded via presign' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]{32}"$/);
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'up.txt' }))).Body!.transformToString(), 'uploaded via presign');
  });

  test('GetObject.expired presigned URL → AccessDenied "Request has expired"', async () => {
    const bucket = await server.newBucket('presign-expired');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'k' }), { expiresIn: 60, signingDate: new Date(Date.now() - 5 * 60 * 1000) });
    const res = await fetch(url);
    const text = await res.text();
    assert.equal(res.status, 403);
    assert.equal(errorCode(text), 'AccessDenied');
    assert.match(text, /<Message>Request has expired<\/Message>/);
    assert.match(text, /<X-Amz-Expires>60<\/X-Amz-Expires>/);
  });

  test('GetObject.presigned URL with a changed signature or key → SignatureDoesNotMatch', async () => {
    const bucket = await server.newBucket('presign-tamper');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'other', Body: 'y' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'k' }), { expiresIn: 60 });
    for (const bad of [url.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=z'), url.replace(`/${bucket}/k?`, `/${bucket}/other?`)]) {
      const res = await fetch(bad);
      assert.equal(res.status, 403);
      assert.equal(errorCode(await res.text()), 'SignatureDoesNotMatch');
    }
  });

  test('GetObject.X-Amz-Expires over a week → AuthorizationQueryParametersError', async () => {
    const bucket = await server.newBucket('presign-week');
    const url = new URL(await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'k' }), { expiresIn: 60 }));
    url.searchParams.set('X-Amz-Expires', '604801');
    const res = await fetch(url);
    assert.equal(res.status, 400);
    assert.equal(errorCode(await res.text()), 'AuthorizationQueryParametersError');
  });
});
