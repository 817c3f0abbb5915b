/**
 * `aws s3api put-bucket-notification-configuration` (Debian's awscli) with a webhook ARN: the
 * configuration is accepted, read back by get-bucket-notification-configuration, and uploads
 * made with `aws s3 cp` reach a local HTTP receiver.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, ROOT_KEYS, type TestServer } from '../helpers/start-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/event-sink.js';
import { removeDir, tempDir } from './helpers/files.js';
import { expectSuccess, locateTool, minimalEnv, runTool } from './helpers/tool.js';

const aws = locateTool('awscli', '/usr/bin/aws', { probe: ['--version'], debianPackage: 'awscli' });
const ARN = 'arn:coffer:sqs:us-east-1:coffer:hook';

describe('awscli: bucket notifications to a webhook', { skip: aws.skip }, () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let scratch: string;
  let env: Record<string, string>;
  before(async () => {
    aws.require();
    receiver = await startWebhookReceiver();
    server = await startServer({ notifyTargets: [{ arn: ARN, type: 'webhook', url: receiver.url }], dispatch: { log: () => {} } });
    scratch = await tempDir('awscli-notify');
    const home = join(scratch, 'home');
    await mkdir(home);
    env = minimalEnv(home, {
      AWS_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    });
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
    if (scratch) await removeDir(scratch);
  });

  const cli = (...args: string[]) => runTool(aws, ['--endpoint-url', server.endpoint, ...args], { env, cwd: scratch });

  test('PutBucketNotificationConfiguration.awscli: a webhook ARN receives the TestEvent and the upload events', async () => {
    const bucket = await server.newBucket('awscli-notify');
    const config = { QueueConfigurations: [{ Id: 'uploads', QueueArn: ARN, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } } }] };
    expectSuccess(await cli('s3api', 'put-bucket-notification-configuration', '--bucket', bucket, '--notification-configuration', JSON.stringify(config)));
    const got = expectSuccess(await cli('s3api', 'get-bucket-notification-configuration', '--bucket', bucket, '--output', 'json'));
    assert.deepEqual(JSON.parse(got.stdout.toString()).QueueConfigurations, [
      { Id: 'uploads', QueueArn: ARN, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'in/' }] } } },
    ]);
    await receiver.sink.waitUntil((messages) => messages.some((m) => m.Event === 's3:TestEvent' && m.Bucket === bucket));

    await writeFile(join(scratch, 'report 1.txt'), 'quarterly numbers');
    expectSuccess(await cli('s3', 'cp', join(scratch, 'report 1.txt'), `s3://${bucket}/in/report 1.txt`));
    expectSuccess(await cli('s3', 'cp', join(scratch, 'report 1.txt'), `s3://${bucket}/elsewhere.txt`));
    const [record] = await receiver.sink.waitUntil(() => receiver.sink.records().some((r) => r.s3.bucket.name === bucket))
      .then(() => receiver.sink.records().filter((r) => r.s3.bucket.name === bucket));
    assert.equal(record.eventName, 'ObjectCreated:Put');
    assert.equal(record.s3.object.key, 'in/report+1.txt');
    assert.equal(record.s3.object.size, 17);
    assert.equal(record.s3.configurationId, 'uploads');

    const refused = await cli('s3api', 'put-bucket-notification-configuration', '--bucket', bucket, '--notification-configuration',
      JSON.stringify({ QueueConfigurations: [{ QueueArn: 'arn:aws:sqs:us-east-1:1:nope', Events: ['s3:ObjectCreated:*'] }] }));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /InvalidArgument.*Unable to validate the following destination configurations/);
  });
});
