/**
 * Two gateways on one PostgreSQL database and one data dir: a change made through one is what
 * the other answers by on its very next request (bucket policy, bucket deletion, configurations),
 * or, for the identities each gateway holds in memory, as soon as PostgreSQL delivers the
 * change's NOTIFY — well before the 30 s backstop poll, so only the notification passes here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketPolicyCommand,
  PutBucketRequestPaymentCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { OTHER_USER, startServer, type TestServer } from '../../helpers/start-server.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../../helpers/postgres.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';

const skip = await postgresSkipReason();
/** How long a notification may take to arrive under load; the backstop poll is 30 s. */
const NOTIFY_WAIT_MS = 5_000;

/** Retries `check` until it passes or NOTIFY_WAIT_MS elapse (then its last failure is thrown). */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + NOTIFY_WAIT_MS;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resume) => setTimeout(resume, 25));
    }
  }
}

describe('Gateways on one PostgreSQL database', { skip }, () => {
  let db: TestDatabase;
  let dataDir: string;
  let a: TestServer;
  let b: TestServer;
  let rootA: S3Client;
  let rootB: S3Client;
  let otherB: S3Client;

  before(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'coffer-gateways-'));
    a = await startServer({ metadata: db.url, dataDir });
    b = await startServer({ metadata: db.url, dataDir });
    [rootA, rootB, otherB] = [a.client(), b.client(), b.otherClient()];
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('PutBucketPolicy.throughOneGateway: the other authorizes the next request by it, and by its deletion', async () => {
    const bucket = await a.newBucket('policy');
    await rootA.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
    const read = () => otherB.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    await expectS3Error(read(), 'AccessDenied', 403, 'Access Denied');
    await rootA.send(new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${a.coffer.accountId}:user/${OTHER_USER.displayName}` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }],
      }),
    }));
    assert.equal(await (await read()).Body!.transformToString(), 'v');
    await rootA.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await expectS3Error(read(), 'AccessDenied', 403, 'Access Denied');
  });

  test('DeleteBucket.throughOneGateway: the other answers NoSuchBucket on the next request', async () => {
    const bucket = await a.newBucket('gone');
    await rootB.send(new HeadBucketCommand({ Bucket: bucket }));
    await rootA.send(new DeleteBucketCommand({ Bucket: bucket }));
    await expectS3Error(rootB.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
    assert.equal((await rootB.send(new ListBucketsCommand({}))).Buckets?.some((listed) => listed.Name === bucket), false);
  });

  test('PutBucketRequestPayment.throughOneGateway: the other charges the requester on the next request', async () => {
    const bucket = await a.newBucket('payer');
    await rootA.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
    const read = () => rootB.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', RequestPayer: 'requester' }));
    assert.equal((await read()).RequestCharged, undefined);
    await rootA.send(new PutBucketRequestPaymentCommand({ Bucket: bucket, RequestPaymentConfiguration: { Payer: 'Requester' } }));
    assert.equal((await read()).RequestCharged, 'requester');
  });

  test('setKeyStatus.onOneGateway: the other refuses the key once notified, and takes it back likewise', async () => {
    const list = () => otherB.send(new ListBucketsCommand({}));
    await list();
    await a.coffer.identities.setKeyStatus(OTHER_USER.accessKeyId, 'Inactive');
    await eventually(() => expectS3Error(list(), 'InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.'));
    await a.coffer.identities.setKeyStatus(OTHER_USER.accessKeyId, 'Active');
    await eventually(async () => void (await list()));
  });

  test('setKeyStatus.afterLosingTheListenConnection: the other reconnects, reloads, and refuses the key', async () => {
    const list = () => otherB.send(new ListBucketsCommand({}));
    await list();
    // Every gateway's LISTEN connection is cut (a failover, a restart of the database's pooler).
    const { rowCount } = await db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'",
    );
    assert.equal(rowCount, 2);
    await a.coffer.identities.setKeyStatus(OTHER_USER.accessKeyId, 'Inactive');
    try {
      await eventually(() => expectS3Error(list(), 'InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.'));
    } finally {
      await a.coffer.identities.setKeyStatus(OTHER_USER.accessKeyId, 'Active');
    }
  });
});
