import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';
import { SCHEMA_VERSION, SQLITE_MIGRATIONS } from '../../../src/store/meta/sqlite/migrations.js';

async function withDir(use: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-migrations-'));
  try {
    await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function appliedVersions(path: string): number[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT version FROM schema_version ORDER BY version').all() as { version: number }[]).map((r) => r.version);
  } finally {
    db.close();
  }
}

test('SqliteMetadataStore.open upgrades a version 1 database (made before versions were recorded) and keeps its data readable', () =>
  withDir(async (dir) => {
    const path = join(dir, 'metadata.sqlite');
    // What the store before schema versions made: the v1 tables, no schema_version, some data.
    const old = new Database(path);
    old.exec(SQLITE_MIGRATIONS[0]!.sql);
    old.prepare("INSERT INTO buckets VALUES ('old-bucket', ?, 1700000000000, 'us-east-1', 'Enabled', 0)").run('a'.repeat(64));
    old.prepare(`INSERT INTO versions (bucket, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id, attributes, tags, manifest)
      VALUES ('old-bucket', 'dir/key', 'v1', 1, 0, 5, 'etag1', 1700000000000, ?, ?, '[["k","v"]]', '[["blob1",0,5]]')`)
      .run('a'.repeat(64), JSON.stringify({ headers: { contentType: 'text/plain' }, userMetadata: { a: 'b' }, storageClass: 'STANDARD' }));
    old.prepare("INSERT INTO blobs VALUES ('blob1', 1)").run();
    old.close();

    const store = new SqliteMetadataStore({ path });
    try {
      assert.equal((await store.getBucket('old-bucket'))?.versioning, 'Enabled');
      const version = await store.getVersion('old-bucket', 'dir/key');
      assert.deepEqual(
        { etag: version?.etag, size: version?.size, tags: version?.tags, meta: version?.userMetadata, manifest: version?.manifest },
        { etag: 'etag1', size: 5, tags: [{ key: 'k', value: 'v' }], meta: { a: 'b' }, manifest: [{ blobId: 'blob1', offset: 0, length: 5 }] },
      );
      assert.deepEqual((await store.listBuckets('a'.repeat(64))).map((b) => b.name), ['old-bucket']);
      assert.deepEqual([...(await store.referencedBlobs(['blob1']))], ['blob1']);
      assert.deepEqual(await store.usage(), { buckets: 1, objects: 1, bytes: 5 }, 'migration 3 filled the totals');
    } finally {
      await store.close();
    }
    assert.deepEqual(appliedVersions(path), Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    const db = new Database(path, { readonly: true });
    assert.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'buckets_by_owner'").get(), 'migration 2 ran');
    db.close();
  }));

test('SqliteMetadataStore.open on a new file records every version; reopening applies nothing again', () =>
  withDir(async (dir) => {
    const path = join(dir, 'metadata.sqlite');
    await new SqliteMetadataStore({ path }).close();
    await new SqliteMetadataStore({ path }).close();
    assert.deepEqual(appliedVersions(path), Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
  }));

test('SqliteMetadataStore.open refuses a database from a newer Coffer, and leaves it untouched', () =>
  withDir(async (dir) => {
    const path = join(dir, 'metadata.sqlite');
    await new SqliteMetadataStore({ path }).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_version VALUES (?, 'from the future', 0)").run(SCHEMA_VERSION + 1);
    db.close();
    assert.throws(() => new SqliteMetadataStore({ path }), {
      message: `the metadata database is at schema version ${SCHEMA_VERSION + 1}, newer than this Coffer (${SCHEMA_VERSION}): upgrade Coffer`,
    });
    assert.equal(appliedVersions(path).at(-1), SCHEMA_VERSION + 1);
  }));
