/**
 * Several gateways on one PostgreSQL database: each store below is what one gateway process
 * holds (its own pool, its own in-process write queue), so writes through different stores race
 * for real, in the database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreError, type MetadataStore, type NewVersion } from '../../src/store/meta/metadata-store.js';
import { PostgresMetadataStore } from '../../src/store/meta/postgres/postgres-store.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.js';
import { newBlobId } from './metadata-store.contract.js';

const skip = await postgresSkipReason();
const OWNER = 'a'.repeat(64);
const GATEWAYS = 3;

function version(bucket: string, key: string, etag: string): NewVersion {
  return {
    bucket, key, versionId: 'null', isDeleteMarker: false, size: 1, etag, lastModified: new Date(), ownerId: OWNER,
    headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest: [{ blobId: newBlobId(), offset: 0, length: 1 }],
  };
}

describe('PostgreSQL: gateways racing on one database', { skip }, () => {
  let db: TestDatabase;
  let gateways: MetadataStore[];
  before(async () => {
    db = await createTestDatabase();
    gateways = await Promise.all(Array.from({ length: GATEWAYS }, () => PostgresMetadataStore.open({ url: db.url })));
    await gateways[0]!.createBucket({ name: 'race', ownerId: OWNER, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
  });
  after(async () => {
    await Promise.all(gateways?.map((g) => g.close()) ?? []);
    await db?.drop();
  });

  test('putVersion.ifNoneMatch: 16 writers of a new key over 3 gateways, exactly one wins, every time', async () => {
    for (let round = 0; round < 5; round++) {
      const key = `new-${round}`;
      const writes = Array.from({ length: 16 }, (_, i) => version('race', key, `e${i}`));
      const results = await Promise.allSettled(writes.map((v, i) => gateways[i % GATEWAYS]!.putVersion(v, { ifNoneMatch: '*' })));
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
      for (const r of results) {
        if (r.status === 'rejected') assert.ok(r.reason instanceof StoreError && r.reason.code === 'PreconditionFailed', String(r.reason));
      }
      assert.equal((await gateways[1]!.getVersion('race', key))?.etag, `e${winners[0]}`);
      const blobs = writes.map((v) => v.manifest[0]!.blobId);
      assert.deepEqual([...(await gateways[2]!.referencedBlobs(blobs))], [blobs[winners[0]!]], 'losers hold no reference');
    }
  });

  test('putVersion.unconditional writers of one key over 3 gateways: one latest version, every other blob released once', async () => {
    const writes = Array.from({ length: 12 }, (_, i) => version('race', 'overwritten', `w${i}`));
    const results = await Promise.all(writes.map((v, i) => gateways[i % GATEWAYS]!.putVersion(v)));
    const released = results.flatMap((r) => r.released);
    const latest = await gateways[0]!.getVersion('race', 'overwritten');
    const kept = latest!.manifest[0]!.blobId;
    assert.deepEqual([...released].sort(), writes.map((v) => v.manifest[0]!.blobId).filter((b) => b !== kept).sort());
    const listed = await gateways[1]!.listVersions('race', { prefix: 'overwritten', delimiter: '', keyMarker: '', versionIdMarker: '', limit: 100 });
    assert.equal(listed.entries.length, 1);
  });

  test('createBucket.ownerBucketsMax holds across gateways: 9 creations racing for 4 places', async () => {
    const owner = 'c'.repeat(64);
    const results = await Promise.allSettled(Array.from({ length: 9 }, (_, i) => gateways[i % GATEWAYS]!.createBucket(
      { name: `owned-${i}`, ownerId: owner, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false }, 4,
    )));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 4);
    for (const r of results) {
      if (r.status === 'rejected') assert.ok(r.reason instanceof StoreError && r.reason.code === 'TooManyBuckets', String(r.reason));
    }
    assert.equal((await gateways[0]!.listBuckets(owner)).length, 4);
  });
});
