import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
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
