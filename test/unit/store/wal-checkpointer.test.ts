import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { NewVersion } from '../../../src/store/meta/metadata-store.js';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';
import { GroupCommitter } from '../../../src/store/meta/sqlite/group-commit.js';
import { CHECKPOINT_WRITES, WalCheckpointer } from '../../../src/store/meta/sqlite/checkpointer.js';

const OWNER = 'a'.repeat(64);
const bucket = { name: 'wal', ownerId: OWNER, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned' as const, objectLockEnabled: false };

function version(key: string): NewVersion {
  // ~6 KiB of manifest per row (as an inline 4 KiB object's), so the WAL grows by pages per write.
  return {
    bucket: 'wal', key, versionId: 'null', isDeleteMarker: false, size: 4096, etag: 'e'.repeat(32), lastModified: new Date(),
    ownerId: OWNER, headers: {}, userMetadata: { pad: 'x'.repeat(6000) }, storageClass: 'STANDARD', tags: [], manifest: [],
  };
}

test('WalCheckpointer.theWalIsCheckpointedOffTheLoopAndReusedUnderSustainedWrites', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-ckpt-'));
  const path = join(dir, 'meta.sqlite');
  const store = new SqliteMetadataStore({ path });
  try {
    await store.createBucket(bucket);
    // 16 writers without pause for 8 checkpoint intervals: the WAL is only reused if a checkpoint
    // finds no write in progress, which the held last pass provides.
    const writes = 8 * CHECKPOINT_WRITES;
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < writes) await store.putVersion(version(`k-${next++}`));
    }));
    // Each write adds two or three 4 KiB pages: without checkpoints that is ~25 MiB of WAL (and
    // SQLite's backstop would wait for 10,000 pages); with them, about one interval's worth.
    const walBytes = (await stat(`${path}-wal`)).size;
    assert.ok(walBytes < 12 * 1024 * 1024, `WAL of ${walBytes} bytes`);
    assert.equal((await store.getVersion('wal', `k-${writes - 1}`))?.userMetadata.pad?.length, 6000);
  } finally {
    await store.close();
  }
  // Every acknowledged write is in the database once the WAL is gone (closing checkpoints the rest).
  const db = new Database(path, { readonly: true });
  try {
    assert.equal((db.prepare("SELECT count(*) AS n FROM versions WHERE bucket = 'wal'").get() as { n: number }).n, 8 * CHECKPOINT_WRITES);
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('GroupCommitter.holdKeepsBatchesBackUntilItsWorkIsDone', async () => {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE t (v INTEGER)');
    const committer = new GroupCommitter(db);
    let release!: () => void;
    const held = committer.hold(() => new Promise<void>((r) => (release = r)));
    const write = committer.run(() => db.prepare('INSERT INTO t VALUES (1)').run());
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 0, 'nothing committed while held');
    release();
    await held;
    await write;
    assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 1);
  } finally {
    db.close();
  }
});

test('WalCheckpointer.aWorkerThatCannotCheckpointHandsBackToSqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-ckpt-'));
  try {
    let fellBack: Error | undefined;
    // No such database: the worker fails to open it.
    const checkpointer = new WalCheckpointer(join(dir, 'missing.sqlite'), {
      hold: (work) => work(),
      fallBack: (error) => (fellBack = error),
      threshold: 1,
    });
    checkpointer.committed(1);
    for (let waited = 0; !fellBack && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    assert.ok(fellBack, 'fallBack called');
    assert.equal(checkpointer.completed, 0);
    await checkpointer.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
