import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { access } from 'node:fs/promises';
import { FsBlobStore } from '../store/blob/fs-blob-store.js';
import { fsck } from '../store/fsck.js';
import { CUSTOMER_KEY_ID, loadMasterKeyRing } from '../crypto/key-ring.js';
import { KMS_KEY_PREFIX } from '../crypto/kms-keys.js';
import { DataKeys, readExtent } from '../crypto/sealed-blobs.js';
import { SqliteMetadataStore } from '../store/meta/sqlite/sqlite-store.js';
import { ProgressBar } from './progress.js';

export const FSCK_USAGE = `Usage: coffer fsck [options]
Checks that metadata and blobs agree: every object version and upload part has its blobs, with
the right sizes, and every blob file is referenced. Exit status: 0 consistent, 1 problems found,
2 bad usage. Safe while a server runs (it only reads); run --repair with the server stopped.
Embedded data dirs (SQLite metadata) only: a data dir shared by gateways on PostgreSQL is not
checked yet (no metadata.sqlite: exit 2).

  --data-dir DIR   data directory (COFFER_DATA_DIR, default ./data)
  --deep           also read every byte: MD5 against the ETag, and stored checksums
  --repair         move unreferenced blob files to DATA_DIR/lost+found/
  -h, --help       this help`;

const PROBLEMS_SHOWN_MAX = 1000;

export async function runFsck(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { 'data-dir': { type: 'string' }, deep: { type: 'boolean' }, repair: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${FSCK_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(FSCK_USAGE);
    return 0;
  }
  const dataDir = resolve(values['data-dir'] ?? (env.COFFER_DATA_DIR || './data'));
  const database = join(dataDir, 'metadata.sqlite');
  try {
    await access(database);
  } catch {
    console.error(`coffer fsck: no Coffer data in ${dataDir} (${database} not found)`);
    return 2;
  }
  const meta = new SqliteMetadataStore({ path: database });
  const blobs = await FsBlobStore.open(dataDir);
  const lostAndFound = join(dataDir, 'lost+found');
  const bar = new ProgressBar();
  try {
    // Encrypted blobs are verified through the master keys. A customer's (SSE-C) cannot be read
    // here, and SSE-KMS objects' ETags are not MD5s: those are checked for presence and size only.
    const keys = new DataKeys(await loadMasterKeyRing(dataDir));
    const unverifiable = (keyId: string | undefined) => keyId === CUSTOMER_KEY_ID || keyId?.startsWith(KMS_KEY_PREFIX) === true;
    const report = await fsck(meta, blobs, {
      deep: values.deep === true,
      readPlain: (extent, from, to) =>
        unverifiable(extent.sealing?.keyId) ? undefined : (readExtent(blobs, extent, from, to, keys) as AsyncIterable<Buffer>),
      repairUnreferenced: values.repair ? (blobId) => blobs.moveOut(blobId, lostAndFound) : undefined,
      onProgress: ({ phase, done, expected }) => bar.update({ blobs: 'listing blobs', rows: 'checking rows', unreferenced: 'unreferenced blobs' }[phase], done, expected),
    });
    bar.done();
    for (const problem of report.problems.slice(0, PROBLEMS_SHOWN_MAX)) console.log(`${problem.kind}: ${problem.where}: ${problem.detail}`);
    if (report.problems.length > PROBLEMS_SHOWN_MAX) console.log(`… and ${report.problems.length - PROBLEMS_SHOWN_MAX} more`);
    const repaired = report.repaired > 0 ? `; ${report.repaired} unreferenced blob(s) moved to ${lostAndFound}` : '';
    console.log(`checked ${report.rows} rows and ${report.blobs} blobs${values.deep ? ' (deep)' : ''}: ${report.problems.length} problem(s)${repaired}`);
    return report.problems.length === 0 ? 0 : 1;
  } finally {
    bar.done();
    await meta.close();
  }
}
