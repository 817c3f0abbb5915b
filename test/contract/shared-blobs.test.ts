import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteMetadataStore } from '../../src/store/meta/sqlite/sqlite-store.js';
import type { NewVersion } from '../../src/store/meta/metadata-store.js';

function version(key: string, blobId: string): NewVersion {
  return {
    bucket: 'b', key, versionId: 'null', isDeleteMarker: false, size: 4, etag: 'e', lastModified: new Date(), ownerId: 'o',
    headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest: [{ blobId, offset: 0, length: 4 }],
  };
}

// A copy resolves its source, then commits: if the source was deleted in between, the copy must
// fail rather than reference a blob that has been released (and deleted from disk).
test('putVersion.sharedBlobs refuses a blob released since the source was read', async () => {
  const store = new SqliteMetadataStore({ path: ':memory:' });
  await store.createBucket({ name: 'b', ownerId: 'o', createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
  await store.putVersion(version('src', 'a'.repeat(32)));
  const { released } = await store.deleteVersion('b', 'src', 'null');
  assert.deepEqual(released, ['a'.repeat(32)]);
  await assert.rejects(store.putVersion(version('dst', 'a'.repeat(32)), undefined, { sharedBlobs: true }), { code: 'ConditionalConflict' });
  assert.equal(await store.getVersion('b', 'dst'), undefined);

  await store.putVersion(version('src2', 'c'.repeat(32)));
  await store.putVersion(version('dst2', 'c'.repeat(32)), undefined, { sharedBlobs: true });
  assert.deepEqual((await store.deleteVersion('b', 'src2', 'null')).released, [], 'the copy still references the blob');
  assert.deepEqual((await store.deleteVersion('b', 'dst2', 'null')).released, ['c'.repeat(32)]);
  await store.close();
});

test('putPart.sharedBlobs refuses a released blob', async () => {
  const store = new SqliteMetadataStore({ path: ':memory:' });
  await store.createBucket({ name: 'b', ownerId: 'o', createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
  await store.createUpload({ uploadId: 'u', bucket: 'b', key: 'k', initiated: new Date(), ownerId: 'o', headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [] });
  const part = { partNumber: 1, size: 4, etag: 'e', lastModified: new Date(), manifest: [{ blobId: 'd'.repeat(32), offset: 0, length: 4 }] };
  await assert.rejects(store.putPart('b', 'u', part, { sharedBlobs: true }), { code: 'ConditionalConflict' });
  await store.close();
});
