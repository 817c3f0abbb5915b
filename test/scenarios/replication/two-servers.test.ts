import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectVersionsCommand, PutBucketReplicationCommand, PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import type { CofferOptions } from '../../../src/coffer.js';
import { waitForStatus } from './helpers.js';

const FAST_RETRIES = { dispatch: { pollMs: 50, retryBaseMs: 20, retryMaxMs: 300, log: () => {} } };
/** Restarts keep their data dir, so their metadata stays in it (a PostgreSQL test database is dropped at stop). */
const EMBEDDED = { metadata: 'sqlite' } as const;
const PART_BYTES = 5 * 1024 * 1024;

/**
 * The "Done when": two Coffer servers, a versioned bucket replicated one way; the
 * destination stops mid-way (and the source restarts while it is down); both end with the same
 * versions — ids, bytes, delete markers.
 */
test('Replication.two servers: the destination stopped and restarted mid-way, both end byte-identical with the same version ids', async () => {
  const destinationDir = await mkdtemp(join(tmpdir(), 'coffer-replica-'));
  const sourceDir = await mkdtemp(join(tmpdir(), 'coffer-source-'));
  let destination: TestServer | undefined = await startServer({ dataDir: destinationDir, ...EMBEDDED });
  const port = destination.coffer.port;
  const dstBucket = uniqueBucket('dst');
  const srcBucket = uniqueBucket('src');
  const sourceOptions: CofferOptions = {
    dataDir: sourceDir,
    ...EMBEDDED,
    ...FAST_RETRIES,
    replicationDestinations: [{
      bucketArn: `arn:aws:s3:::${dstBucket}`, bucket: dstBucket, endpoint: destination.endpoint, region: 'us-east-1', coffer: true, ...ROOT_KEYS,
    }],
  };
  let source: TestServer | undefined = await startServer(sourceOptions);
  try {
    let dst = destination.client();
    let src = source.client();
    await createVersioned(dst, dstBucket);
    await createVersioned(src, srcBucket);
    await src.send(new PutBucketReplicationCommand({
      Bucket: srcBucket,
      ReplicationConfiguration: {
        Role: 'arn:aws:iam::123456789012:role/replication',
        Rules: [{
          ID: 'all', Priority: 1, Status: 'Enabled', Filter: {}, DeleteMarkerReplication: { Status: 'Enabled' }, Destination: { Bucket: `arn:aws:s3:::${dstBucket}` },
        }],
      },
    }));

    const first = await src.send(new PutObjectCommand({ Bucket: srcBucket, Key: 'a.txt', Body: 'a-1', Metadata: { n: '1' }, Tagging: 't=1' }));
    const big = await multipart(src, srcBucket, 'big.bin');
    // SSE-KMS at the source: its data key is wrapped by the KMS key, which the replicator must use to read it.
    const sealed = await src.send(new PutObjectCommand({ Bucket: srcBucket, Key: 'kms.txt', Body: 'kms secret', ServerSideEncryption: 'aws:kms' }));
    await waitForStatus(src, srcBucket, 'a.txt', first.VersionId!, 'COMPLETED');
    await waitForStatus(src, srcBucket, 'big.bin', big, 'COMPLETED');
    await waitForStatus(src, srcBucket, 'kms.txt', sealed.VersionId!, 'COMPLETED');

    // The destination goes away: writes go on, their replication waits.
    await destination.stop();
    destination = undefined;
    const second = await src.send(new PutObjectCommand({ Bucket: srcBucket, Key: 'a.txt', Body: 'a-2' }));
    const other = await src.send(new PutObjectCommand({ Bucket: srcBucket, Key: 'b/c.txt', Body: 'c' }));
    await src.send(new DeleteObjectCommand({ Bucket: srcBucket, Key: 'b/c.txt' }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const pending = await src.send(new HeadObjectCommand({ Bucket: srcBucket, Key: 'a.txt', VersionId: second.VersionId }));
    assert.equal(pending.ReplicationStatus, 'PENDING');

    // The source restarts while the destination is down: the work waits in its outbox.
    await source.stop();
    source = await startServer(sourceOptions);
    src = source.client();
    destination = await startServer({ dataDir: destinationDir, port, ...EMBEDDED });
    dst = destination.client();

    await waitForStatus(src, srcBucket, 'a.txt', second.VersionId!, 'COMPLETED');
    await waitForStatus(src, srcBucket, 'b/c.txt', other.VersionId!, 'COMPLETED');
    // The SSE-KMS object's ETag is not an MD5; the destination encrypts its replica itself (SSE-S3
    // there), so that replica's ETag is the MD5, as between encryption modes on S3.
    const expected = (await versionsOf(src, srcBucket)).map((v) => (v.key === 'kms.txt' ? { ...v, etag: `"${createHash('md5').update('kms secret').digest('hex')}"` } : v));
    assert.equal(expected.length, 6);
    let actual = await versionsOf(dst, dstBucket);
    for (let i = 0; i < 200 && actual.length < expected.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      actual = await versionsOf(dst, dstBucket);
    }
    assert.deepEqual(actual, expected);
    for (const version of expected.filter((v) => !v.marker)) {
      // The bytes, type and size always; the ETag too, but for the SSE-KMS object's (above).
      const withoutKmsEtag = (text: string) => (version.key === 'kms.txt' ? text.replace(/^"[0-9a-f]+" /, '') : text);
      assert.equal(
        withoutKmsEtag(await bodyOf(dst, dstBucket, version.key, version.versionId)),
        withoutKmsEtag(await bodyOf(src, srcBucket, version.key, version.versionId)),
        `${version.key} ${version.versionId}`,
      );
    }
    const replica = await dst.send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'a.txt', VersionId: first.VersionId }));
    assert.deepEqual([replica.ReplicationStatus, replica.Metadata, replica.TagCount], ['REPLICA', { n: '1' }, 1]);
  } finally {
    await source?.stop();
    await destination?.stop();
    await rm(destinationDir, { recursive: true, force: true });
    await rm(sourceDir, { recursive: true, force: true });
  }
});

async function createVersioned(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/** Two parts (5 MiB and a few bytes): the replica keeps the layout, so its ETag is the source's. */
async function multipart(s3: S3Client, bucket: string, key: string): Promise<string> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/x-test' }));
  const bodies = [Buffer.alloc(PART_BYTES, 1), Buffer.from('tail')];
  const parts = [];
  for (const [i, body] of bodies.entries()) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }));
    parts.push({ PartNumber: i + 1, ETag });
  }
  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  return done.VersionId!;
}

async function versionsOf(s3: S3Client, bucket: string) {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return [
    ...(listing.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, latest: v.IsLatest, etag: v.ETag, size: v.Size, marker: false })),
    ...(listing.DeleteMarkers ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, latest: v.IsLatest, etag: undefined, size: undefined, marker: true })),
  ].sort((x, y) => `${x.key}/${x.versionId}`.localeCompare(`${y.key}/${y.versionId}`));
}

async function bodyOf(s3: S3Client, bucket: string, key: string, versionId: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const bytes = Buffer.from(await object.Body!.transformToByteArray());
  return `${object.ETag} ${object.ContentType} ${bytes.length} ${createHash('sha256').update(bytes).digest('hex')}`;
}
