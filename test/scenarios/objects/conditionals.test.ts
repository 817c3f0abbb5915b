import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

const PRECONDITION_FAILED = 'At least one of the pre-conditions you specified did not hold';

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
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: '"0123"' })), 'PreconditionFailed', 412, PRECONDITION_FAILED);
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
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key, IfUnmodifiedSince: new Date(o.lastModified.getTime() - HOUR) })), 'PreconditionFailed', 412, PRECONDITION_FAILED);
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
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two', IfNoneMatch: '*' })), 'PreconditionFailed', 412, PRECONDITION_FAILED);
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
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two', IfMatch: '"5d41402abc4b2a76b9719d911017c592"' })), 'PreconditionFailed', 412, PRECONDITION_FAILED);
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
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: o.bucket, Key: 'dest', CopySource: `${o.bucket}/${o.key}`, IfNoneMatch: '*' })), 'PreconditionFailed', 412, PRECONDITION_FAILED);
    const fresh = await client.send(new CopyObjectCommand({ Bucket: o.bucket, Key: 'fresh', CopySource: `${o.bucket}/${o.key}`, IfNoneMatch: '*' }));
    assert.equal(fresh.$metadata.httpStatusCode, 200);
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: o.bucket, Key: 'absent', CopySource: `${o.bucket}/${o.key}`, IfMatch: o.etag })), 'NoSuchKey', 404, 'The specified key does not exist.');
  });
});

const PRECONDITION_MESSAGE = PRECONDITION_FAILED;

async function bodyOf(bucket: string, key: string): Promise<string> {
  return (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

describe('conditional writes with ETag values', () => {
  it('PutObject.ifNoneMatchEtag', async () => {
    const o = await objectWith('one');
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: 'two', IfNoneMatch: o.etag })), 'PreconditionFailed', 412, PRECONDITION_MESSAGE);
    assert.equal(await bodyOf(o.bucket, o.key), 'one');
    const other = await client.send(new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: 'three', IfNoneMatch: '"0123456789abcdef0123456789abcdef"' }));
    assert.equal(other.$metadata.httpStatusCode, 200);
    assert.equal(await bodyOf(o.bucket, o.key), 'three');
    const absent = await client.send(new PutObjectCommand({ Bucket: o.bucket, Key: 'absent', Body: 'new', IfNoneMatch: o.etag }));
    assert.equal(absent.$metadata.httpStatusCode, 200);
  });

  it('PutObject.ifMatchStar', async () => {
    const bucket = await server.newBucket('cw');
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', IfMatch: '*' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'one' }));
    const ok = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two', IfMatch: '*' }));
    assert.equal(ok.$metadata.httpStatusCode, 200);
    assert.equal(await bodyOf(bucket, 'k'), 'two');
  });

  it('CompleteMultipartUpload.ifNoneMatchEtag', async () => {
    const o = await objectWith('existing');
    const complete = async (ifNoneMatch: string) => {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: o.bucket, Key: o.key }));
      const part = await client.send(new UploadPartCommand({ Bucket: o.bucket, Key: o.key, UploadId, PartNumber: 1, Body: 'multipart' }));
      return client.send(new CompleteMultipartUploadCommand({ Bucket: o.bucket, Key: o.key, UploadId, IfNoneMatch: ifNoneMatch, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    };
    await expectS3Error(complete(o.etag), 'PreconditionFailed', 412, PRECONDITION_MESSAGE);
    assert.equal(await bodyOf(o.bucket, o.key), 'existing');
    const done = await complete('"0123456789abcdef0123456789abcdef"');
    assert.equal(done.$metadata.httpStatusCode, 200);
    assert.equal(await bodyOf(o.bucket, o.key), 'multipart');
  });
});

