/**
 * Event notifications survive a crash: the real server (a child process) acknowledges writes
 * while the webhook is down, is SIGKILLed (some writes still in flight), and restarted on the same
 * data dir with the webhook up. Every acknowledged write's event must then arrive (at least once),
 * and no event may name an object that no committed write made (never invented).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startChildServer, type ChildServer } from '../../helpers/child-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/event-sink.js';
import { ROOT_KEYS } from '../../helpers/start-server.js';

const ARN = 'arn:coffer:sqs:us-east-1:coffer:crash-hook';
const BUCKET = 'events-crash';
const WRITES = 60;

let dir: string;
let receiver: WebhookReceiver;
let child: ChildServer | undefined;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coffer-events-crash-'));
  receiver = await startWebhookReceiver();
  await writeFile(join(dir, 'notify.json'), JSON.stringify({ targets: [{ arn: ARN, type: 'webhook', url: receiver.url }] }));
});
after(async () => {
  await child?.stop('SIGKILL');
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

const start = () =>
  startChildServer(['--address', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--notify-config', join(dir, 'notify.json')], {
    COFFER_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId,
    COFFER_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey,
  });
const client = (endpoint: string) => new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: ROOT_KEYS, maxAttempts: 1 });

test('PutObject.events: none lost and none invented across a SIGKILL between the write and the delivery', async () => {
  child = await start();
  let s3 = client(child.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketNotificationConfigurationCommand({
    Bucket: BUCKET,
    NotificationConfiguration: { QueueConfigurations: [{ Id: 'created', QueueArn: ARN, Events: ['s3:ObjectCreated:*'] }] },
  }));
  await receiver.sink.waitUntil((messages) => messages.some((m) => m.Event === 's3:TestEvent'));
  receiver.failNext(Number.MAX_SAFE_INTEGER); // the webhook is down: events wait in the outbox

  const acknowledged = new Set<string>();
  const writes = Array.from({ length: WRITES }, (_, i) => {
    const key = `k${String(i).padStart(3, '0')}`;
    return s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key })).then(() => acknowledged.add(key), () => {});
  });
  while (acknowledged.size < WRITES / 3) await new Promise((resolve) => setTimeout(resolve, 5));
  await child.stop('SIGKILL');
  await Promise.all(writes);
  s3.destroy();
  assert.equal(receiver.sink.records().length, 0, 'nothing was delivered while the webhook was down');

  receiver.failNext(0);
  child = await start();
  s3 = client(child.endpoint);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  const committed = new Set((listed.Contents ?? []).map((o) => o.Key!));
  for (const key of acknowledged) assert.ok(committed.has(key), `the acknowledged write of ${key} was lost`);
  // Until every committed key's event arrived (counting records would let a duplicate — allowed,
  // at least once — stand in for a missing one).
  const deliveredKeys = () => new Set(receiver.sink.records().map((r) => r.s3.object.key as string));
  await receiver.sink.waitUntil(() => {
    const keys = deliveredKeys();
    return [...committed].every((key) => keys.has(key));
  }, 20_000);
  const delivered = deliveredKeys();
  for (const key of acknowledged) assert.ok(delivered.has(key), `the event of acknowledged ${key} was lost`);
  for (const key of delivered) assert.ok(committed.has(key), `an event for ${key}, which no committed write made`);
  assert.ok(acknowledged.size >= WRITES / 3);
  s3.destroy();
});
