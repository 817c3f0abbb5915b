import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type NotificationConfiguration,
} from '@aws-sdk/client-s3';
import { startServer, ROOT_KEYS, type TestServer } from '../../helpers/start-server.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { rawRequest, signV4 } from '../../helpers/raw-request.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/event-sink.js';

const QUEUE = 'arn:coffer:sqs:us-east-1:coffer:queue';
const TOPIC = 'arn:coffer:sns:us-east-1:coffer:topic';
const LAMBDA = 'arn:coffer:lambda:us-east-1:coffer:function:f';

describe('bucket notification configuration', () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer({
      notifyTargets: [QUEUE, TOPIC, LAMBDA].map((arn) => ({ arn, type: 'webhook' as const, url: receiver.url })),
      dispatch: { log: () => {} },
    });
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  const put = async (bucket: string, config: NotificationConfiguration) =>
    server.client().send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: config }));

  test('GetBucketNotificationConfiguration.none: an empty configuration', async () => {
    const bucket = await server.newBucket('none');
    const got = await server.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    assert.equal(got.QueueConfigurations, undefined);
    assert.equal(got.TopicConfigurations, undefined);
    assert.equal(got.LambdaFunctionConfigurations, undefined);
  });

  test('PutBucketNotificationConfiguration.round trip: queue, topic and function configurations, filters, generated Id', async () => {
    const bucket = await server.newBucket('roundtrip');
    await put(bucket, {
      QueueConfigurations: [{
        Id: 'q', QueueArn: QUEUE, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }, { Name: 'suffix', Value: '.csv' }] } },
      }],
      TopicConfigurations: [{ Id: 't', TopicArn: TOPIC, Events: ['s3:ObjectTagging:*', 's3:ObjectAcl:Put', 's3:LifecycleExpiration:*'] }],
      LambdaFunctionConfigurations: [{ LambdaFunctionArn: LAMBDA, Events: ['s3:ObjectRestore:*', 's3:Replication:*', 's3:LifecycleTransition'] }],
    });
    const got = await server.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    assert.deepEqual(got.QueueConfigurations, [{
      Id: 'q', QueueArn: QUEUE, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
      Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'in/' }, { Name: 'Suffix', Value: '.csv' }] } },
    }]);
    assert.deepEqual(got.TopicConfigurations, [{ Id: 't', TopicArn: TOPIC, Events: ['s3:ObjectTagging:*', 's3:ObjectAcl:Put', 's3:LifecycleExpiration:*'] }]);
    const [fn] = got.LambdaFunctionConfigurations!;
    assert.equal(fn!.LambdaFunctionArn, LAMBDA);
    assert.deepEqual(fn!.Events, ['s3:ObjectRestore:*', 's3:Replication:*', 's3:LifecycleTransition']);
    assert.ok(fn!.Id && fn!.Id.length > 0, 'S3 names a configuration given without an Id');

    // Each destination gets one s3:TestEvent.
    await receiver.sink.waitUntil((messages) => messages.filter((m) => m.Bucket === bucket).length >= 3);
    assert.equal(receiver.sink.messages.filter((m) => m.Bucket === bucket).length, 3);

    await put(bucket, {});
    const cleared = await server.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    assert.equal(cleared.QueueConfigurations, undefined);
  });

  test('PutBucketNotificationConfiguration.unknown destination: InvalidArgument naming each ARN', async () => {
    const bucket = await server.newBucket('unknown-arn');
    const unknown = 'arn:aws:sqs:us-east-1:123456789012:nowhere';
    const error = await expectS3Error(
      put(bucket, { QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'] }, { QueueArn: unknown, Events: ['s3:ObjectRemoved:*'] }] }),
      'InvalidArgument', 400, 'Unable to validate the following destination configurations',
    );
    assert.equal(error.ArgumentName1, unknown);
    assert.equal(error.ArgumentValue1, 'The destination queue does not exist');
    const got = await server.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    assert.equal(got.QueueConfigurations, undefined, 'nothing stored');
    // x-amz-skip-destination-validation: stored as given.
    await server.client().send(new PutBucketNotificationConfigurationCommand({
      Bucket: bucket, SkipDestinationValidation: true, NotificationConfiguration: { QueueConfigurations: [{ QueueArn: unknown, Events: ['s3:ObjectRemoved:*'] }] },
    }));
    const skipped = await server.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    assert.equal(skipped.QueueConfigurations?.[0]?.QueueArn, unknown);
  });

  test('PutBucketNotificationConfiguration.unsupported event: InvalidArgument', async () => {
    const bucket = await server.newBucket('bad-event');
    for (const event of ['s3:ObjectCreated:Rename', 's3:Nothing:*', 'ObjectCreated:Put']) {
      await expectS3Error(put(bucket, { QueueConfigurations: [{ QueueArn: QUEUE, Events: [event as 's3:ObjectCreated:*'] }] }),
        'InvalidArgument', 400, 'The event is not supported for notifications');
    }
  });

  test('PutBucketNotificationConfiguration.overlapping filters for the same event type: InvalidArgument', async () => {
    const bucket = await server.newBucket('overlap');
    const ambiguous = 'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.';
    const rule = (events: string[], prefix?: string, suffix?: string) => ({
      QueueArn: QUEUE, Events: events as 's3:ObjectCreated:*'[],
      Filter: { Key: { FilterRules: [...(prefix ? [{ Name: 'prefix' as const, Value: prefix }] : []), ...(suffix ? [{ Name: 'suffix' as const, Value: suffix }] : [])] } },
    });
    // No filter overlaps everything; a wildcard covers its types; nested prefixes and suffixes overlap.
    for (const [a, b] of [
      [rule(['s3:ObjectCreated:*']), rule(['s3:ObjectCreated:Put'], 'images/')],
      [rule(['s3:ObjectCreated:Put'], 'images/'), rule(['s3:ObjectCreated:Put'], 'images/2024/')],
      [rule(['s3:ObjectCreated:Put'], undefined, '.jpg'), rule(['s3:ObjectCreated:Put'], undefined, 'pg')],
    ]) {
      await expectS3Error(put(bucket, { QueueConfigurations: [a!, b!] }), 'InvalidArgument', 400, ambiguous);
    }
    // Disjoint prefixes, disjoint suffixes, or different event types: accepted.
    await put(bucket, { QueueConfigurations: [rule(['s3:ObjectCreated:*'], 'a/'), rule(['s3:ObjectCreated:*'], 'b/')] });
    await put(bucket, { QueueConfigurations: [rule(['s3:ObjectCreated:*'], 'a/', '.jpg'), rule(['s3:ObjectCreated:*'], 'a/', '.png')] });
    await put(bucket, { QueueConfigurations: [rule(['s3:ObjectCreated:*']), rule(['s3:ObjectRemoved:*'])] });
  });

  test('PutBucketNotificationConfiguration.filter rules: only one prefix and one suffix, named so', async () => {
    const bucket = await server.newBucket('filter-rules');
    const withRules = (rules: Array<{ Name: string; Value: string }>) =>
      put(bucket, { QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: rules as never } } }] });
    await expectS3Error(withRules([{ Name: 'prefix', Value: 'a' }, { Name: 'prefix', Value: 'b' }]), 'InvalidArgument', 400, 'Cannot specify more than one prefix rule in a filter.');
    await expectS3Error(withRules([{ Name: 'infix', Value: 'a' }]), 'InvalidArgument', 400, 'filter rule name must be either prefix or suffix');
    await withRules([{ Name: 'Prefix', Value: 'a/' }, { Name: 'SUFFIX', Value: '.x' }]);
  });

  test('PutBucketNotification.legacy document and unknown elements', async () => {
    const bucket = await server.newBucket('legacy');
    const send = (body: string) => {
      const url = new URL(server.endpoint);
      const path = `/${bucket}`;
      const headers = signV4({ method: 'PUT', path, query: 'notification=', host: url.host, body, ...ROOT_KEYS });
      return rawRequest(server.endpoint, { method: 'PUT', path: `${path}?notification`, headers, body });
    };
    const legacy = await send(`<NotificationConfiguration><CloudFunctionConfiguration><Id>old</Id><InvocationRole>arn:aws:iam::1:role/r</InvocationRole>
      <CloudFunction>${LAMBDA}</CloudFunction><Event>s3:ObjectCreated:Put</Event></CloudFunctionConfiguration></NotificationConfiguration>`);
    assert.equal(legacy.status, 200, legacy.text);
    const got = await server.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    assert.deepEqual(got.LambdaFunctionConfigurations, [{ Id: 'old', LambdaFunctionArn: LAMBDA, Events: ['s3:ObjectCreated:Put'] }]);

    const unknown = await send('<NotificationConfiguration><SmokeSignalConfiguration/></NotificationConfiguration>');
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /<Code>MalformedXML<\/Code>/);
    const eventBridge = await send('<NotificationConfiguration><EventBridgeConfiguration/></NotificationConfiguration>');
    assert.equal(eventBridge.status, 501);
    assert.match(eventBridge.text, /<Code>NotImplemented<\/Code>/);
  });

  test('PutBucketNotificationConfiguration.not the owner: AccessDenied; no bucket: NoSuchBucket', async () => {
    const bucket = await server.newBucket('owner');
    await expectS3Error(server.otherClient().send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: {} })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(put('no-such-bucket-here', {}), 'NoSuchBucket', 404, 'The specified bucket does not exist');
  });
});
