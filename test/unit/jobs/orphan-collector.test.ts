/**
 * The orphan collector job against a real SQLite store and blob store, with short timings: a
 * gateway whose heartbeat stops moving is collected for, whatever its clock says, and a gateway
 * whose heartbeat moves is not, however old its clock says the heartbeat is; it is marked dead
 * (the fence) before anything of its is removed, and a gateway left marked by a collector that died
 * mid-pass is finished by the next pass, without waiting for an expiry.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOrphanCollector, type CollectionPass } from '../../../src/jobs/orphan-collector.js';
import { FsBlobStore } from '../../../src/store/blob/fs-blob-store.js';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';

const OWNER = 'a'.repeat(64);
const SELF = 'aaaaaaaa';
const LIVE = 'bbbbbbbb';
const DEAD = 'cccccccc';

let dir: string;
let meta: SqliteMetadataStore;
let blobs: FsBlobStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coffer-orphan-collector-'));
  meta = new SqliteMetadataStore({ path: ':memory:' });
  blobs = await FsBlobStore.open(dir, { writerId: SELF });
});
afterEach(async () => {
  await meta.close();
  await rm(dir, { recursive: true, force: true });
});

/** A blob file of `writer`, as its rename into place leaves it; returns its id. */
async function blobOf(writer: string): Promise<string> {
  const blobId = randomBytes(12).toString('hex') + writer;
  const folder = join(dir, 'blobs', blobId.slice(0, 2), blobId.slice(2, 4));
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, blobId), 'bytes');
  return blobId;
}

async function temporaryOf(writer: string): Promise<string> {
  const path = join(dir, 'tmp', `${randomBytes(12).toString('hex')}${writer}.part`);
  await writeFile(path, 'part');
  return path;
}

const exists = (path: string) => access(path).then(() => true, () => false);
const blobPath = (blobId: string) => join(dir, 'blobs', blobId.slice(0, 2), blobId.slice(2, 4), blobId);

test('OrphanCollector.collects for a gateway whose heartbeat stopped moving, never for one whose heartbeat moves', async () => {
  const far = new Date(Date.now() + 3_600_000);
  await meta.registerGateway(SELF, new Date());
  // Its clock is an hour ahead, but it stopped: dead.
  await meta.registerGateway(DEAD, far);
  // Its clock is a day behind, but it renews: alive.
  let liveClock = Date.now() - 86_400_000;
  await meta.registerGateway(LIVE, new Date(liveClock));
  const renewing = setInterval(() => void meta.renewGateway(LIVE, new Date((liveClock += 50))), 50);

  await meta.createBucket({ name: 'bkt', ownerId: OWNER, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
  const committed = await blobOf(DEAD);
  await meta.putVersion({
    bucket: 'bkt', key: 'k', versionId: 'null', isDeleteMarker: false, size: 5, etag: 'e', lastModified: new Date(), ownerId: OWNER,
    headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest: [{ blobId: committed, offset: 0, length: 5 }],
  });
  const deadOrphan = await blobOf(DEAD);
  const deadTemporary = await temporaryOf(DEAD);
  const liveBlob = await blobOf(LIVE);
  const liveTemporary = await temporaryOf(LIVE);
  const ownBlob = await blobOf(SELF);

  const passes: CollectionPass[] = [];
  const errors: unknown[] = [];
  const started = Date.now();
  const collector = startOrphanCollector({
    meta, blobs, self: () => SELF, checkMs: 50, expiryMs: 400, ageMs: 86_400_000, logError: (error) => errors.push(error), onPass: (pass) => passes.push(pass),
  });
  try {
    while (!passes.some((pass) => pass.dead.length > 0)) {
      assert.ok(Date.now() - started < 10_000, 'no collection within 10 s');
      await new Promise((resume) => setTimeout(resume, 20));
    }
  } finally {
    clearInterval(renewing);
    await collector.stop();
  }
  assert.ok(Date.now() - started >= 400, 'judged dead before the expiry');
  assert.deepEqual(errors, []);
  // Marked dead (the fence) before the collection: the unit it ran under holds no write of its.
  // The first pass is the start-up age sweep (nothing is a day old); then the dead gateway's.
  assert.deepEqual(passes.at(-1), { dead: [DEAD], ageSweep: false, blobs: 1, temporary: 1 });
  assert.equal(await exists(blobPath(deadOrphan)), false);
  assert.equal(await exists(deadTemporary), false);
  assert.equal(await exists(blobPath(committed)), true);
  assert.equal(await exists(blobPath(liveBlob)), true);
  assert.equal(await exists(liveTemporary), true);
  assert.equal(await exists(blobPath(ownBlob)), true);
  assert.deepEqual((await meta.listGateways()).map((g) => g.id), [SELF, LIVE]);
  // The lease was given back.
  assert.equal((await meta.peekLease('orphan-collector')).holder, undefined);
});

test('OrphanCollector.a gateway left marked dead by an interrupted pass is collected by the next, and forgotten', async () => {
  await meta.registerGateway(SELF, new Date());
  await meta.registerGateway(DEAD, new Date());
  await meta.markGatewaysDead([{ id: DEAD, heartbeatAt: (await meta.listGateways()).find((g) => g.id === DEAD)!.heartbeatAt }], new Date());
  const orphan = await blobOf(DEAD);
  const passes: CollectionPass[] = [];
  const errors: unknown[] = [];
  // An expiry far longer than the test: only the mark can make it collect.
  const collector = startOrphanCollector({
    meta, blobs, self: () => SELF, checkMs: 50, expiryMs: 60_000, ageMs: 86_400_000, logError: (error) => errors.push(error), onPass: (pass) => passes.push(pass),
  });
  try {
    const started = Date.now();
    while (!passes.some((pass) => pass.dead.length > 0)) {
      assert.ok(Date.now() - started < 5_000, 'no collection within 5 s');
      await new Promise((resume) => setTimeout(resume, 20));
    }
  } finally {
    await collector.stop();
  }
  assert.deepEqual(errors, []);
  assert.deepEqual(passes.find((pass) => pass.dead.length > 0), { dead: [DEAD], ageSweep: true, blobs: 1, temporary: 0 });
  assert.equal(await exists(blobPath(orphan)), false);
  assert.deepEqual((await meta.listGateways()).map((g) => g.id), [SELF]);
});
