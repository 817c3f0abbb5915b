import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startServer, type TestServer } from '../../helpers/start-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/event-sink.js';
import { runEventScenario } from '../../helpers/event-scenario.js';

const ARN = 'arn:coffer:sqs:us-east-1:coffer:hook';

describe('event notifications: webhook', () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer({
      notifyTargets: [{ arn: ARN, type: 'webhook', url: receiver.url, authorization: 'Bearer s3cret' }],
      dispatch: { retryBaseMs: 20, retryMaxMs: 100, log: () => {} },
    });
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  test('PutBucketNotificationConfiguration.webhook receives the TestEvent, then exactly the events AWS sends', async () => {
    await runEventScenario(server, ARN, receiver.sink);
    const test = receiver.sink.messages.find((m) => m.Event === 's3:TestEvent');
    assert.deepEqual(Object.keys(test), ['Service', 'Event', 'Time', 'Bucket', 'RequestId', 'HostId']);
    assert.equal(test.Service, 'Amazon S3');
    assert.ok(receiver.authorizations.every((a) => a === 'Bearer s3cret'));
  });

  test('PutObject.events are retried with back-off until the webhook acknowledges', async () => {
    const s3 = server.client();
    const bucket = await server.newBucket('retry');
    await s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { QueueConfigurations: [{ Id: 'c', QueueArn: ARN, Events: ['s3:ObjectCreated:Put'] }] },
    }));
    await receiver.sink.waitUntil((messages) => messages.some((m) => m.Bucket === bucket));
    const retriedBefore = server.coffer.eventCounters.retried;
    receiver.failNext(3);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    const records = await receiver.sink.waitUntil((messages) => messages.some((m) => m.Records?.[0].s3.bucket.name === bucket));
    assert.equal(records.filter((m) => m.Records?.[0].s3.bucket.name === bucket).length, 1);
    assert.ok(server.coffer.eventCounters.retried >= retriedBefore + 3);
  });

  test('PutObject.filters: only keys matching prefix and suffix, only the configured event types', async () => {
    const s3 = server.client();
    const bucket = await server.newBucket('filters', { versioning: 'Enabled' });
    await s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Id: 'jpg-in-images', QueueArn: ARN, Events: ['s3:ObjectCreated:Put'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images/' }, { Name: 'suffix', Value: '.jpg' }] } },
          },
          { Id: 'markers', QueueArn: ARN, Events: ['s3:ObjectRemoved:DeleteMarkerCreated'] },
        ],
      },
    }));
    for (const key of ['images/a.png', 'docs/a.jpg', 'images/b.jpg']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'images/c.jpg', Body: 'c' }));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'docs/a.jpg' }));
    const ofBucket = () => receiver.sink.records().filter((r) => r.s3.bucket.name === bucket);
    await receiver.sink.waitUntil(() => ofBucket().length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 200)); // nothing else may follow
    const records = ofBucket();
    assert.deepEqual(records.map((r) => `${r.s3.configurationId} ${r.eventName} ${r.s3.object.key}`).sort(), [
      'jpg-in-images ObjectCreated:Put images/b.jpg',
      'jpg-in-images ObjectCreated:Put images/c.jpg',
      'markers ObjectRemoved:DeleteMarkerCreated docs/a.jpg',
    ]);
    assert.equal(records.find((r) => r.s3.object.key === 'images/c.jpg').s3.object.versionId, put.VersionId);
    assert.equal(records.find((r) => r.s3.object.key === 'docs/a.jpg').s3.object.versionId, marker.VersionId);
  });
});
