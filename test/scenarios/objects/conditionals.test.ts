import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

let server: TestServer;
let client: S3Client;
before(async () => {
  server = await startServer();
  client = server.client();
});
after(() => server.stop());

const HOUR = 3600_000;

async function objectWith(body = 'conditional'): Promise<{ bucket: string; key: string; etag: string; lastModified: Date }> {
  const bucket = uniqueBucket('cond');
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'obj', Body: body }));
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'obj' }));
  return { bucket, key: 'obj', etag: put.ETag!, lastModified: head.LastModified! };
}

async function rawGet(bucket: string, key: string, headers: Record<string, string>, method = 'GET') {
  const path = `/${bucket}/${key}`;
  const signed = signV4({ method, path, host: new URL(server.endpoint).host, headers, ...ROOT_KEYS });
  return rawRequest(server.endpoint, { method, path, headers: signed });
}

describe('conditional reads', () => {
  it('GetObject.ifMatch', async () => {
    const o = await objectWith();
    const ok = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: o.etag }));
    assert.equal(ok.$metadata.httpStatusCode, 200);
    const listed = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: `"nope", ${o.etag}` }));
    assert.equal(listed.$metadata.httpStatusCode, 200);
    const star = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: '*' }));
    assert.equal(star.$metadata.httpStatusCode, 200);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: '"0123"' })), 'PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    const raw = await rawGet(o.bucket, o.key, { 'if-match': '"0123"' });
    assert.match(raw.text, /<Condition>If-Match<\/Condition>/);
  });

  it('GetObject.ifNoneMatch', async () => {
    const o = await objectWith();
    const raw = await rawGet(o.bucket, o.key, { 'if-none-match': o.etag });
    assert.equal(raw.status, 304);
    assert.equal(raw.body.length, 0);
    assert.equal(raw.headers.etag, o.etag);
    assert.equal(raw.headers['last-modified'], o.lastModified.toUTCString());
    const other = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfNoneMatch: '"other"' }));
    assert.equal(other.$metadata.httpStatusCode, 200);
    assert.equal(await other.Body!.transformToString(), 'conditional');
  });

  it('GetObject.ifModifiedSince', async () => {
    const o = await objectWith();
    const notModified = await rawGet(o.bucket, o.key, { 'if-modified-since': o.lastModified.toUTCString() });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.etag, o.etag);
    const modified = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfModifiedSince: new Date(o.lastModified.getTime() - HOUR) }));
    assert.equal(modified.$metadata.httpStatusCode, 200);
  });

  it('GetObject.ifUnmodifiedSince', async () => {
    const o = await objectWith();
    const ok = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfUnmodifiedSince: o.lastModified }));
    assert.equal(ok.$metadata.httpStatusCode, 200);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfUnmodifiedSince: new Date(o.lastModified.getTime() - HOUR) })), 'PreconditionFailed', 412);
  });

  it('GetObject.ifMatchTrueOverridesIfUnmodifiedSinceFalse', async () => {
    const o = await objectWith();
    const out = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: o.etag, IfUnmodifiedSince: new Date(o.lastModified.getTime() - HOUR) }));
    assert.equal(out.$metadata.httpStatusCode, 200);
  });

  it('GetObject.ifNoneMatchFalseWithIfModifiedSinceTrueIsNotModified', async () => {
    const o = await objectWith();
    const raw = await rawGet(o.bucket, o.key, { 'if-none-match': o.etag, 'if-modified-since': new Date(o.lastModified.getTime() - HOUR).toUTCString() });
    assert.equal(raw.status, 304);
    // If-None-Match true decides alone too: a false If-Modified-Since does not make it 304.
    const fresh = await rawGet(o.bucket, o.key, { 'if-none-match': '"other"', 'if-modified-since': new Date(o.lastModified.getTime() + HOUR).toUTCString() });
    assert.equal(fresh.status, 200);
  });

  it('GetObject.ifMatchFailureBeatsNotModified', async () => {
    const o = await objectWith();
    const raw = await rawGet(o.bucket, o.key, { 'if-match': '"other"', 'if-none-match': o.etag });
    assert.equal(raw.status, 412);
    assert.equal(errorCode(raw.text), 'PreconditionFailed');
  });

  it('GetObject.unparsableDateIgnored', async () => {
    const o = await objectWith();
    const raw = await rawGet(o.bucket, o.key, { 'if-modified-since': 'not a date', 'if-unmodified-since': 'nor this' });
    assert.equal(raw.status, 200);
  });

  it('HeadObject.conditions', async () => {
    const o = await objectWith();
    const notModified = await rawGet(o.bucket, o.key, { 'if-none-match': o.etag }, 'HEAD');
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.etag, o.etag);
    assert.equal(notModified.headers['last-modified'], o.lastModified.toUTCString());
    const failed = await rawGet(o.bucket, o.key, { 'if-match': '"other"' }, 'HEAD');
    assert.equal(failed.status, 412);
    assert.equal(failed.text, '');
    const ok = await client.send(new HeadObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: o.etag, IfUnmodifiedSince: new Date(o.lastModified.getTime() - HOUR) }));
    assert.equal(ok.$metadata.httpStatusCode, 200);
  });
});

