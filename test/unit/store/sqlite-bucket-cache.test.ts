import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';

const bucket = (ownerId: string) => ({ name: 'b1', ownerId, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned' as const, objectLockEnabled: false });

test('SqliteMetadataStore.bucketCache stays right across delete, re-create and versioning changes (on disk, WAL synced)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-cache-'));
  const store = new SqliteMetadataStore({ path: join(dir, 'meta.sqlite') });
  try {
    await store.createBucket(bucket('owner-a'));
    assert.equal((await store.getBucket('b1'))?.ownerId, 'owner-a');
    await store.setBucketVersioning('b1', 'Enabled');
    assert.equal((await store.getBucket('b1'))?.versioning, 'Enabled');
    await store.deleteBucket('b1');
    assert.equal(await store.getBucket('b1'), undefined);
    await store.createBucket(bucket('owner-b'));
    const again = await store.getBucket('b1');
    assert.equal(again?.ownerId, 'owner-b');
    assert.equal(again?.versioning, 'Unversioned');
    // Concurrent writes in one batch all resolve (after the WAL fsync).
    await Promise.all([store.setBucketVersioning('b1', 'Suspended'), store.putBucketConfig('b1', 'cors', '<x/>')]);
    assert.equal((await store.getBucket('b1'))?.versioning, 'Suspended');
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
