import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CommitUncertainError } from '../../../src/store/meta/metadata-store.js';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';
import { WalSyncer } from '../../../src/store/meta/sqlite/wal-sync.js';
import type { IoProbe } from '../../../src/store/io-probe.js';

const injected = (code: string) => Object.assign(new Error(`${code}: injected`), { code });

test('WalSyncer.afterAFailedFsyncNothingIsDurableUntilRecovered', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-wal-'));
  try {
    const wal = join(dir, 'db-wal');
    await writeFile(wal, '');
    let failNext = true;
    let recoverFails = true;
    let recoveries = 0;
    const probe: IoProbe = (site) => {
      if (site === 'meta.walSync' && failNext) {
        failNext = false;
        throw injected('EIO');
      }
    };
    const syncer = new WalSyncer(wal, {
      probe,
      recover: () => {
        recoveries++;
        if (recoverFails) throw injected('EIO');
      },
    });
    await assert.rejects(syncer.durable(), { code: 'EIO' });
    // The next fsync would succeed, but the frames the failed one covered may be gone: no pretending.
    await assert.rejects(syncer.durable(), { code: 'EIO' });
    assert.equal(recoveries, 1);
    recoverFails = false;
    await syncer.durable();
    assert.equal(recoveries, 2);
    await syncer.durable();
    assert.equal(recoveries, 2, 'recovered once, trusted again');
    syncer.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SqliteMetadataStore.aFailedWalFsyncFailsTheWriteAsUncertainThenCheckpoints', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-wal-'));
  let failNext = false;
  const probe: IoProbe = (site) => {
    if (site === 'meta.walSync' && failNext) {
      failNext = false;
      throw injected('EIO');
    }
  };
  const store = new SqliteMetadataStore({ path: join(dir, 'meta.sqlite'), probe });
  try {
    const bucket = (name: string) => ({ name, ownerId: 'a'.repeat(64), createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned' as const, objectLockEnabled: false });
    await store.createBucket(bucket('one'));
    failNext = true;
    const failed = await store.createBucket(bucket('two')).then(() => undefined, (error: unknown) => error);
    assert.ok(failed instanceof CommitUncertainError, `got ${String(failed)}`);
    assert.equal((failed.cause as { code?: string }).code, 'EIO');
    // Committed (visible) though not known durable; the next write checkpoints and succeeds.
    assert.ok(await store.getBucket('two'));
    await store.createBucket(bucket('three'));
    assert.deepEqual((await store.listBuckets()).map((b) => b.name), ['one', 'three', 'two']);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
