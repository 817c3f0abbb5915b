import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteBucketReplicationCommand, DeleteObjectCommand, GetBucketReplicationCommand,
  GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutBucketReplicationCommand, PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand,
  type ReplicationConfiguration, type S3Client,
} from '@aws-sdk/client-s3';
import { startServer, type TestServer } from '../../helpers/start-server.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { replicaHeader, waitForStatus } from './helpers.js';

let server: TestServer;
let s3: S3Client;

before(async () => {
  server = await startServer({ dispatch: { pollMs: 50, retryBaseMs: 20, retryMaxMs: 200 } });
  s3 = server.client();
});
after(() => server.stop());

const ROLE = 'arn:aws:iam::123456789012:role/replication';

function rule(destination: string, extra: Record<string, unknown> = {}) {
  return {
    ID: 'all', Priority: 1, Status: 'Enabled' as const, Filter: { Prefix: '' },
    DeleteMarkerReplication: { Status: 'Enabled' as const }, Destination: { Bucket: `arn:aws:s3:::${destination}` }, ...extra,
  };
}

async function replicatedPair(rules?: (destination: string) => ReplicationConfiguration['Rules']) {
  const source = await server.newBucket('src', { versioning: 'Enabled' });
  const destination = await server.newBucket('dst', { versioning: 'Enabled' });
  await s3.send(new PutBucketReplicationCommand({
    Bucket: source, ReplicationConfiguration: { Role: ROLE, Rules: rules ? rules(destination) : [rule(destination)] },
  }));
  return { source, destination };
}

test('PutBucketReplication.refuses a source bucket without versioning enabled', async () => {
  const source = await server.newBucket('src');
  const destination = await server.newBucket('dst', { versioning: 'Enabled' });
  await expectS3Error(
    s3.send(new PutBucketReplicationCommand({ Bucket: source, ReplicationConfiguration: { Role: ROLE, Rules: [rule(destination)] } })),
    'InvalidRequest', 400, "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
  );
});

test('PutBucketReplication.refuses a destination that does not exist or is not versioned', async () => {
  const source = await server.newBucket('src', { versioning: 'Enabled' });
  await expectS3Error(
    s3.send(new PutBucketReplicationCommand({ Bucket: source, ReplicationConfiguration: { Role: ROLE, Rules: [rule('no-such-bucket-here')] } })),
    'InvalidRequest', 400, 'Destination bucket must exist.',
  );
  const unversioned = await server.newBucket('dst');
  await expectS3Error(
    s3.send(new PutBucketReplicationCommand({ Bucket: source, ReplicationConfiguration: { Role: ROLE, Rules: [rule(unversioned)] } })),
    'InvalidRequest', 400, 'Destination bucket must have versioning enabled.',
  );
});

test('PutBucketReplication.refuses duplicate priorities, a Filter without DeleteMarkerReplication, and what it does not do', async () => {
  const source = await server.newBucket('src', { versioning: 'Enabled' });
  const destination = await server.newBucket('dst', { versioning: 'Enabled' });
  const put = (rules: ReplicationConfiguration['Rules']) =>
    s3.send(new PutBucketReplicationCommand({ Bucket: source, ReplicationConfiguration: { Role: ROLE, Rules: rules } }));
  await expectS3Error(put([rule(destination), rule(destination, { ID: 'second' })]), 'InvalidRequest', 400, 'Found duplicate priority 1.');
  await expectS3Error(
    put([{ ...rule(destination), DeleteMarkerReplication: undefined }]),
    'InvalidRequest', 400, 'DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.',
  );
  await expectS3Error(
    put([rule(destination, { ExistingObjectReplication: { Status: 'Enabled' } })]),
    'NotImplemented', 501, 'ExistingObjectReplication is not supported by this server; only new writes are replicated.',
  );
  await expectS3Error(s3.send(new GetBucketReplicationCommand({ Bucket: source })), 'ReplicationConfigurationNotFoundError', 404, 'The replication configuration was not found');
});

