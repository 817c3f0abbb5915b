/**
 * The event types beyond created/removed/tagging, each appended with its change: s3:ObjectAcl:Put
 * (only when the ACL changes), s3:ObjectRestore:Post and :Completed (a restore completes at once
 * here), s3:LifecycleTransition and s3:Replication:OperationFailedReplication, with AWS's extra
 * record sections (glacierEventData, lifecycleEventData, replicationEventData). Days last 2 seconds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  DeleteBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketReplicationCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  RestoreObjectCommand,
  type Event,
} from '@aws-sdk/client-s3';
import { startServer, type TestServer } from '../../helpers/start-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/event-sink.js';

const ARN = 'arn:coffer:sqs:us-east-1:coffer:more-events';
const S3_ITSELF = { principalId: 's3.amazonaws.com' };

describe('event notifications: ACL, restore, transition and replication events', () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer({
      bucketDefaults: 'legacy',
      lifecycleDaySeconds: 2,
      notifyTargets: [{ arn: ARN, type: 'webhook', url: receiver.url }],
      dispatch: { pollMs: 50, retryBaseMs: 20, retryMaxMs: 100, log: () => {} },
    });
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  /** A bucket whose events of `events` notify the webhook (its TestEvent already received). */
  async function notifyingBucket(label: string, events: Event[], versioning?: 'Enabled'): Promise<string> {
    const bucket = await server.newBucket(label, { versioning });
    await server.client().send(new PutBucketNotificationConfigurationCommand({
      Bucket: bucket, NotificationConfiguration: { QueueConfigurations: [{ Id: 'more', QueueArn: ARN, Events: events }] },
    }));
    await receiver.sink.waitUntil((messages) => messages.some((m) => m.Event === 's3:TestEvent' && m.Bucket === bucket));
    return bucket;
  }

  const recordsOf = (bucket: string) => receiver.sink.records().filter((r) => r.s3.bucket.name === bucket);
  const waitForRecords = (bucket: string, count: number, timeoutMs?: number) =>
    receiver.sink.waitUntil(() => recordsOf(bucket).length >= count, timeoutMs).then(() => recordsOf(bucket));

  test('PutObjectAcl.notifies s3:ObjectAcl:Put (2.3) when the ACL changes, not when it stays the same', async () => {
    const s3 = server.client();
    const bucket = await notifyingBucket('acl-events', ['s3:ObjectAcl:Put'], 'Enabled');
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a b', Body: 'hello' }));
    const changed = await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'a b', ACL: 'public-read' }));
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'a b', ACL: 'public-read' })); // no change: no event
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'a b', ACL: 'private' }));
    const records = await waitForRecords(bucket, 2);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the unchanged PUT's event would have come before the last one
    assert.equal(recordsOf(bucket).length, 2);
    const [first] = records;
    assert.equal(first.eventName, 'ObjectAcl:Put');
    assert.equal(first.eventVersion, '2.3');
    assert.equal(first.responseElements['x-amz-request-id'], changed.$metadata.requestId);
    assert.deepEqual(first.userIdentity, { principalId: server.coffer.rootUser.id });
    assert.deepEqual(first.s3.object, {
      key: 'a+b', eTag: '5d41402abc4b2a76b9719d911017c592', versionId: put.VersionId, sequencer: first.s3.object.sequencer,
    });
    assert.ok(records[1].s3.object.sequencer > first.s3.object.sequencer);
  });

  test('RestoreObject.notifies s3:ObjectRestore:Post then :Completed with the copy expiry; extending a restored copy notifies nothing', async () => {
    const s3 = server.client();
    const bucket = await notifyingBucket('restore-events', ['s3:ObjectRestore:*', 's3:ObjectAcl:Put']);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cold', Body: 'frozen', StorageClass: 'GLACIER' }));
    const restored = await s3.send(new RestoreObjectCommand({ Bucket: bucket, Key: 'cold', RestoreRequest: { Days: 1 } }));
    await s3.send(new RestoreObjectCommand({ Bucket: bucket, Key: 'cold', RestoreRequest: { Days: 2 } })); // already restored
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'cold', ACL: 'public-read' })); // arrives after anything the extension sent
    const records = await waitForRecords(bucket, 3);
    assert.deepEqual(records.map((r) => r.eventName), ['ObjectRestore:Post', 'ObjectRestore:Completed', 'ObjectAcl:Put']);
    const [posted, completed] = records;
    for (const record of [posted, completed]) {
      assert.equal(record.eventVersion, '2.1');
      assert.equal(record.responseElements['x-amz-request-id'], restored.$metadata.requestId);
      assert.deepEqual(record.s3.object, { key: 'cold', size: 6, eTag: createHash('md5').update('frozen').digest('hex'), sequencer: record.s3.object.sequencer });
    }
    assert.equal(posted.glacierEventData, undefined);
    const { lifecycleRestorationExpiryTime, lifecycleRestoreStorageClass } = completed.glacierEventData.restoreEventData;
    assert.equal(lifecycleRestoreStorageClass, 'GLACIER');
    assert.match(lifecycleRestorationExpiryTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.parse(lifecycleRestorationExpiryTime) > Date.parse(completed.eventTime));
  });

  test('LifecycleTransition.notifies s3:LifecycleTransition (2.3) from S3 itself, with the destination storage class', async () => {
    const s3 = server.client();
    const bucket = await notifyingBucket('transition-events', ['s3:LifecycleTransition']);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'old/a', Body: 'aging' }));
    await s3.send(new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: {
        // A size filter lets a small object transition (AWS skips objects under 128 KiB otherwise).
        Rules: [{ ID: 'archive', Status: 'Enabled', Filter: { ObjectSizeGreaterThan: 0 }, Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] }],
      },
    }));
    const [transitioned] = await waitForRecords(bucket, 1, 20_000);
    assert.equal(transitioned.eventName, 'LifecycleTransition');
    assert.equal(transitioned.eventVersion, '2.3');
    assert.deepEqual(transitioned.userIdentity, S3_ITSELF);
    assert.deepEqual(transitioned.requestParameters, { sourceIPAddress: 's3.amazonaws.com' });
    assert.equal(transitioned.s3.object.key, 'old/a');
    assert.equal(transitioned.s3.object.size, 5);
    assert.deepEqual(transitioned.lifecycleEventData, { transitionEventData: { destinationStorageClass: 'GLACIER' } });
  });

  test('Replication.notifies s3:Replication:OperationFailedReplication (2.2) with the rule, destination and failure reason', async () => {
    const s3 = server.client();
    const source = await notifyingBucket('repl-events', ['s3:Replication:*'], 'Enabled');
    const destination = await server.newBucket('repl-dst', { versioning: 'Enabled' });
    await s3.send(new PutBucketReplicationCommand({
      Bucket: source,
      ReplicationConfiguration: {
        Role: 'arn:aws:iam::123456789012:role/replication',
        Rules: [{
          ID: 'to-dst', Priority: 1, Status: 'Enabled', Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: `arn:aws:s3:::${destination}` },
        }],
      },
    }));
    await s3.send(new DeleteBucketCommand({ Bucket: destination }));
    const put = await s3.send(new PutObjectCommand({ Bucket: source, Key: 'doc', Body: 'lost' }));
    const [failed] = await waitForRecords(source, 1);
    assert.equal(failed.eventName, 'Replication:OperationFailedReplication');
    assert.equal(failed.eventVersion, '2.2');
    assert.deepEqual(failed.userIdentity, S3_ITSELF);
    assert.deepEqual(failed.s3.object, {
      key: 'doc', size: 4, eTag: failed.s3.object.eTag, versionId: put.VersionId, sequencer: failed.s3.object.sequencer,
    });
    assert.equal(`"${failed.s3.object.eTag}"`, put.ETag);
    const { requestTime, ...data } = failed.replicationEventData;
    assert.deepEqual(data, {
      replicationRuleId: 'to-dst', destinationBucket: `arn:aws:s3:::${destination}`, s3Operation: 'OBJECT_PUT', failureReason: 'DstBucketNotFound',
    });
    assert.ok(Date.parse(requestTime) <= Date.parse(failed.eventTime));
  });
});
