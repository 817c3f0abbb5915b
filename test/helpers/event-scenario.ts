import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { TestServer } from './start-server.js';
import type { EventSink } from './event-sink.js';

/**
 * The scenario every target kind is tested with: a configuration for every created, removed
 * and tagging event, then PUT, copy, multipart completion, tag, untag and delete. Checks that
 * exactly the events S3 would send arrive (in order per key), and one record field by field.
 */
export async function runEventScenario(server: TestServer, arn: string, sink: EventSink): Promise<void> {
  const s3 = server.client();
  const bucket = await server.newBucket('events');
  const ROOT_USER_ID = server.coffer.rootUser.id;
  await s3.send(new PutBucketNotificationConfigurationCommand({
    Bucket: bucket,
    NotificationConfiguration: {
      QueueConfigurations: [{ Id: 'all-events', QueueArn: arn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:ObjectTagging:*'] }],
    },
  }));
  await sink.waitUntil((messages) => messages.some((m) => m.Event === 's3:TestEvent' && m.Bucket === bucket));

  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'photos/a b.jpg', Body: 'hello' }));
  await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copies/a.jpg', CopySource: `${bucket}/photos/a%20b.jpg` }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big.bin' }));
  const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'big.bin', UploadId, PartNumber: 1, Body: 'part-one' }));
  const completed = await s3.send(new CompleteMultipartUploadCommand({
    Bucket: bucket, Key: 'big.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
  }));
  await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'photos/a b.jpg', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
  await s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'photos/a b.jpg' }));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'photos/a b.jpg' }));

  const records = (await sink.waitForRecords(6)).filter((r) => r.s3.bucket.name === bucket);
  const seen = records.map((r) => `${r.s3.object.key} ${r.eventName}`);
  assert.deepEqual([...seen].sort(), [
    'big.bin ObjectCreated:CompleteMultipartUpload',
    'copies/a.jpg ObjectCreated:Copy',
    'photos/a+b.jpg ObjectCreated:Put',
    'photos/a+b.jpg ObjectRemoved:Delete',
    'photos/a+b.jpg ObjectTagging:Delete',
    'photos/a+b.jpg ObjectTagging:Put',
  ]);
  // One key's events arrive in the order they happened, with increasing sequencers.
  const photo = records.filter((r) => r.s3.object.key === 'photos/a+b.jpg');
  assert.deepEqual(photo.map((r) => r.eventName), ['ObjectCreated:Put', 'ObjectTagging:Put', 'ObjectTagging:Delete', 'ObjectRemoved:Delete']);
  for (let i = 1; i < photo.length; i++) assert.ok(photo[i].s3.object.sequencer > photo[i - 1].s3.object.sequencer);

  const created = photo[0];
  assert.match(created.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.match(created.s3.object.sequencer, /^[0-9A-F]{16}$/);
  assert.deepEqual(created, {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: created.eventTime,
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: ROOT_USER_ID },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': put.$metadata.requestId, 'x-amz-id-2': put.$metadata.extendedRequestId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'all-events',
      bucket: { name: bucket, ownerIdentity: { principalId: ROOT_USER_ID }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: 'photos/a+b.jpg', size: 5, eTag: '5d41402abc4b2a76b9719d911017c592', sequencer: created.s3.object.sequencer },
    },
  });
  const multipart = records.find((r) => r.eventName === 'ObjectCreated:CompleteMultipartUpload');
  assert.equal(multipart.s3.object.size, 8);
  assert.equal(`"${multipart.s3.object.eTag}"`, completed.ETag);
  const removed = photo[3];
  assert.deepEqual(removed.s3.object, { key: 'photos/a+b.jpg', sequencer: removed.s3.object.sequencer });
  assert.equal(photo[1].eventVersion, '2.3', 'tagging events are version 2.3');
}
