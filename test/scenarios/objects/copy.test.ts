import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type ChecksumAlgorithm,
  type ChecksumType,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { putVersionDirect, setVersioning } from './store-access.js';
import { copyKeepAlive } from '../../../src/ops/objects/copy.js';
import { MiB, patternBytes } from '../multipart/support.js';

const PRECONDITION_FAILED = 'At least one of the pre-conditions you specified did not hold';

let server: TestServer;
let client: S3Client;
before(async () => {
  server = await startServer();
  client = server.client();
});
after(() => server.stop());

const HOUR = 3600_000;
const SELF_COPY =
  "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.";

const newBucket = (label = 'copy') => server.newBucket(label);

async function text(bucket: string, key: string): Promise<string> {
  return (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

/** A two-part object (5 MiB + 1000 bytes) made by multipart upload; returns its bytes and ETag. */
async function multipartObject(bucket: string, key: string, checksum?: { algorithm: ChecksumAlgorithm; type?: ChecksumType }) {
  const parts = [patternBytes(5 * MiB, 21), patternBytes(1000, 22)];
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: checksum?.algorithm, ChecksumType: checksum?.type }));
  const listed: CompletedPart[] = [];
  for (const [i, Body] of parts.entries()) {
    const out = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: checksum?.algorithm }));
    const { ETag, ChecksumCRC32, ChecksumSHA256 } = out;
    listed.push({ PartNumber: i + 1, ETag, ChecksumCRC32, ChecksumSHA256 });
  }
  const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: listed } }));
  assert.match(done.ETag ?? '', /-2"$/);
  return { bytes: Buffer.concat(parts), done };
}

const digest = (algorithm: string, bytes: Buffer, encoding: 'hex' | 'base64') => createHash(algorithm).update(bytes).digest(encoding);

async function countBlobFiles(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) count++;
  return count;
}

