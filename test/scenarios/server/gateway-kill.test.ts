/**
 * Three real gateway processes on one PostgreSQL database and one data dir. 16 racing
 * If-None-Match writers spread over the three: exactly one wins. Then one gateway is SIGKILLed
 * while it receives a large streaming PUT and a multipart part, and the other two keep taking
 * writes: every acknowledged write reads back through either survivor, the killed uploads left
 * no half object and no half part, and the upload completes through a survivor from its
 * acknowledged part. (Its two partial temporary files stay until the shared-dir collector's age
 * limit.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, ListPartsCommand,
  PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startChildServer, type ChildServer } from '../../helpers/child-server.js';
import { createTestDatabase, postgresSkipReason } from '../../helpers/postgres.js';
import { ROOT_KEYS } from '../../helpers/start-server.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';

const skip = await postgresSkipReason();
const CHUNK = Buffer.alloc(64 * 1024, 'x');
/** Far more than is sent before the kill: the upload is still in flight when its gateway dies. */
const LARGE = 64 * 1024 * 1024;

function client(endpoint: string): S3Client {
  // One attempt: a retried streaming body after the kill would hang on a drained stream.
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: ROOT_KEYS, maxAttempts: 1, requestChecksumCalculation: 'WHEN_REQUIRED' });
}

/** A body that trickles out until the test stops caring; `sent` counts what left. */
function trickle(): { body: Readable; sent: () => number } {
  let sent = 0;
  const body = new Readable({
    read() {
      setTimeout(() => {
        sent += CHUNK.length;
        this.push(CHUNK);
      }, 5);
    },
  });
  return { body, sent: () => sent };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resume) => setTimeout(resume, 10));
  }
}

test('Gateways.sigkill: three processes, one killed mid-upload; no acknowledged write lost, no half object, one If-None-Match winner', { skip }, async () => {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-gateway-kill-'));
  const gateways: ChildServer[] = [];
  try {
    const env = { COFFER_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId, COFFER_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey };
    // The first creates the schema; the other two start against it at once.
    gateways.push(await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir, '--metadata', db.url], env));
    gateways.push(...(await Promise.all([1, 2].map(() => startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir, '--metadata', db.url], env)))));
    const clients = gateways.map((g) => client(g.endpoint));
    const [first, second, victim] = clients as [S3Client, S3Client, S3Client];
    const bucket = 'gateway-kill';
    await first.send(new CreateBucketCommand({ Bucket: bucket }));

    const racers = await Promise.allSettled(Array.from({ length: 16 }, (_, i) =>
      clients[i % 3]!.send(new PutObjectCommand({ Bucket: bucket, Key: 'race', Body: `writer ${i}`, IfNoneMatch: '*' }))));
    const winners = racers.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    assert.equal(winners.length, 1, `${winners.length} winners`);
    for (const r of racers) {
      if (r.status === 'rejected') {
        const error = r.reason as S3ServiceException;
        assert.ok(['PreconditionFailed', 'ConditionalRequestConflict'].includes(error.name), `a loser answered ${error.name}`);
      }
    }
    assert.equal(await (await second.send(new GetObjectCommand({ Bucket: bucket, Key: 'race' }))).Body!.transformToString(), `writer ${winners[0]}`);

    const { UploadId } = await victim.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi' }));
    const part1 = await victim.send(new UploadPartCommand({ Bucket: bucket, Key: 'multi', UploadId, PartNumber: 1, Body: Buffer.alloc(5 * 1024 * 1024, 'a') }));
    const large = trickle();
    const part2 = trickle();
    const inFlight = [
      victim.send(new PutObjectCommand({ Bucket: bucket, Key: 'large', Body: large.body, ContentLength: LARGE })),
      victim.send(new UploadPartCommand({ Bucket: bucket, Key: 'multi', UploadId, PartNumber: 2, Body: part2.body, ContentLength: LARGE })),
    ].map((p) => p.then(() => 'acknowledged', () => 'failed'));

    // The survivors keep taking writes before, during and after the kill.
    const acknowledged: string[] = [];
    let writing = true;
    const writers = [first, second].map(async (s3, w) => {
      for (let i = 0; writing; i++) {
        const key = `w${w}-${i}`;
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
        acknowledged.push(key);
      }
    });
    await until(() => large.sent() > 1024 * 1024 && part2.sent() > 1024 * 1024);
    const writtenBeforeKill = acknowledged.length;
    assert.equal(await gateways[2]!.stop('SIGKILL'), null);
    assert.deepEqual(await Promise.all(inFlight), ['failed', 'failed']);
    await until(() => acknowledged.length >= writtenBeforeKill + 10);
    writing = false;
    await Promise.all(writers);

    for (const [i, key] of acknowledged.entries()) {
      const object = await clients[i % 2]!.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(await object.Body!.transformToString(), key);
    }
    await expectS3Error(second.send(new HeadObjectCommand({ Bucket: bucket, Key: 'large' })), 'NotFound', 404);
    const parts = await first.send(new ListPartsCommand({ Bucket: bucket, Key: 'multi', UploadId }));
    assert.deepEqual(parts.Parts?.map((p) => [p.PartNumber, p.ETag]), [[1, part1.ETag]]);
    await second.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'multi', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part1.ETag }] } }));
    const multi = await first.send(new HeadObjectCommand({ Bucket: bucket, Key: 'multi' }));
    assert.equal(multi.ContentLength, 5 * 1024 * 1024);
    // What the killed gateway was writing is left as temporary files: the start-up collector of
    // a shared data dir removes them once older than any upload can be (24 h).
    assert.equal((await readdir(join(dataDir, 'tmp'))).filter((name) => name.endsWith('.part')).length, 2);
    for (const s3 of clients) s3.destroy();
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
