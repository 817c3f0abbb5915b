/**
 * Three real gateway processes on one PostgreSQL database and one data dir. 16 racing
 * If-None-Match writers spread over the three: exactly one wins. Then one gateway is SIGKILLed
 * while it receives a large streaming PUT and a multipart part, and the other two keep taking
 * writes: every acknowledged write reads back through either survivor, the killed uploads left
 * no half object and no half part, and the upload completes through a survivor from its
 * acknowledged part. With a 1 s heartbeat and a 5 s expiry, the survivors collect the killed
 * gateway's orphans (its two partial temporary files, and a blob it had renamed into place but
 * not committed) within seconds, while a survivor's own upload stays in flight throughout and
 * completes, and a survivor's uncommitted blob is left alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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
/** A survivor's upload: at 320 KiB/s, still in flight until the test finishes it. */
const HELD = 16 * 1024 * 1024;

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

/**
 * A body of `total` bytes that trickles (a chunk every 200 ms) until `finish()`, then sends the
 * rest at once: an upload kept in flight as long as the test needs.
 */
function heldOpen(total: number): { body: Readable; finish: () => void } {
  let left = total;
  let finishing = false;
  const body = new Readable({
    read() {
      setTimeout(() => {
        const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, left));
        left -= chunk.length;
        this.push(chunk);
        if (left === 0) this.push(null);
      }, finishing ? 0 : 200);
    },
  });
  return { body, finish: () => (finishing = true) };
}

/** The writer id a gateway registered under (its start-up log line). */
function gatewayId(gateway: ChildServer): string {
  const match = /"gatewayId":"([0-9a-f]{8})"/.exec(gateway.stdout());
  assert.ok(match, 'no gateway id logged');
  return match[1]!;
}

/** Plants a blob as a gateway leaves one between its rename into place and its metadata commit. */
async function uncommittedBlob(dataDir: string, writerId: string): Promise<string> {
  const blobId = randomBytes(12).toString('hex') + writerId;
  const dir = join(dataDir, 'blobs', blobId.slice(0, 2), blobId.slice(2, 4));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, blobId), 'never committed', { mode: 0o600 });
  return join(dir, blobId);
}

const exists = (path: string) => access(path).then(() => true, () => false);

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resume) => setTimeout(resume, 10));
  }
}

test('Gateways.sigkill: three processes, one killed mid-upload; no acknowledged write lost, no half object, one If-None-Match winner', { skip }, async () => {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-gateway-kill-'));
  const gateways: ChildServer[] = [];
  try {
    const env = {
      COFFER_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId, COFFER_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey,
      COFFER_GATEWAY_HEARTBEAT_SECONDS: '1', COFFER_GATEWAY_EXPIRY_SECONDS: '5',
    };
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
    // A survivor's upload in flight from before the kill until after the collection.
    const held = heldOpen(HELD);
    let heldSettled = false;
    const heldPut = first.send(new PutObjectCommand({ Bucket: bucket, Key: 'held', Body: held.body, ContentLength: HELD })).finally(() => (heldSettled = true));
    const [firstId, secondId, victimId] = gateways.map(gatewayId) as [string, string, string];
    const victimOrphan = await uncommittedBlob(dataDir, victimId);
    const survivorBlob = await uncommittedBlob(dataDir, secondId);
    const victimTemporary = async () => (await readdir(join(dataDir, 'tmp'))).filter((name) => name.endsWith(`${victimId}.part`));
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
    assert.equal((await victimTemporary()).length, 2);
    assert.equal(await gateways[2]!.stop('SIGKILL'), null);
    const killedAt = Date.now();
    assert.deepEqual(await Promise.all(inFlight), ['failed', 'failed']);
    // Once its heartbeat is 5 s old, a survivor collects what the killed gateway left, and forgets it.
    await until(async () => (await victimTemporary()).length === 0 && !(await exists(victimOrphan)));
    assert.ok(Date.now() - killedAt >= 3000, `collected ${Date.now() - killedAt} ms after the kill: before the expiry`);
    assert.deepEqual((await db.query('SELECT id FROM gateways ORDER BY id')).rows.map((row) => row.id), [firstId, secondId].sort());
    assert.ok(await exists(survivorBlob), "a live gateway's uncommitted blob was collected");
    assert.equal(heldSettled, false, "the survivor's upload ended before the collection");
    await until(() => acknowledged.length >= writtenBeforeKill + 10);
    writing = false;
    await Promise.all(writers);
    held.finish();
    await heldPut;
    const heldObject = await second.send(new GetObjectCommand({ Bucket: bucket, Key: 'held' }));
    assert.equal((await heldObject.Body!.transformToByteArray()).length, HELD);

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
    for (const s3 of clients) s3.destroy();
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
