/**
 * `coffer encrypt --all`: seals the data written before encryption at rest (extents with no
 * sealing, of object versions and of parts of uploads in progress) under the master key, as
 * SSE-S3. Per row: each extent in clear is copied into a new sealed blob (durable before anything
 * refers to it), the row's manifest is swapped for the sealed one in one conditional metadata write
 * (a concurrent overwrite, delete, part upload, completion or abort wins, and the sealed copy is
 * dropped), then the blobs in clear are deleted. An upload whose part is sealed gets SSE-S3 as its
 * encryption (it had none), which the object it completes into reports.
 *
 * A journal (DATA_DIR/encrypt-pending.json) names the blobs of the rows in flight: after a
 * crash, the next run deletes those no metadata references — the old blobs in clear once the swap
 * committed, the sealed copies when it did not — so no plaintext blob outlives a finished run.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MasterKeyRing } from '../crypto/key-ring.js';
import { DataKeys, readBlob, writeSealedBlob } from '../crypto/sealed-blobs.js';
import type { BlobStore } from '../store/blob/blob-store.js';
import type { Extent, MetadataStore, ReleaseResult, StoredData } from '../store/meta/metadata-store.js';

export const ENCRYPT_JOURNAL_FILE = 'encrypt-pending.json';

export interface EncryptAllOptions {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  readonly masterKeys: MasterKeyRing;
  readonly dataDir: string;
  /** Called after each batch: how many rows are done of how many were found in clear. */
  readonly progress?: (done: number, total: number) => void;
}

export interface EncryptAllResult {
  /** Versions sealed by this run. */
  readonly encrypted: number;
  /** Parts of uploads in progress sealed by this run. */
  readonly partsEncrypted: number;
  /** Versions and parts overwritten or deleted while this run sealed them (nothing left in clear). */
  readonly superseded: number;
}

const isClear = (extent: Extent) => extent.sealing === undefined;

/** A row holding data in clear, and the conditional swap of its manifest for a sealed one. */
interface ClearRow {
  readonly kind: StoredData['kind'];
  readonly manifest: readonly Extent[];
  reseal(sealed: readonly Extent[]): Promise<ReleaseResult & { applied: boolean }>;
}

function clearRowOf(meta: MetadataStore, data: StoredData): ClearRow | undefined {
  if (data.kind === 'version') {
    const { version } = data;
    if (!version.manifest.some(isClear)) return undefined;
    return {
      kind: 'version',
      manifest: version.manifest,
      reseal: (sealed) => meta.resealVersion(version.bucket, version.key, version.versionId, version.manifest, sealed, version.encryption ?? { mode: 'AES256' }),
    };
  }
  const { part, uploadId } = data;
  if (!part.manifest.some(isClear)) return undefined;
  return { kind: 'part', manifest: part.manifest, reseal: (sealed) => meta.resealPart(uploadId, part.partNumber, part.manifest, sealed, { mode: 'AES256' }) };
}

/** Rows sealed side by side under one journal (bounded: each holds one blob write open). */
const BATCH_ROWS = 16;

export async function encryptAll(options: EncryptAllOptions): Promise<EncryptAllResult> {
  const { meta } = options;
  await finishPending(options);
  let total = 0;
  for await (const data of meta.scanData()) if (clearRowOf(meta, data)) total++;
  const done = { version: 0, part: 0 };
  let superseded = 0;
  // A part whose upload completed meanwhile is in clear in the version it became: another pass
  // seals it. Passes end, as nothing new is ever stored in clear.
  for (let partsSuperseded = -1; partsSuperseded !== 0;) {
    partsSuperseded = 0;
    const flush = async (batch: readonly ClearRow[]) => {
      const applied = await sealRows(options, batch);
      batch.forEach((row, i) => {
        if (applied[i]) done[row.kind]++;
        else if (row.kind === 'part') partsSuperseded++;
        else superseded++;
      });
      const finished = done.version + done.part + superseded;
      options.progress?.(finished, Math.max(total, finished));
    };
    let batch: ClearRow[] = [];
    for await (const data of meta.scanData()) {
      const row = clearRowOf(meta, data);
      if (!row) continue;
      batch.push(row);
      if (batch.length === BATCH_ROWS) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await flush(batch);
    superseded += partsSuperseded;
  }
  await rm(journalPath(options.dataDir), { force: true });
  return { encrypted: done.version, partsEncrypted: done.part, superseded };
}

/**
 * Seals a batch of rows side by side (their blob writes and metadata commits share fsyncs),
 * under one journal; for each, false when it changed meanwhile (the change wins).
 */
async function sealRows(options: EncryptAllOptions, rows: readonly ClearRow[]): Promise<boolean[]> {
  const { blobs } = options;
  const sealed = await Promise.all(rows.map((row) => sealedCopy(options, row.manifest)));
  const journaled = rows.flatMap((row, i) => (sealed[i] ? [...row.manifest.filter(isClear).map((e) => e.blobId), ...sealed[i].written] : []));
  await writeJournal(options.dataDir, journaled);
  return Promise.all(rows.map(async (row, i) => {
    const copy = sealed[i];
    if (!copy) return false;
    const result = await row.reseal(copy.manifest);
    await blobs.delete(result.applied ? result.released : copy.written);
    return result.applied;
  }));
}

/** The manifest with each extent in clear copied into a new sealed blob; undefined when its data is gone (overwritten meanwhile). */
async function sealedCopy(options: EncryptAllOptions, source: readonly Extent[]): Promise<{ manifest: Extent[]; written: string[] } | undefined> {
  const { blobs } = options;
  const keys = new DataKeys(options.masterKeys);
  const written: string[] = [];
  const manifest: Extent[] = [];
  try {
    for (const extent of source) {
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
