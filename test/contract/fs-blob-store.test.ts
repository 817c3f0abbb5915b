import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import type { IoProbe } from '../../src/store/io-probe.js';
import { blobStoreContract } from './blob-store.contract.js';

blobStoreContract('fs', async () => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-blob-contract-'));
  const store = await FsBlobStore.open(root);
  return {
    store,
    temporaryFiles: () => readdir(join(root, 'tmp')),
    leaveTemporaryFile: (writerId?: string) =>
      writeFile(join(root, 'tmp', writerId ? `${randomBytes(12).toString('hex')}${writerId}.part` : 'crashed.part'), 'partial'),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
});

/** A large body in odd-sized chunks: several batches written at once, flushed in the background. */
function largeBody(): { data: Buffer; source: () => AsyncGenerator<Buffer> } {
  const data = randomBytes(20 * 1024 * 1024 + 12_345);
  return {
    data,
    source: async function* () {
      for (let at = 0; at < data.length; at += 65_553) yield data.subarray(at, at + 65_553);
    },
  };
}

async function withStore(probe: IoProbe | undefined, run: (store: FsBlobStore, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'coffer-blob-writer-'));
  try {
    await run(await FsBlobStore.open(root, { probe }), root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('FsBlobStore.write of a large body: batches written side by side at their positions read back in order', async () => {
  const sites: string[] = [];
  await withStore((site) => void sites.push(site), async (store) => {
    const { data, source } = largeBody();
    const { blobId, size } = await store.write(source());
    assert.equal(size, data.length);
    assert.ok((await store.readBuffer(blobId, 0, size)).equals(data));
    // Flushed in the background as it was written, then synced at the end.
    assert.ok(sites.filter((site) => site === 'blob.fsync').length >= 2);
  });
});

for (const [site, nth] of [['blob.fsync', 1], ['blob.write', 3]] as const) {
  test(`FsBlobStore.write of a large body: a failed ${site} (the ${nth === 1 ? 'first, a background flush' : 'third'}) fails the write and leaves nothing`, async () => {
    let calls = 0;
    const probe: IoProbe = (called) => {
      if (called === site && ++calls === nth) throw Object.assign(new Error(`EIO: injected at ${site}`), { code: 'EIO' });
    };
    await withStore(probe, async (store, root) => {
      await assert.rejects(store.write(largeBody().source()), /EIO: injected/);
      assert.deepEqual(await readdir(join(root, 'tmp')), []);
      const ids: string[] = [];
      for await (const blob of store.list()) ids.push(blob.blobId);
      assert.deepEqual(ids, []);
    });
  });
}