test('GetBucketReplication.answers the stored rules; DeleteBucketReplication removes them', async () => {
  const { source, destination } = await replicatedPair((d) => [
    rule(d, { ID: 'logs', Priority: 2, Filter: { And: { Prefix: 'logs/', Tags: [{ Key: 'k', Value: 'v' }] } }, DeleteMarkerReplication: { Status: 'Disabled' } }),
    rule(d, { Destination: { Bucket: `arn:aws:s3:::${d}`, StorageClass: 'STANDARD_IA' } }),
  ]);
  const { ReplicationConfiguration: config } = await s3.send(new GetBucketReplicationCommand({ Bucket: source }));
  assert.equal(config?.Role, ROLE);
  assert.deepEqual(config?.Rules?.map((r) => [r.ID, r.Priority, r.Status, r.DeleteMarkerReplication?.Status, r.Destination?.Bucket, r.Destination?.StorageClass]), [
    ['logs', 2, 'Enabled', 'Disabled', `arn:aws:s3:::${destination}`, undefined],
    ['all', 1, 'Enabled', 'Enabled', `arn:aws:s3:::${destination}`, 'STANDARD_IA'],
  ]);
  assert.deepEqual(config?.Rules?.[0]?.Filter, { And: { Prefix: 'logs/', Tags: [{ Key: 'k', Value: 'v' }] } });
  await s3.send(new DeleteBucketReplicationCommand({ Bucket: source }));
  await expectS3Error(s3.send(new GetBucketReplicationCommand({ Bucket: source })), 'ReplicationConfigurationNotFoundError', 404, 'The replication configuration was not found');
});

test('PutBucketVersioning.cannot suspend versioning on a bucket with a replication configuration', async () => {
  const { source } = await replicatedPair();
  await expectS3Error(
    s3.send(new PutBucketVersioningCommand({ Bucket: source, VersioningConfiguration: { Status: 'Suspended' } })),
    'InvalidBucketState', 409, 'A replication configuration is present on this bucket, so the versioning state cannot be changed.',
  );
});

test('Replication.copies versions (bytes, metadata, tags, multipart layout) and delete markers with their ids; PENDING → COMPLETED, REPLICA', async () => {
  const { source, destination } = await replicatedPair();
  const put = await s3.send(new PutObjectCommand({
    Bucket: source, Key: 'doc.txt', Body: 'first', ContentType: 'text/plain', Metadata: { colour: 'blue' }, Tagging: 'a=1',
  }));
  const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: source, Key: 'big.bin' }));
  const part = await s3.send(new UploadPartCommand({ Bucket: source, Key: 'big.bin', UploadId: upload.UploadId, PartNumber: 1, Body: 'part-one' }));
  const completed = await s3.send(new CompleteMultipartUploadCommand({
    Bucket: source, Key: 'big.bin', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
  }));
  const marker = await s3.send(new DeleteObjectCommand({ Bucket: source, Key: 'doc.txt' }));

  await waitForStatus(s3, source, 'doc.txt', put.VersionId!, 'COMPLETED');
  await waitForStatus(s3, source, 'big.bin', completed.VersionId!, 'COMPLETED');
  const replica = await s3.send(new GetObjectCommand({ Bucket: destination, Key: 'doc.txt', VersionId: put.VersionId }));
  assert.equal(await replica.Body!.transformToString(), 'first');
  assert.equal(replica.ReplicationStatus, 'REPLICA');
  assert.equal(replica.ContentType, 'text/plain');
  assert.deepEqual(replica.Metadata, { colour: 'blue' });
  assert.equal(replica.TagCount, 1);
  assert.equal(replica.ETag, put.ETag);
  const big = await s3.send(new HeadObjectCommand({ Bucket: destination, Key: 'big.bin', VersionId: completed.VersionId }));
  assert.equal(big.ETag, completed.ETag);
  assert.equal(big.ReplicationStatus, 'REPLICA');

  const versions = await waitForVersions(destination, 3);
  assert.deepEqual(versions.markers, [`doc.txt:${marker.VersionId}`]);
  assert.deepEqual(versions.objects, [`big.bin:${completed.VersionId}`, `doc.txt:${put.VersionId}`]);
});

