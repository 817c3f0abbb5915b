/**
 * `coffer encrypt --all`: seals the objects written before encryption at rest (versions whose
 * extents have no sealing) under the master key, as SSE-S3. Per version: each extent in clear is
 * copied into a new sealed blob (durable before anything refers to it), the version's manifest is
 * swapped for the sealed one in one conditional metadata write (a concurrent overwrite or delete
 * of the version wins, and the sealed copy is dropped), then the blobs in clear are deleted.
 *
 * A journal (DATA_DIR/encrypt-pending.json) names the blobs of the versions in flight: after a
 * crash, the next run deletes those no metadata references — the old blobs in clear once the swap
 * committed, the sealed copies when it did not — so no plaintext blob outlives a finished run.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MasterKeyRing } from '../crypto/key-ring.js';
import { DataKeys, readBlob, writeSealedBlob } from '../crypto/sealed-blobs.js';
import type { BlobStore } from '../store/blob/blob-store.js';
import type { Extent, MetadataStore, ObjectVersion } from '../store/meta/metadata-store.js';

export const ENCRYPT_JOURNAL_FILE = 'encrypt-pending.json';

export interface EncryptAllOptions {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  readonly masterKeys: MasterKeyRing;
  readonly dataDir: string;
  /** Called after each version: how many are done of how many were found in clear. */
  readonly progress?: (done: number, total: number) => void;
}

export interface EncryptAllResult {
  /** Versions sealed by this run. */
  readonly encrypted: number;
  /** Versions overwritten or deleted while this run sealed them (nothing left in clear). */
  readonly superseded: number;
  /** Parts of uploads in progress stored in clear: sealed by a later run once completed. */
  readonly partsInClear: number;
}

const isClear = (extent: Extent) => extent.sealing === undefined;

/** Versions sealed side by side under one journal (bounded: each holds one blob write open). */
const BATCH_VERSIONS = 16;

export async function encryptAll(options: EncryptAllOptions): Promise<EncryptAllResult> {
  const { meta } = options;
  await finishPending(options);
  let total = 0;
  let partsInClear = 0;
  for await (const data of meta.scanData()) {
    if (data.kind === 'version' && data.version.manifest.some(isClear)) total++;
    else if (data.kind === 'part' && data.part.manifest.some(isClear)) partsInClear++;
  }
  let encrypted = 0;
  let superseded = 0;
  const flush = async (batch: readonly ObjectVersion[]) => {
    for (const applied of await sealVersions(options, batch)) {
      if (applied) encrypted++;
      else superseded++;
    }
    options.progress?.(encrypted + superseded, Math.max(total, encrypted + superseded));
  };
  let batch: ObjectVersion[] = [];
  for await (const data of meta.scanData()) {
    if (data.kind !== 'version' || !data.version.manifest.some(isClear)) continue;
    batch.push(data.version);
    if (batch.length === BATCH_VERSIONS) {
      await flush(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await flush(batch);
  await rm(journalPath(options.dataDir), { force: true });
  return { encrypted, superseded, partsInClear };
}

/**
 * Seals a batch of versions side by side (their blob writes and metadata commits share fsyncs),
 * under one journal; for each, false when it changed meanwhile (the change wins).
 */
async function sealVersions(options: EncryptAllOptions, versions: readonly ObjectVersion[]): Promise<boolean[]> {
  const { meta, blobs } = options;
  const sealed = await Promise.all(versions.map((version) => sealedCopy(options, version)));
  const journaled = versions.flatMap((version, i) => (sealed[i] ? [...version.manifest.filter(isClear).map((e) => e.blobId), ...sealed[i].written] : []));
  await writeJournal(options.dataDir, journaled);
  return Promise.all(versions.map(async (version, i) => {
    const copy = sealed[i];
    if (!copy) return false;
    const result = await meta.resealVersion(version.bucket, version.key, version.versionId, version.manifest, copy.manifest, version.encryption ?? { mode: 'AES256' });
    await blobs.delete(result.applied ? result.released : copy.written);
    return result.applied;
  }));
}

/** The version's manifest with each extent in clear copied into a new sealed blob; undefined when its data is gone (overwritten meanwhile). */
async function sealedCopy(options: EncryptAllOptions, version: ObjectVersion): Promise<{ manifest: Extent[]; written: string[] } | undefined> {
  const { blobs } = options;
  const keys = new DataKeys(options.masterKeys);
  const written: string[] = [];
  const manifest: Extent[] = [];
  try {
    for (const extent of version.manifest) {
      if (!isClear(extent)) {
        manifest.push(extent);
        continue;
      }
      const plain = readBlob(blobs, extent.blobId, extent.offset, extent.offset + extent.length, undefined, keys);
      const sealed = await writeSealedBlob(blobs, plain, keys, extent.length);
      written.push(sealed.blobId);
      manifest.push({ blobId: sealed.blobId, offset: 0, length: extent.length, sealing: sealed.sealing });
    }
  } catch (error) {
    await blobs.delete(written);
    if ((error as Error).name === 'BlobNotFoundError') return undefined;
    throw error;
  }
  return { manifest, written };
}

function journalPath(dataDir: string): string {
  return join(dataDir, ENCRYPT_JOURNAL_FILE);
}

/** Written to a temporary file, fsynced, renamed: it names every blob of the swap before the swap commits. */
async function writeJournal(dataDir: string, blobIds: readonly string[]): Promise<void> {
  const temporary = `${journalPath(dataDir)}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(blobIds));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, journalPath(dataDir));
  const directory = await open(dataDir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** After a crash: deletes the journaled blobs that no metadata references. */
async function finishPending(options: EncryptAllOptions): Promise<void> {
  let ids: string[];
  try {
    ids = JSON.parse(await readFile(journalPath(options.dataDir), 'utf8')) as string[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const referenced = await options.meta.referencedBlobs(ids);
  await options.blobs.delete(ids.filter((id) => !referenced.has(id)));
  await rm(journalPath(options.dataDir), { force: true });
}
