/**
 * Lifecycle expirations notify as AWS's do: s3:LifecycleExpiration:Delete when a version goes for
 * good, s3:LifecycleExpiration:DeleteMarkerCreated when a versioned bucket's current version is
 * expired behind a marker; S3 itself (s3.amazonaws.com) is the principal. Days last 2 seconds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { startServer, type TestServer } from '../../helpers/start-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/event-sink.js';

const ARN = 'arn:coffer:sqs:us-east-1:coffer:lifecycle';

describe('event notifications: lifecycle expirations', () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer({
      lifecycleDaySeconds: 2,
      notifyTargets: [{ arn: ARN, type: 'webhook', url: receiver.url }],
      dispatch: { retryBaseMs: 20, retryMaxMs: 100, log: () => {} },
    });
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  /** A bucket whose objects expire after one (2-second) day and whose lifecycle events notify the webhook. */
  async function expiringBucket(name: string, versioned: boolean): Promise<string> {
    const s3 = server.client();
    const bucket = await server.newBucket(name);
    if (versioned) await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { QueueConfigurations: [{ Id: 'expirations', QueueArn: ARN, Events: ['s3:LifecycleExpiration:*'] }] },
    }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/a', Body: 'x' }));
    await s3.send(new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: { Rules: [{ ID: 'expire', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } }] },
    }));
    return bucket;
  }

  const recordsOf = (bucket: string) => receiver.sink.messages.flatMap((m) => m.Records ?? []).filter((r) => r.s3.bucket.name === bucket);

  test('LifecycleExpiration.unversioned: Delete; versioned: DeleteMarkerCreated with the marker id; principal s3.amazonaws.com', async () => {
    const [plain, versioned] = await Promise.all([expiringBucket('lc-plain', false), expiringBucket('lc-versioned', true)]);
    await receiver.sink.waitUntil(() => recordsOf(plain).length > 0 && recordsOf(versioned).length > 0, 20_000);

    const [deleted] = recordsOf(plain);
    assert.equal(recordsOf(plain).length, 1);
    assert.equal(deleted.eventName, 'LifecycleExpiration:Delete');
    assert.equal(deleted.eventVersion, '2.3');
    assert.deepEqual(deleted.userIdentity, { principalId: 's3.amazonaws.com' });
    assert.deepEqual(deleted.requestParameters, { sourceIPAddress: 's3.amazonaws.com' });
    assert.deepEqual(deleted.s3.object, { key: 'logs/a', sequencer: deleted.s3.object.sequencer });
    assert.equal(deleted.s3.configurationId, 'expirations');

    const [marked] = recordsOf(versioned);
    assert.equal(recordsOf(versioned).length, 1);
    assert.equal(marked.eventName, 'LifecycleExpiration:DeleteMarkerCreated');
    const listed = await server.client().send(new ListObjectVersionsCommand({ Bucket: versioned }));
    assert.equal(listed.DeleteMarkers?.length, 1);
    assert.deepEqual(marked.s3.object, { key: 'logs/a', versionId: listed.DeleteMarkers![0]!.VersionId, sequencer: marked.s3.object.sequencer });
  });
});
