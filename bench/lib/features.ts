/**
 * The set-up of Coffer's features as the benchmarks switch them on: one place for `npm run bench`'s
 * feature-on rows and the per-feature scripts (bucket-policy.ts, sse.ts, notifications.ts,
 * access-logs.ts), so that they all measure the same configuration.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { accountIdFor, canonicalIdFor } from '../../src/auth/users.js';
import { BENCH_CREDENTIALS, sendSigned, type Credentials } from './sign.js';

/** A non-root user (from a `--users` file) that only a bucket policy lets in. */
export const BENCH_READER: Credentials & { readonly name: string } = {
  name: 'reader',
  accessKeyId: 'AKIACOFFERREADER0001',
  secretAccessKey: 'coffer/bench/reader/0123456789abcdefghij',
  region: BENCH_CREDENTIALS.region,
};

/** The 12-digit account id Coffer derives from root keys (policies name users by it). */
export function accountIdOf(rootAccessKeyId: string): string {
  return accountIdFor(canonicalIdFor(rootAccessKeyId));
}

/** Writes the `--users` file that declares BENCH_READER; returns its path. */
export async function writeUsersFile(dir: string): Promise<string> {
  const path = join(dir, 'users.json');
  const { accessKeyId, secretAccessKey, name } = BENCH_READER;
  await writeFile(path, JSON.stringify({ users: [{ accessKeyId, secretAccessKey, displayName: name }] }), { mode: 0o600 });
  return path;
}

/**
 * A 20-statement bucket policy that lets BENCH_READER (`readerActions`) in only by its last Allow,
 * with conditions (source IP, signature version, payload hash), after two Deny statements and 17
 * other users' Allows have been evaluated: authorization doing real work on every request.
 */
export function readerPolicy(bucket: string, accountId: string, readerActions: readonly string[]): string {
  const arn = (name: string) => `arn:aws:iam::${accountId}:user/${name}`;
  const statements: object[] = [
    { Sid: 'DenyPublicAcl', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: { StringEquals: { 's3:x-amz-acl': ['public-read', 'public-read-write'] } } },
    { Sid: 'DenySecret', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/secret/*` },
    // The account's users, not '*': a public Allow would be refused under Block Public Access (the default).
    { Sid: 'Home', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${bucket}/home/\${aws:username}/*` },
  ];
  for (let i = 0; statements.length < 19; i++) {
    statements.push({ Sid: `Team${i}`, Effect: 'Allow', Principal: { AWS: arn(`user${i}`) }, Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${bucket}/team${i}/*` });
  }
  statements.push({
    Sid: 'Reader', Effect: 'Allow', Principal: { AWS: arn(BENCH_READER.name) }, Action: [...readerActions], Resource: `arn:aws:s3:::${bucket}/*`,
    Condition: {
      IpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] },
      StringEquals: { 's3:signatureversion': 'AWS4-HMAC-SHA256' },
      StringLike: { 's3:x-amz-content-sha256': ['*'] },
    },
  });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** PutBucketEncryption body: `algorithm` by default (aws:kms, aws:kms:dsse: the account's default KMS key). */
export function defaultEncryption(algorithm: string): string {
  return `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${algorithm}</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`;
}

/** PutBucketEncryption body: SSE-KMS by default (the account's default KMS key). */
export const KMS_DEFAULT_ENCRYPTION = defaultEncryption('aws:kms');

/** The three SSE-C headers for a fixed 256-bit customer key (Coffer must run with --allow-insecure-sse-c over HTTP). */
export function sseCustomerHeaders(): Record<string, string> {
  const key = Buffer.alloc(32, 0x5c);
  return {
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': key.toString('base64'),
    'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(key).digest('base64'),
  };
}

/** The queue ARN the webhook target is configured under. */
export const WEBHOOK_ARN = 'arn:coffer:sqs:us-east-1:coffer:bench-hook';

/** A webhook receiver in this process that counts the events delivered to it. */
export interface WebhookReceiver {
  readonly url: string;
  received(): number;
  close(): void;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    received: () => received,
    close: () => server.close(),
  };
}

/** Writes the `--notify-config` file naming the webhook as WEBHOOK_ARN; returns its path. */
export async function writeNotifyConfig(dir: string, webhookUrl: string): Promise<string> {
  const path = join(dir, 'notify.json');
  await writeFile(path, JSON.stringify({ targets: [{ arn: WEBHOOK_ARN, type: 'webhook', url: webhookUrl }] }), { mode: 0o600 });
  return path;
}

/** PutBucketNotificationConfiguration body: every ObjectCreated event to the webhook. */
export const NOTIFY_ON_CREATE =
  `<NotificationConfiguration><QueueConfiguration><Id>bench</Id><Queue>${WEBHOOK_ARN}</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`;

/** PutBucketLogging body: log into `targetBucket` under `bench/`. */
export function loggingTo(targetBucket: string): string {
  return `<BucketLoggingStatus><LoggingEnabled><TargetBucket>${targetBucket}</TargetBucket><TargetPrefix>bench/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`;
}

type Endpoint = { readonly host: string; readonly port: number; readonly name?: string };

/** One signed request that must answer `expected` (set-up steps). */
export async function expectStatus(server: Endpoint, expected: number, what: string, method: string, path: string, query = '', body?: string): Promise<void> {
  const status = await sendSigned(server, method, path, query, body);
  if (status !== expected) throw new Error(`${what} on ${server.name ?? `${server.host}:${server.port}`} answered ${status}, expected ${expected}`);
}

/** Creates `bucket` (owned by the root user). */
export const createBucket = (server: Endpoint, bucket: string) => expectStatus(server, 200, `CreateBucket ${bucket}`, 'PUT', `/${bucket}`);
