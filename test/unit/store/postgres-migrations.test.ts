import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresMetadataStore } from '../../../src/store/meta/postgres/postgres-store.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from '../../../src/store/meta/postgres/migrations.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../../helpers/postgres.js';

const skip = await postgresSkipReason();

describe('PostgreSQL migrations', { skip }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  const applied = async () => (await db.query('SELECT version FROM schema_version ORDER BY version')).rows.map((r: { version: number }) => r.version);

  test('PostgresMetadataStore.open by several gateways at once: one migrates, each version is applied once, all can write', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresMetadataStore.open({ url: db.url })));
    try {
      assert.deepEqual(await applied(), Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
      await stores[0]!.createBucket({ name: 'b', ownerId: 'o', createdAt: new Date(0), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
      for (const store of stores) assert.equal((await store.getBucket('b'))?.ownerId, 'o');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    // Reopening finds nothing to do and keeps the data.
    const again = await PostgresMetadataStore.open({ url: db.url });
    try {
      assert.equal((await again.getBucket('b'))?.name, 'b');
      assert.deepEqual(await applied(), Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
    } finally {
      await again.close();
    }
  });

  test('PostgresMetadataStore.open refuses a database from a newer Coffer', async () => {
    await db.query("INSERT INTO schema_version VALUES ($1, 'from the future', 0)", [POSTGRES_SCHEMA_VERSION + 1]);
    await assert.rejects(PostgresMetadataStore.open({ url: db.url }), {
      message: `the metadata database is at schema version ${POSTGRES_SCHEMA_VERSION + 1}, newer than this Coffer (${POSTGRES_SCHEMA_VERSION}): upgrade Coffer`,
    });
  });

  test('PostgresMetadataStore.keys with U+0000, control characters and astral code points round-trip and list in byte order', async () => {
    await db.query('DELETE FROM schema_version WHERE version > $1', [POSTGRES_SCHEMA_VERSION]);
    const store = await PostgresMetadataStore.open({ url: db.url });
    try {
      await store.createBucket({ name: 'keys', ownerId: 'o', createdAt: new Date(0), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
      const keys = ['a\u0000b', 'a', 'a\u0001', '\u0000', '\t\n\r', 'a\u{1F600}', 'a\uFFFD'];
      for (const key of keys) {
        await store.putVersion({
          bucket: 'keys', key, versionId: 'null', isDeleteMarker: false, size: 0, etag: 'e', lastModified: new Date(0), ownerId: 'o',
          headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest: [],
        });
      }
      for (const key of keys) assert.equal((await store.getVersion('keys', key))?.key, key);
      const listed = (await store.listObjects('keys', { prefix: '', delimiter: '', after: '', limit: 100 })).entries.map((e) => (e.kind === 'object' ? e.version.key : e.prefix));
      assert.deepEqual(listed, [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      assert.deepEqual((await store.listObjects('keys', { prefix: 'a\u0000', delimiter: '', after: '', limit: 100 })).entries.length, 1);
    } finally {
      await store.close();
    }
  });

  test('PostgresMetadataStore.usage: totals of a version 1 database are filled by the migration, then kept by writes from every gateway', async () => {
    const old = await createTestDatabase();
    const stores: PostgresMetadataStore[] = [];
    try {
      await old.query('CREATE TABLE schema_version (version integer PRIMARY KEY, description text NOT NULL, applied_at bigint NOT NULL)');
      await old.query(POSTGRES_MIGRATIONS[0]!.sql);
      await old.query("INSERT INTO schema_version VALUES (1, 'v1', 0)");
      await old.query("INSERT INTO buckets (name, owner_id, created_at, region) VALUES ('b', 'o', 0, 'us-east-1')");
      await old.query(`INSERT INTO versions (bucket, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id, attributes, tags, manifest)
        VALUES ('b', 'old', 'null', true, false, 5, 'e', 0, 'o', '{}', '[]', '[]'), ('b', 'gone', 'v1', true, true, 0, 'e', 0, 'o', '{}', '[]', '[]')`);
      stores.push(await PostgresMetadataStore.open({ url: old.url }), await PostgresMetadataStore.open({ url: old.url }));
      assert.deepEqual(await stores[0]!.usage(), { buckets: 1, objects: 1, bytes: 5 });
      const put = (store: PostgresMetadataStore, key: string, size: number) => store.putVersion({
        bucket: 'b', key, versionId: 'null', isDeleteMarker: false, size, etag: 'e', lastModified: new Date(0), ownerId: 'o',
        headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest: [],
      });
      // Concurrent writers (each gateway its own connections) to different keys: none conflicts on the totals.
      await Promise.all(Array.from({ length: 20 }, (_, i) => put(stores[i % 2]!, `k${i}`, i)));
      await put(stores[1]!, 'old', 7); // replaces the 5-byte version
      assert.deepEqual(await stores[0]!.usage(), { buckets: 1, objects: 21, bytes: 190 + 7 });
      await stores[0]!.deleteVersion('b', 'k19', 'null');
      assert.deepEqual(await stores[1]!.usage(), { buckets: 1, objects: 20, bytes: 171 + 7 });
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await old.drop();
    }
  });
});