describe('conditional deletes', () => {
  it('DeleteObject.ifMatch', async () => {
    const o = await objectWith('keep');
    await expectS3Error(client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: '"0123456789abcdef0123456789abcdef"' })), 'PreconditionFailed', 412, PRECONDITION_MESSAGE);
    assert.equal(await bodyOf(o.bucket, o.key), 'keep');
    const deleted = await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: o.etag }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectS3Error(client.send(new HeadObjectCommand({ Bucket: o.bucket, Key: o.key })), 'NotFound', 404);
    await expectS3Error(client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: '*' })), 'NoSuchKey', 404, 'The specified key does not exist.');
  });

  it('DeleteObject.ifMatchLastModifiedTime', async () => {
    const o = await objectWith('keep');
    await expectS3Error(client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatchLastModifiedTime: new Date(o.lastModified.getTime() - HOUR) })), 'PreconditionFailed', 412, PRECONDITION_MESSAGE);
    assert.equal(await bodyOf(o.bucket, o.key), 'keep');
    const deleted = await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatchLastModifiedTime: o.lastModified }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectS3Error(client.send(new HeadObjectCommand({ Bucket: o.bucket, Key: o.key })), 'NotFound', 404);
  });

  it('DeleteObject.ifMatchSize', async () => {
    const o = await objectWith('12345');
    await expectS3Error(client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatchSize: 4 })), 'PreconditionFailed', 412, PRECONDITION_MESSAGE);
    await expectS3Error(client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: o.etag, IfMatchSize: 6 })), 'PreconditionFailed', 412, PRECONDITION_FAILED);
    assert.equal(await bodyOf(o.bucket, o.key), '12345');
    const deleted = await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: o.etag, IfMatchSize: 5 }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
  });

  it('DeleteObject.ifMatchVersionedMakesMarkerOnlyWhenMet', async () => {
    const o = await objectWith('v1');
    await client.send(new PutBucketVersioningCommand({ Bucket: o.bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await expectS3Error(client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: '"0123456789abcdef0123456789abcdef"' })), 'PreconditionFailed', 412, PRECONDITION_FAILED);
    assert.equal(await bodyOf(o.bucket, o.key), 'v1');
    const marker = await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, IfMatch: o.etag }));
    assert.equal(marker.DeleteMarker, true);
  });

  it('DeleteObjects.conditionsPerKey', async () => {
    const bucket = await server.newBucket('cdel', { keys: ['etag-ok', 'etag-bad', 'size-ok', 'size-bad', 'time-ok', 'time-bad'] });
    const heads = new Map<string, { etag: string; modified: Date }>();
    for (const key of ['etag-ok', 'time-ok', 'time-bad']) {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      heads.set(key, { etag: head.ETag!, modified: head.LastModified! });
    }
    const result = await client.send(new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: {
        Objects: [
          { Key: 'etag-ok', ETag: heads.get('etag-ok')!.etag },
          { Key: 'etag-bad', ETag: '"0123456789abcdef0123456789abcdef"' },
          { Key: 'size-ok', Size: 'size-ok'.length },
          { Key: 'size-bad', Size: 1 },
          { Key: 'time-ok', LastModifiedTime: heads.get('time-ok')!.modified },
          { Key: 'time-bad', LastModifiedTime: new Date(heads.get('time-bad')!.modified.getTime() - HOUR) },
          { Key: 'absent', ETag: '"0123456789abcdef0123456789abcdef"' },
        ],
      },
    }));
    assert.deepEqual((result.Deleted ?? []).map((d) => d.Key).sort(), ['etag-ok', 'size-ok', 'time-ok']);
    const errors = (result.Errors ?? []).map((e) => `${e.Key} ${e.Code} ${e.Message}`).sort();
    assert.deepEqual(errors, [
      'absent NoSuchKey The specified key does not exist.',
      `etag-bad PreconditionFailed ${PRECONDITION_MESSAGE}`,
      `size-bad PreconditionFailed ${PRECONDITION_MESSAGE}`,
      `time-bad PreconditionFailed ${PRECONDITION_MESSAGE}`,
    ]);
    for (const key of ['etag-bad', 'size-bad', 'time-bad']) assert.equal(await bodyOf(bucket, key), key);
  });
});
