import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';

test('SqliteMetadataStore.usageTotals: a database made before the totals existed gets them counted by migration 3 when opened', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-usage-'));
  const path = join(dir, 'meta.sqlite');
  try {
    const store = new SqliteMetadataStore({ path });
    await store.createBucket({ name: 'b1', ownerId: 'o', createdAt: new Date(), region: 'us-east-1', versioning: 'Enabled', objectLockEnabled: false });
    for (const [versionId, size, isDeleteMarker] of [['v1', 5, false], ['v2', 8, false], ['v3', 0, true]] as const) {
      await store.putVersion({
        bucket: 'b1', key: 'k', versionId, isDeleteMarker, size, etag: 'e', lastModified: new Date(), ownerId: 'o', headers: {}, userMetadata: {},
        storageClass: 'STANDARD', tags: [], manifest: isDeleteMarker ? [] : [{ blobId: versionId.padStart(32, '0'), offset: 0, length: size }],
      });
    }
    await store.close();
    // As an earlier Coffer left it: at schema version 3, no totals table, no triggers (nor what later migrations add).
    const raw = new Database(path);
    raw.exec(`DROP TRIGGER usage_totals_insert; DROP TRIGGER usage_totals_delete; DROP TABLE usage_totals; DROP TABLE outbox;
      ALTER TABLE buckets DROP COLUMN access; DROP TABLE access_keys; DROP TABLE users; DROP TABLE identity_revision;
      ALTER TABLE versions DROP COLUMN object_lock; DROP TABLE access_log; DROP TABLE gateways; DROP TABLE gateway_heartbeats;
      DELETE FROM schema_version WHERE version >= 4;`);
    raw.close();

    const reopened = new SqliteMetadataStore({ path });
    assert.deepEqual(await reopened.usage(), { buckets: 1, objects: 2, bytes: 13 });
    await reopened.deleteVersion('b1', 'k', 'v1');
    assert.deepEqual(await reopened.usage(), { buckets: 1, objects: 1, bytes: 8 });
    await reopened.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