test('Replication.SSE-KMS and DSSE-KMS versions: the replica shares the blobs, its data keys rewrapped for its own ARN (the context binds them to the object), and reads back', async () => {
  const { source, destination } = await replicatedPair();
  const puts = [
    await s3.send(new PutObjectCommand({ Bucket: source, Key: 'kms', Body: 'kms body', ServerSideEncryption: 'aws:kms' })),
    await s3.send(new PutObjectCommand({ Bucket: source, Key: 'dsse', Body: Buffer.alloc(70_000, 7), ServerSideEncryption: 'aws:kms:dsse' })),
  ];
  for (const [i, key] of ['kms', 'dsse'].entries()) await waitForStatus(s3, source, key, puts[i]!.VersionId!, 'COMPLETED');
  const replica = await s3.send(new GetObjectCommand({ Bucket: destination, Key: 'kms', VersionId: puts[0]!.VersionId }));
  assert.equal(replica.ServerSideEncryption, 'aws:kms');
  assert.equal(await replica.Body!.transformToString(), 'kms body');
  const dual = await s3.send(new GetObjectCommand({ Bucket: destination, Key: 'dsse', VersionId: puts[1]!.VersionId, Range: 'bytes=65530-65545' }));
  assert.equal(dual.ServerSideEncryption, 'aws:kms:dsse');
  assert.deepEqual(Buffer.from(await dual.Body!.transformToByteArray()), Buffer.alloc(16, 7));
  const meta = await server.openMetadataStore();
  try {
    const [original, copy] = await Promise.all([meta.getVersion(source, 'dsse', puts[1]!.VersionId), meta.getVersion(destination, 'dsse', puts[1]!.VersionId)]);
    assert.equal(copy!.manifest[0]!.blobId, original!.manifest[0]!.blobId);
    assert.notEqual(copy!.manifest[0]!.sealing!.wrappedKey, original!.manifest[0]!.sealing!.wrappedKey);
    assert.notEqual(copy!.manifest[0]!.sealing!.outer!.wrappedKey, original!.manifest[0]!.sealing!.outer!.wrappedKey);
  } finally {
    await meta.close();
  }
});

test('Replication.follows the rule filter: keys outside it carry no replication status and stay put', async () => {
  const { source, destination } = await replicatedPair((d) => [rule(d, { Filter: { Prefix: 'logs/' } })]);
  const outside = await s3.send(new PutObjectCommand({ Bucket: source, Key: 'other.txt', Body: 'x' }));
  const inside = await s3.send(new PutObjectCommand({ Bucket: source, Key: 'logs/1.txt', Body: 'y' }));
  await waitForStatus(s3, source, 'logs/1.txt', inside.VersionId!, 'COMPLETED');
  const head = await s3.send(new HeadObjectCommand({ Bucket: source, Key: 'other.txt', VersionId: outside.VersionId }));
  assert.equal(head.ReplicationStatus, undefined);
  await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: destination, Key: 'other.txt' })), 'NotFound', 404);
});

test('Replication.marks FAILED when the destination bucket is gone', async () => {
  const { source, destination } = await replicatedPair();
  await s3.send(new DeleteBucketCommand({ Bucket: destination }));
  const put = await s3.send(new PutObjectCommand({ Bucket: source, Key: 'k', Body: 'z' }));
  await waitForStatus(s3, source, 'k', put.VersionId!, 'FAILED');
});

test('PutObject.x-coffer-replica-version-id: another user may not use it; other operations refuse it', async () => {
  const bucket = await server.newBucket('replica', { versioning: 'Enabled' });
  await expectS3Error(
    server.otherClient().send(replicaHeader(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }), 'abc')),
    'AccessDenied', 403,
  );
  await s3.send(replicaHeader(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }), 'given-id-1'));
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
  assert.equal(head.VersionId, 'given-id-1');
  assert.equal(head.ReplicationStatus, 'REPLICA');
  await expectS3Error(
    s3.send(replicaHeader(new GetObjectCommand({ Bucket: bucket, Key: 'k' }), 'given-id-1')),
    'NotImplemented', 501, 'A header you provided implies functionality that is not implemented.',
  );
});

async function waitForVersions(bucket: string, count: number) {
  for (let i = 0; ; i++) {
    const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const objects = (listing.Versions ?? []).map((v) => `${v.Key}:${v.VersionId}`).sort();
    const markers = (listing.DeleteMarkers ?? []).map((v) => `${v.Key}:${v.VersionId}`).sort();
    if (objects.length + markers.length >= count || i > 200) return { objects, markers };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
