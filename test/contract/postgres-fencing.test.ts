/**
 * The fence of a shared data dir (PostgreSQL only: the embedded SQLite data dir has one owner, a
 * lock file, no registry and no collector running beside writes, so it has nothing to fence). A
 * store opened with `fenceBlobWriters` refuses, in the commit's transaction, any commit that makes
 * a version or a part reference a new blob whose writer (its id's last 8 characters) is marked
 * dead or not registered; the refused commit leaves nothing. Blobs already referenced (a copy)
 * and inline bodies are not checked. A marking UPDATE in flight holds a commit off until it
 * commits, and the commit then fails; a heartbeat never waits for commits.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { StoreError, type Extent, type NewVersion } from '../../src/store/meta/metadata-store.js';
import { PostgresMetadataStore } from '../../src/store/meta/postgres/postgres-store.js';
import { SQL } from '../../src/store/meta/postgres/statements.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.js';

const skip = await postgresSkipReason();
const OWNER = 'a'.repeat(64);
const LIVE = '11111111';
const DEAD = '22222222';
const GONE = '33333333';

/** Inline bytes are always sealed (encrypted at rest); the sealing's values do not matter here. */
const INLINE_SEALING = { sealing: { keyId: 'master:0123456789abcdef', wrappedKey: 'd3JhcHBlZA==', nonceBase: 'AAAAAAAAAAAAAAAA', segmentBytes: 65536, blobBytes: 1 } };

const blobOf = (writer: string) => randomBytes(12).toString('hex') + writer;
const extent = (blobId: string): Extent => ({ blobId, offset: 0, length: 1 });

function version(key: string, manifest: readonly Extent[]): NewVersion {
  return {
    bucket: 'fence', key, versionId: 'null', isDeleteMarker: false, size: 1, etag: 'e', lastModified: new Date(), ownerId: OWNER,
    headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest,
  };
}

async function rejectsFenced(write: Promise<unknown>): Promise<void> {
  await assert.rejects(write, (error: unknown) => error instanceof StoreError && error.code === 'WriterFenced');
}

describe('PostgreSQL: the fence on commits of a dead writer\'s blobs', { skip }, () => {
  let db: TestDatabase;
  let store: PostgresMetadataStore;
  before(async () => {
    db = await createTestDatabase();
    store = await PostgresMetadataStore.open({ url: db.url, fenceBlobWriters: true });
    await store.createBucket({ name: 'fence', ownerId: OWNER, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    await db.query('DELETE FROM gateways; DELETE FROM gateway_heartbeats');
    const now = new Date();
    await store.registerGateway(LIVE, now);
    await store.registerGateway(DEAD, now);
    await store.markGatewaysDead([{ id: DEAD, heartbeatAt: now }], now);
  });

  test('putVersion.a new blob of a dead-marked or unregistered writer: WriterFenced, and nothing left', async () => {
    for (const [key, writer] of [['dead', DEAD], ['gone', GONE]] as const) {
      const blobId = blobOf(writer);
      await rejectsFenced(store.putVersion(version(key, [extent(blobId)])));
      assert.equal(await store.getVersion('fence', key), undefined);
      assert.deepEqual([...(await store.referencedBlobs([blobId]))], []);
    }
    // One extent of a dead writer among live ones is enough.
    await rejectsFenced(store.putVersion(version('mixed', [extent(blobOf(LIVE)), extent(blobOf(DEAD))])));
    assert.equal(await store.getVersion('fence', 'mixed'), undefined);
  });

  test('putPart.a new blob of a dead-marked writer: WriterFenced, the part not stored', async () => {
    await store.createUpload({ uploadId: 'u1', bucket: 'fence', key: 'mp', initiated: new Date(), ownerId: OWNER, headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [] });
    const blobId = blobOf(DEAD);
    await rejectsFenced(store.putPart('fence', 'u1', { partNumber: 1, size: 1, etag: 'p', lastModified: new Date(), manifest: [extent(blobId)] }));
    assert.deepEqual((await store.listParts('fence', 'u1', 0, 10)).entries, []);
    assert.deepEqual([...(await store.referencedBlobs([blobId]))], []);
  });

  test('putVersion.a live writer\'s new blob, a copy of a dead writer\'s referenced blob, and an inline body commit', async () => {
    const live = blobOf(LIVE);
    await store.putVersion(version('live', [extent(live)]));
    // Referenced before its writer was marked: a copy only adds a reference to a kept blob.
    const now = new Date();
    await store.registerGateway('44444444', now);
    const kept = blobOf('44444444');
    await store.putVersion(version('kept', [extent(kept)]));
    await store.markGatewaysDead([{ id: '44444444', heartbeatAt: now }], now);
    await store.putVersion(version('copy', [extent(kept)]), undefined, { sharedBlobs: true });
    await store.putVersion(version('inline', [{ ...INLINE_SEALING, blobId: '', offset: 0, length: 1, inline: Buffer.from('x') }]));
    assert.deepEqual([...(await store.referencedBlobs([live, kept]))].sort(), [live, kept].sort());
    assert.ok(await store.getVersion('fence', 'inline'));
  });

  test('renewGateway.not held up by the fence: a heartbeat lands while commits hold the writer\'s row FOR SHARE', async () => {
    const committer = new pg.Client({ connectionString: db.url });
    await committer.connect();
    try {
      await committer.query('BEGIN');
      await committer.query(SQL.liveWriters, [[LIVE]]);
      const renewed = store.renewGateway(LIVE, new Date());
      const late = new Promise((resume) => setTimeout(resume, 2000, 'waited'));
      assert.equal(await Promise.race([renewed, late]), true);
      await committer.query('COMMIT');
    } finally {
      await committer.end();
    }
  });

  test('putVersion.racing the marking: a commit waits for the marking transaction, then fails', async () => {
    const marker = new pg.Client({ connectionString: db.url });
    await marker.connect();
    try {
      const heartbeatAt = (await store.listGateways()).find((g) => g.id === LIVE)!.heartbeatAt;
      await marker.query('BEGIN');
      await marker.query(SQL.markGatewaysDead, [[LIVE], [heartbeatAt.getTime()], Date.now()]);
      let settled = false;
      const write = store.putVersion(version('raced', [extent(blobOf(LIVE))])).finally(() => (settled = true));
      write.catch(() => {});
      await new Promise((resume) => setTimeout(resume, 300));
      assert.equal(settled, false, 'the commit did not wait for the marking');
      await marker.query('COMMIT');
      await rejectsFenced(write);
      assert.equal(await store.getVersion('fence', 'raced'), undefined);
    } finally {
      await marker.end();
    }
  });
});
