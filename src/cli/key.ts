import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openMetadataStore } from '../coffer.js';
import { addMasterKey, dropOldMasterKeys } from '../crypto/key-ring.js';
import { KmsKeyRing } from '../crypto/kms-keys.js';

export const KEY_USAGE = `Usage: coffer key rotate-master [--data-dir DIR] [--metadata URL]
  Adds a new master key to DATA_DIR/master-keys.json and rewraps every SSE-S3 data key and every
  KMS key of the key ring with it (no object data is rewritten), then drops the old keys. Run it with the server stopped.
  Interrupted, it can be run again.`;

/** `coffer key rotate-master`. */
export async function runKeyCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { 'data-dir': { type: 'string' }, metadata: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals[0] !== 'rotate-master' || positionals.length !== 1) {
    console.log(KEY_USAGE);
    return values.help ? 0 : 2;
  }
  if (env.COFFER_MASTER_KEY_FILE) {
    console.error('coffer key rotate-master: the master key comes from COFFER_MASTER_KEY_FILE; rotate it there');
    return 2;
  }
  const dataDir = resolve(values['data-dir'] ?? (env.COFFER_DATA_DIR || './data'));
  const ring = await addMasterKey(dataDir);
  const meta = await openMetadataStore(values.metadata ?? (env.COFFER_METADATA || 'sqlite'), dataDir);
  let rewrapped: number;
  try {
    rewrapped = await meta.rewrapSealings((sealing) => {
      if (sealing.keyId === ring.currentKeyId || !ring.has(sealing.keyId)) return undefined;
      const dataKey = ring.unwrap(sealing.keyId, sealing.wrappedKey);
      return { ...sealing, keyId: ring.currentKeyId, wrappedKey: ring.wrap(dataKey).toString('base64') };
    });
  } finally {
    await meta.close();
  }
  await new KmsKeyRing(dataDir, ring).rewrap();
  await dropOldMasterKeys(dataDir);
  console.log(`master key rotated: now ${ring.currentId}; ${rewrapped} manifests rewrapped`);
  return 0;
}
