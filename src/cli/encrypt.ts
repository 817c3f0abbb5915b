import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openMetadataStore } from '../coffer.js';
import { loadMasterKeyRing } from '../crypto/key-ring.js';
import { encryptAll } from '../jobs/encrypt-all.js';
import { FsBlobStore } from '../store/blob/fs-blob-store.js';
import { ProgressBar } from './progress.js';

export const ENCRYPT_USAGE = `Usage: coffer encrypt --all [--data-dir DIR] [--metadata URL] [--master-key-file FILE]
  Encrypts at rest (SSE-S3, under the master key) every object version written before Coffer
  encrypted data: a sealed copy of its data is written and synced, the version switched to it
  atomically, then the copy in clear deleted. Safe while the server runs (a concurrent overwrite
  wins); interrupted, even by a crash, it can be run again and finishes the job.`;

/** `coffer encrypt --all`. */
export async function runEncryptCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      all: { type: 'boolean' }, 'data-dir': { type: 'string' }, metadata: { type: 'string' }, 'master-key-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || !values.all || positionals.length > 0) {
    console.log(ENCRYPT_USAGE);
    return values.help ? 0 : 2;
  }
  const dataDir = resolve(values['data-dir'] ?? (env.COFFER_DATA_DIR || './data'));
  const masterKeys = await loadMasterKeyRing(dataDir, values['master-key-file'] ?? (env.COFFER_MASTER_KEY_FILE || undefined));
  const meta = await openMetadataStore(values.metadata ?? (env.COFFER_METADATA_URL || 'sqlite'), dataDir);
  const bar = new ProgressBar();
  let result;
  try {
    const blobs = await FsBlobStore.open(dataDir);
    result = await encryptAll({ meta, blobs, masterKeys, dataDir, progress: (done, total) => bar.update('encrypting', done, total) });
  } finally {
    bar.done();
    await meta.close();
  }
  console.log(`encrypted ${result.encrypted} object versions and ${result.partsEncrypted} parts of uploads in progress; ${result.superseded} changed meanwhile (their new data is encrypted)`);
  return 0;
}
