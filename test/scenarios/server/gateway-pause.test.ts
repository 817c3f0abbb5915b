/**
 * A gateway paused past the expiry (SIGSTOP: a GC stop, a VM freeze) may not acknowledge what the
 * orphan collector deleted meanwhile. Gateway A runs in-process, gateway B is a child process, on
 * one PostgreSQL database and one data dir, with a 1 s heartbeat and a 3 s expiry. B receives a
 * blob-backed PUT and writes its blob; its commit is held (the test locks the bucket's row) until
 * B is stopped. A judges B dead, marks it, collects the blob and forgets B. B resumes, its commit
 * runs: the fence refuses it, the client gets 503 ServiceUnavailable — never a 2xx — and the key
 * is not listed. B then registers under a new id and writes again; every acknowledged write reads
 * back.
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startChildServer, type ChildServer } from '../../helpers/child-server.js';
import { createTestDatabase, postgresSkipReason } from '../../helpers/postgres.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';

const skip = await postgresSkipReason();
/** Longer than what is stored inline: a blob file. */
const BODY = Buffer.alloc(128 * 1024, 'p');

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resume) => setTimeout(resume, 20));
  }
}

const exists = (path: string) => access(path).then(() => true, () => false);

test('Gateways.paused past the expiry: its late commit is fenced (503, never a 2xx), nothing acknowledged is lost, and it writes again under a new id', { skip }, async () => {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-gateway-pause-'));
  const timings = { COFFER_GATEWAY_HEARTBEAT_SECONDS: '1', COFFER_GATEWAY_EXPIRY_SECONDS: '3' };
  let a: TestServer | undefined;
  let b: ChildServer | undefined;
  const locker = new pg.Client({ connectionString: db.url });
  try {
    a = await startServer({ metadata: db.url, dataDir, gatewayHeartbeatSeconds: 1, gatewayExpirySeconds: 3 });
    b = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir, '--metadata', db.url], {
      COFFER_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId, COFFER_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey, ...timings,
    });
    const viaA = a.client();
    // One attempt: an SDK retry of the 503 could land after B re-registered and hide the answer.
    const viaB = new S3Client({ endpoint: b.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: ROOT_KEYS, maxAttempts: 1 });
    const bucket = await a.newBucket('pause');
    const oldId = /"gatewayId":"([0-9a-f]{8})"/.exec(b.stdout())![1]!;

    const acknowledged = new Map<string, Buffer>();
    for (const [key, body] of [['before-blob', BODY], ['before-inline', Buffer.from('small')]] as const) {
      await viaB.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      acknowledged.set(key, body);
    }
    const blobsOfOld = async () => (await readdir(join(dataDir, 'blobs'), { recursive: true })).filter((path) => path.endsWith(oldId));
    const committed = new Set(await blobsOfOld());

    // Hold B's next commit: its transaction starts by locking the bucket's row FOR KEY SHARE.
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM buckets WHERE name = $1 FOR UPDATE', [bucket]);
    let settled = false;
    const late = viaB.send(new PutObjectCommand({ Bucket: bucket, Key: 'late', Body: BODY })).finally(() => (settled = true));
    late.catch(() => {});
    // Its blob is in place (written, synced, renamed): only the commit is left.
    let lateBlob = '';
    await until(async () => {
      lateBlob = (await blobsOfOld()).find((path) => !committed.has(path)) ?? '';
      return lateBlob !== '';
    }, "B's blob");
    b.process.kill('SIGSTOP');
    const pausedAt = Date.now();
    await locker.query('COMMIT');

    // A writes on while B is stopped; once B's heartbeat is 3 s old, A marks it, collects, forgets it.
    const registered = async (id: string) => ((await db.query('SELECT 1 FROM gateways WHERE id = $1', [id])).rowCount ?? 0) > 0;
    for (let i = 0; await registered(oldId); i++) {
      assert.ok(Date.now() - pausedAt < 20_000, 'B not collected within 20 s');
      const key = `during-${i}`;
      await viaA.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: BODY }));
      acknowledged.set(key, BODY);
      await new Promise((resume) => setTimeout(resume, 100));
    }
    assert.ok(Date.now() - pausedAt >= 2000, `B judged dead ${Date.now() - pausedAt} ms after its pause`);
    assert.equal(await exists(join(dataDir, 'blobs', lateBlob)), false, "B's uncommitted blob was not collected");
    assert.equal(settled, false);

    b.process.kill('SIGCONT');
    await expectS3Error(late, 'ServiceUnavailable', 503, 'Service is unable to handle request.');
    const listed = (await viaA.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((o) => o.Key) ?? [];
    assert.ok(!listed.includes('late'), 'the fenced object is listed');
    assert.deepEqual(listed.sort(), [...acknowledged.keys()].sort());

    // B renews, finds itself judged dead, and registers anew: its writes carry the new id.
    const gatewayIds = async () => (await db.query('SELECT id FROM gateways')).rows.map((row) => row.id as string);
    await until(async () => (await gatewayIds()).length === 2, 'a new registration of B');
    assert.ok(!(await gatewayIds()).includes(oldId), `the judged id ${oldId} is registered again`);
    await viaB.send(new PutObjectCommand({ Bucket: bucket, Key: 'after', Body: BODY }));
    acknowledged.set('after', BODY);
    assert.deepEqual(await blobsOfOld(), [...committed], 'B wrote under its judged id after it resumed');
    for (const [key, body] of acknowledged) {
      for (const s3 of [viaA, viaB]) {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        assert.ok(Buffer.from(await object.Body!.transformToByteArray()).equals(body), `${key} reads back wrong`);
      }
    }
    viaB.destroy();
  } finally {
    await locker.end().catch(() => {});
    b?.process.kill('SIGCONT');
    await b?.stop();
    await a?.stop();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