describe('CopyObject', () => {
  it('CopyObject.sameBucket', async () => {
    const bucket = await newBucket();
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'payload', ContentType: 'text/plain', Metadata: { color: 'blue' } }));
    const out = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src` }));
    assert.equal(out.CopyObjectResult?.ETag, put.ETag);
    assert.ok(out.CopyObjectResult?.LastModified instanceof Date);
    assert.equal(out.CopySourceVersionId, undefined);
    assert.equal(out.VersionId, undefined);
    assert.equal(await text(bucket, 'dst'), 'payload');
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dst' }));
    assert.equal(head.ContentType, 'text/plain');
    assert.deepEqual(head.Metadata, { color: 'blue' });
    assert.equal(head.ETag, put.ETag);
  });

  it('CopyObject.rawResponse', async () => {
    const bucket = await newBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'hello' }));
    const path = `/${bucket}/dst`;
    const headers = signV4({ method: 'PUT', path, host: new URL(server.endpoint).host, headers: { 'x-amz-copy-source': `/${bucket}/src` }, ...ROOT_KEYS });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers });
    assert.equal(res.status, 200);
    assert.match(res.text, /<CopyObjectResult xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/"><ETag>&quot;5d41402abc4b2a76b9719d911017c592&quot;<\/ETag><LastModified>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/LastModified>/);
  });

  it('CopyObject.acrossBucketsWithEncodedKey', async () => {
    const source = await newBucket('src');
    const dest = await newBucket('dst');
    const key = 'dir/ünï code+plus &amp; space?.txt';
    await client.send(new PutObjectCommand({ Bucket: source, Key: key, Body: 'crossing' }));
    for (const [copySource, target] of [
      [`${source}/${encodeURIComponent(key)}`, 'a'],
      [`/${source}/${encodeURIComponent(key).replace(/%2F/g, '/')}`, 'b'],
    ] as const) {
      await client.send(new CopyObjectCommand({ Bucket: dest, Key: target, CopySource: copySource }));
      assert.equal(await text(dest, target), 'crossing');
    }
  });

  it('CopyObject.metadataDirectiveReplace', async () => {
    const bucket = await newBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'x', ContentType: 'text/plain', Metadata: { old: '1' } }));
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src`, MetadataDirective: 'REPLACE', ContentType: 'image/png', Metadata: { fresh: '2' } }));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dst' }));
    assert.equal(head.ContentType, 'image/png');
    assert.deepEqual(head.Metadata, { fresh: '2' });
    // COPY ignores metadata sent with the request.
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst2', CopySource: `${bucket}/src`, ContentType: 'image/png', Metadata: { fresh: '2' } }));
    const copied = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dst2' }));
    assert.equal(copied.ContentType, 'text/plain');
    assert.deepEqual(copied.Metadata, { old: '1' });
  });

  it('CopyObject.invalidDirective', async () => {
    const bucket = await newBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'x' }));
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src`, MetadataDirective: 'MOVE' as 'COPY' })), 'InvalidArgument', 400, 'Unknown metadata directive.');
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src`, TaggingDirective: 'MOVE' as 'COPY' })), 'InvalidArgument', 400, 'Unknown tagging directive.');
  });

  it('CopyObject.ontoItself', async () => {
    const bucket = await newBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'self', Body: 'same', Metadata: { a: '1' } }));
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'self', CopySource: `${bucket}/self` })), 'InvalidRequest', 400, SELF_COPY);
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'self', CopySource: `${bucket}/self`, MetadataDirective: 'COPY' })), 'InvalidRequest', 400, SELF_COPY);
    // A change makes it legal, and the data (shared blobs, replaced version) survives.
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'self', CopySource: `${bucket}/self`, MetadataDirective: 'REPLACE', Metadata: { a: '2' } }));
    assert.equal(await text(bucket, 'self'), 'same');
    assert.deepEqual((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'self' }))).Metadata, { a: '2' });
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'self', CopySource: `${bucket}/self`, StorageClass: 'STANDARD_IA' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'self' }));
    assert.equal(head.StorageClass, 'STANDARD_IA');
    assert.equal(await text(bucket, 'self'), 'same');
  });

  it('CopyObject.sharesBlobs', async () => {
    const bucket = await newBucket();
    const blobsDir = join(server.dataDir, 'blobs');
    // Over the inline threshold (64 KiB): the bytes are in a blob file the copy shares.
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'b'.repeat(70_000) }));
    const before = await countBlobFiles(blobsDir).catch(() => undefined);
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src` }));
    if (before !== undefined) assert.equal(await countBlobFiles(blobsDir), before, 'a copy must not write a blob');
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'src' }));
    assert.equal(await text(bucket, 'dst'), 'b'.repeat(70_000));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'dst' }));
    if (before !== undefined) assert.equal(await countBlobFiles(blobsDir), before - 1, 'the last reference releases the blob');
  });

  it('CopyObject.sourceConditions', async () => {
    const bucket = await newBucket();
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'cond' }));
    const modified = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'src' }))).LastModified!;
    const past = new Date(modified.getTime() - HOUR);
    const future = new Date(modified.getTime() + HOUR);
    const copy = (extra: Partial<ConstructorParameters<typeof CopyObjectCommand>[0]>) =>
      client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src`, ...extra }));
    // Each refusal names the condition that failed.
    for (const [extra, condition] of [
      [{ CopySourceIfMatch: '"other"' }, 'x-amz-copy-source-If-Match'],
      [{ CopySourceIfNoneMatch: put.ETag }, 'x-amz-copy-source-If-None-Match'],
      [{ CopySourceIfModifiedSince: future }, 'x-amz-copy-source-If-Modified-Since'],
      [{ CopySourceIfUnmodifiedSince: past }, 'x-amz-copy-source-If-Unmodified-Since'],
    ] as const) {
      const error = await expectS3Error(copy(extra), 'PreconditionFailed', 412, PRECONDITION_FAILED);
      assert.equal(error.Condition, condition);
    }
    assert.equal((await copy({ CopySourceIfMatch: put.ETag })).$metadata.httpStatusCode, 200);
    assert.equal((await copy({ CopySourceIfNoneMatch: '"other"' })).$metadata.httpStatusCode, 200);
    assert.equal((await copy({ CopySourceIfModifiedSince: past })).$metadata.httpStatusCode, 200);
    assert.equal((await copy({ CopySourceIfUnmodifiedSince: future })).$metadata.httpStatusCode, 200);
    // AWS's precedence: if-match true wins over if-unmodified-since false …
    assert.equal((await copy({ CopySourceIfMatch: put.ETag, CopySourceIfUnmodifiedSince: past })).$metadata.httpStatusCode, 200);
    // … and if-none-match false with if-modified-since true fails.
    await expectS3Error(copy({ CopySourceIfNoneMatch: put.ETag, CopySourceIfModifiedSince: past }), 'PreconditionFailed', 412, PRECONDITION_FAILED);
  });

  it('CopyObject.missingSource', async () => {
    const bucket = await newBucket();
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/absent` })), 'NoSuchKey', 404, 'The specified key does not exist.');
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${uniqueBucket('gone')}/k` })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: 'no-key' })), 'InvalidArgument', 400, 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  });

  it('CopyObject.sourceOver5GiB', async () => {
    const bucket = await newBucket();
    await putVersionDirect(server, {
      bucket, key: 'huge', versionId: 'null', isDeleteMarker: false, size: 5 * 1024 ** 3 + 1, etag: 'e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0-1000',
      lastModified: new Date(), headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest: [],
    });
    await expectS3Error(
      client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/huge` })),
      'InvalidRequest',
      400,
      'The specified copy source is larger than the maximum allowable size for a copy source: 5368709120',
    );
  });

  it('CopyObject.taggingDirective', async () => {
    const bucket = await newBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 't', Tagging: 'a=1&b=2' }));
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copied', CopySource: `${bucket}/src`, Tagging: 'ignored=1' }));
    assert.equal((await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'copied' }))).TagCount, 2);
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'replaced', CopySource: `${bucket}/src`, TaggingDirective: 'REPLACE', Tagging: 'only=1' }));
    assert.equal((await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'replaced' }))).TagCount, 1);
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'none', CopySource: `${bucket}/src`, TaggingDirective: 'REPLACE' }));
    assert.equal((await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'none' }))).TagCount, undefined);
  });

  it('CopyObject.keepsChecksum', async () => {
    const bucket = await newBucket();
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'checksummed', ChecksumAlgorithm: 'SHA256' }));
    const out = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src` }));
    assert.equal(out.CopyObjectResult?.ChecksumSHA256, put.ChecksumSHA256);
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'dst', ChecksumMode: 'ENABLED' }));
    assert.equal(get.ChecksumSHA256, put.ChecksumSHA256);
    assert.equal(await get.Body!.transformToString(), 'checksummed');
  });

  it('CopyObject.checksumAlgorithm: the copy gets that checksum, computed from its bytes; an unknown one → 400', async () => {
    const bucket = await newBucket();
    const body = 'checksum me again';
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: body, ChecksumAlgorithm: 'CRC32' }));
    const sha256 = createHash('sha256').update(body).digest('base64');
    const out = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src`, ChecksumAlgorithm: 'SHA256' }));
    assert.equal(out.CopyObjectResult?.ChecksumSHA256, sha256);
    assert.equal(out.CopyObjectResult?.ChecksumCRC32, undefined);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dst', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumSHA256, head.ChecksumCRC32, head.ChecksumType], [sha256, undefined, 'FULL_OBJECT']);
    // Onto itself, only to change the checksum: a change, so allowed.
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'src', CopySource: `${bucket}/src`, ChecksumAlgorithm: 'SHA256' }));
    assert.equal((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'src', ChecksumMode: 'ENABLED' }))).ChecksumSHA256, sha256);
    const path = `/${bucket}/bad`;
    const headers = signV4({ method: 'PUT', path, host: new URL(server.endpoint).host, headers: { 'x-amz-copy-source': `/${bucket}/src`, 'x-amz-checksum-algorithm': 'MD5' }, ...ROOT_KEYS });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers });
    assert.equal(res.status, 400);
    assert.match(res.text, /<Code>InvalidRequest<\/Code><Message>Checksum algorithm provided is unsupported\./);
  });

  it('CopyObject.versionedSourceAndDestination', async () => {
    const bucket = await newBucket('ver');
    await setVersioning(server, bucket, 'Enabled');
    const v1 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'first' }));
    const v2 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'second' }));
    assert.ok(v1.VersionId && v2.VersionId);
    const latest = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/k` }));
    assert.equal(latest.CopySourceVersionId, v2.VersionId);
    assert.ok(latest.VersionId && latest.VersionId !== v2.VersionId);
    const old = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/k?versionId=${v1.VersionId}` }));
    assert.equal(old.CopySourceVersionId, v1.VersionId);
    assert.equal(await text(bucket, 'copy'), 'first');
    // Restoring an older version onto its own key is legal; the current one onto itself is not.
    const restored = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'k', CopySource: `${bucket}/k?versionId=${v1.VersionId}` }));
    assert.ok(restored.VersionId);
    assert.equal(await text(bucket, 'k'), 'first');
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'k', CopySource: `${bucket}/k?versionId=${restored.VersionId}` })), 'InvalidRequest', 400, SELF_COPY);
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'x', CopySource: `${bucket}/k?versionId=${'A'.repeat(32)}` })), 'NoSuchVersion', 404, 'The specified version does not exist.');
  });

  it('CopyObject.otherUserSourceDenied', async () => {
    const bucket = await newBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'x' }));
    await expectS3Error(server.otherClient().send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src` })), 'AccessDenied', 403, 'Access Denied');
  });

  it('CopyObject.multipartSourceBecomesSinglePart', async () => {
    const bucket = await newBucket();
    const { bytes } = await multipartObject(bucket, 'mp');
    const blobsDir = join(server.dataDir, 'blobs');
    const before = await countBlobFiles(blobsDir).catch(() => undefined);
    const out = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/mp` }));
    const md5 = `"${digest('md5', bytes, 'hex')}"`;
    assert.equal(out.CopyObjectResult?.ETag, md5);
    if (before !== undefined) assert.equal(await countBlobFiles(blobsDir), before, 'the copy shares the parts\' blobs');

    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copy' }));
    assert.equal(head.ETag, md5);
    assert.equal(head.ContentLength, bytes.length);
    // No part layout: part 1 is the whole object, without x-amz-mp-parts-count; there is no part 2.
    const first = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy', PartNumber: 1 }));
    assert.equal(first.PartsCount, undefined);
    assert.equal(first.ContentLength, bytes.length);
    assert.ok(bytes.equals(Buffer.from(await first.Body!.transformToByteArray())));
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy', PartNumber: 2 })), 'InvalidPartNumber', 416, 'The requested partnumber is not satisfiable');
    // The source keeps its multipart ETag and parts.
    const source = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'mp', PartNumber: 2 }));
    assert.equal(source.PartsCount, 2);
    assert.match(source.ETag ?? '', /-2"$/);
    // A copy of the copy (single-part now) keeps its ETag.
    const again = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy2', CopySource: `${bucket}/copy` }));
    assert.equal(again.CopyObjectResult?.ETag, md5);
  });

  it('CopyObject.multipartCompositeChecksumBecomesFullObject', async () => {
    const bucket = await newBucket();
    const { bytes, done } = await multipartObject(bucket, 'mp', { algorithm: 'SHA256' });
    assert.equal(done.ChecksumType, 'COMPOSITE');
    const out = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/mp` }));
    const full = digest('sha256', bytes, 'base64');
    assert.equal(out.CopyObjectResult?.ChecksumSHA256, full);
    assert.equal(out.CopyObjectResult?.ChecksumType, 'FULL_OBJECT');
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy', ChecksumMode: 'ENABLED' }));
    assert.equal(get.ChecksumSHA256, full);
    assert.equal(get.ChecksumType, 'FULL_OBJECT');
    assert.ok(bytes.equals(Buffer.from(await get.Body!.transformToByteArray()))); // the SDK validates the checksum too
  });

  it('CopyObject.multipartFullObjectChecksumKept', async () => {
    const bucket = await newBucket();
    const { done } = await multipartObject(bucket, 'mp', { algorithm: 'CRC32', type: 'FULL_OBJECT' });
    assert.equal(done.ChecksumType, 'FULL_OBJECT');
    const out = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/mp` }));
    assert.equal(out.CopyObjectResult?.ChecksumCRC32, done.ChecksumCRC32);
    assert.equal(out.CopyObjectResult?.ChecksumType, 'FULL_OBJECT');
  });

  it('CopyObject.multipartSourceKeepAliveWhenSlow', async () => {
    const saved = copyKeepAlive.firstByteMs;
    copyKeepAlive.firstByteMs = 0; // every rehashing copy streams its answer
    try {
      const bucket = await newBucket('ver');
      await setVersioning(server, bucket, 'Enabled');
      const { bytes, done } = await multipartObject(bucket, 'mp');
      // Headers known up front (version ids) still come with the early 200.
      const out = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/mp` }));
      assert.equal(out.CopyObjectResult?.ETag, `"${digest('md5', bytes, 'hex')}"`);
      assert.ok(out.VersionId);
      assert.equal(out.CopySourceVersionId, done.VersionId);
      assert.equal((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copy', VersionId: out.VersionId }))).ETag, out.CopyObjectResult?.ETag);
      // A failure after the 200 arrives as an <Error> document, which the SDK raises.
      // (The SDK reports such an error with a status of its own choosing: only the code is ours.)
      const failed = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/mp`, IfNoneMatch: '*' })).catch((e) => e);
      assert.equal(failed.name, 'PreconditionFailed');
    } finally {
      copyKeepAlive.firstByteMs = saved;
    }
  });
});