describe('conditional writes', () => {
  it('PutObject.ifNoneMatchStar', async () => {
    const bucket = uniqueBucket('cw');
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const first = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'one', IfNoneMatch: '*' }));
    assert.equal(first.$metadata.httpStatusCode, 200);
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two', IfNoneMatch: '*' })), 'PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString();
    assert.equal(body, 'one');
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    const again = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'three', IfNoneMatch: '*' }));
    assert.equal(again.$metadata.httpStatusCode, 200);
  });

  it('PutObject.ifMatch', async () => {
    const bucket = uniqueBucket('cw');
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', IfMatch: '"5d41402abc4b2a76b9719d911017c592"' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'one' }));
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two', IfMatch: '"5d41402abc4b2a76b9719d911017c592"' })), 'PreconditionFailed', 412);
    const ok = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'three', IfMatch: put.ETag }));
    assert.equal(ok.$metadata.httpStatusCode, 200);
    const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString();
    assert.equal(body, 'three');
  });

  it('PutObject.ifNoneMatchStarRace', async () => {
    const bucket = uniqueBucket('race');
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const writers = 16;
    for (let round = 0; round < 20; round++) {
      const key = `race-${round}`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: writers }, (_, w) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `writer-${w}-${'x'.repeat(w * 100)}`, IfNoneMatch: '*' }))),
      );
      const winners = outcomes.flatMap((o, w) => (o.status === 'fulfilled' ? [w] : []));
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
      for (const o of outcomes) {
        if (o.status === 'rejected') {
          const e = o.reason as { name: string; $metadata?: { httpStatusCode?: number } };
          assert.ok(
            (e.name === 'PreconditionFailed' && e.$metadata?.httpStatusCode === 412) || (e.name === 'ConditionalRequestConflict' && e.$metadata?.httpStatusCode === 409),
            `round ${round}: ${e.name} ${e.$metadata?.httpStatusCode}`,
          );
        }
      }
      const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
      const w = winners[0]!;
      assert.equal(body, `writer-${w}-${'x'.repeat(w * 100)}`, `round ${round}: stored body is not the winner's`);
    }
  });

  it('CopyObject.ifNoneMatchStar', async () => {
    const o = await objectWith('source');
    await client.send(new PutObjectCommand({ Bucket: o.bucket, Key: 'dest', Body: 'existing' }));
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: o.bucket, Key: 'dest', CopySource: `${o.bucket}/${o.key}`, IfNoneMatch: '*' })), 'PreconditionFailed', 412);
    const fresh = await client.send(new CopyObjectCommand({ Bucket: o.bucket, Key: 'fresh', CopySource: `${o.bucket}/${o.key}`, IfNoneMatch: '*' }));
    assert.equal(fresh.$metadata.httpStatusCode, 200);
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: o.bucket, Key: 'absent', CopySource: `${o.bucket}/${o.key}`, IfMatch: o.etag })), 'NoSuchKey', 404);
  });
});
