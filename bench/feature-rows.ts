/**
 * `npm run bench`'s feature-on rows (issue 18 item 5): GET and PUT 4 KiB against buckets where one
 * feature does real work — a 20-statement bucket policy read by an IAM user, SSE-KMS by default,
 * SSE-C, event notifications to a webhook, server access logging — each measured interleaved with
 * the same request on the plain bucket of the same Coffer process, and reported as a ratio to it.
 * The configuration comes from bench/lib/features.ts, which the per-feature scripts share.
 */
import { mkdir } from 'node:fs/promises';
import {
  accountIdOf, BENCH_READER, createBucket, expectStatus, KMS_DEFAULT_ENCRYPTION, loggingTo, NOTIFY_ON_CREATE, readerPolicy,
  sseCustomerHeaders, startWebhookReceiver, writeNotifyConfig, writeUsersFile, type WebhookReceiver,
} from './lib/features.js';
import type { Scenario } from './lib/measure.js';
import type { ServerProcess } from './lib/servers.js';
import { BENCH_CREDENTIALS } from './lib/sign.js';

export interface FeatureRow {
  /** The feature-on scenario (its own bucket). */
  readonly scenario: Scenario;
  /** The plain row it is a ratio to, and the scenario measured alongside on the plain bucket. */
  readonly plainName: string;
  readonly plain: Scenario;
  /** Its goal as a share of the plain rate (the feature's own issue), when there is one. */
  readonly goal?: number;
}

interface Feature {
  readonly label: string;
  readonly slug: string;
  readonly bucket: string;
  readonly change: Partial<Scenario>;
  readonly goals: { readonly get?: number; readonly put?: number };
}

const FEATURES: readonly Feature[] = [
  { label: 'bucket policy + IAM user', slug: 'policy', bucket: 'f-policy', change: { credentials: BENCH_READER }, goals: {} },
  { label: 'SSE-KMS default', slug: 'kms', bucket: 'f-kms', change: {}, goals: { get: 0.9 } },
  { label: 'SSE-C', slug: 'ssec', bucket: 'f-ssec', change: { headers: sseCustomerHeaders() }, goals: { get: 0.9 } },
  { label: 'notifications to a webhook', slug: 'notify', bucket: 'f-notify', change: {}, goals: { put: 0.8 } },
  { label: 'access logging', slug: 'logs', bucket: 'f-logged', change: {}, goals: { get: 0.9, put: 0.9 } },
];
const LOG_TARGET = 'f-logs';

/** The feature rows derived from the plain GET and PUT 4 KiB scenarios. */
export function featureRows(plainGet: Scenario, plainPut: Scenario): FeatureRow[] {
  return FEATURES.flatMap((f) => [
    {
      scenario: { ...plainGet, ...f.change, name: `GET 4KiB · ${f.label}`, bucket: f.bucket },
      plainName: plainGet.name, plain: plainGet, goal: f.goals.get,
    },
    {
      scenario: { ...plainPut, ...f.change, name: `PUT 4KiB · ${f.label}`, bucket: f.bucket },
      plainName: plainPut.name, plain: { ...plainPut, prefix: `vs-${f.slug}/{rep}/` }, goal: f.goals.put,
    },
  ]);
}

/** What Coffer needs at start for the feature rows: a users file, the webhook target, SSE-C over HTTP. */
export interface FeatureServer {
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
  readonly webhook: WebhookReceiver;
}

export async function prepareFeatureServer(dir: string): Promise<FeatureServer> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const webhook = await startWebhookReceiver();
  return {
    args: ['--users', await writeUsersFile(dir), '--notify-config', await writeNotifyConfig(dir, webhook.url), '--allow-insecure-sse-c'],
    // Access-log lines are delivered every 5 s, so that delivery is counted in the run, not after it.
    env: { COFFER_ACCESS_LOG_FLUSH_SECONDS: '5' },
    webhook,
  };
}

/** Creates and configures the feature buckets. */
export async function setUpFeatureBuckets(coffer: ServerProcess): Promise<void> {
  for (const f of FEATURES) await createBucket(coffer, f.bucket);
  await createBucket(coffer, LOG_TARGET);
  const policy = readerPolicy('f-policy', accountIdOf(BENCH_CREDENTIALS.accessKeyId), ['s3:GetObject', 's3:PutObject']);
  await expectStatus(coffer, 204, 'PutBucketPolicy', 'PUT', '/f-policy', 'policy=', policy);
  await expectStatus(coffer, 200, 'PutBucketEncryption', 'PUT', '/f-kms', 'encryption=', KMS_DEFAULT_ENCRYPTION);
  await expectStatus(coffer, 200, 'PutBucketNotificationConfiguration', 'PUT', '/f-notify', 'notification=', NOTIFY_ON_CREATE);
  await expectStatus(coffer, 200, 'PutBucketLogging', 'PUT', '/f-logged', 'logging=', loggingTo(LOG_TARGET));
}
