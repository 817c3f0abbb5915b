import type { BlobStore } from './blob/blob-store.js';
import type { MetadataStore } from './meta/metadata-store.js';

const BATCH = 500;
/** betweenBatches is also awaited after this many listed blobs, candidates or not (a long listing keeps its lease). */
const LISTED_PER_CHECK = 10_000;

/** What a collection pass may remove, if unreferenced. */
export interface OrphanSelection {
  /** Blobs and temporary files last modified before this time (ms since the epoch)… */
  readonly olderThanMs: number;
  /** …and, whatever their age, those of these writers (gateways known dead: src/jobs/orphan-collector.ts). */
  readonly writers?: ReadonlySet<string>;
  /** Awaited between batches (a job renews its lease there; throwing ends the pass). */
  readonly betweenBatches?: () => Promise<void>;
}

/**
 * Removes what an interrupted write leaves: temporary files, and blobs that no version or part
 * references (written, but the metadata commit never happened). Only those `selection` names are
 * candidates — old enough, or written by a dead gateway — so a write in flight elsewhere is never
 * collected.
 */
export async function collectOrphans(meta: MetadataStore, blobs: BlobStore, selection: OrphanSelection): Promise<{ blobs: number; temporary: number }> {
  const writers = selection.writers ?? new Set<string>();
  const temporary = await blobs.sweepTemporary(selection.olderThanMs, writers);
  let removed = 0;
  let batch: string[] = [];
  const flush = async () => {
    const referenced = await meta.referencedBlobs(batch);
    const orphans = batch.filter((id) => !referenced.has(id));
    await blobs.delete(orphans);
    removed += orphans.length;
    batch = [];
    await selection.betweenBatches?.();
  };
  let listed = 0;
  for await (const blob of blobs.list()) {
    if (++listed % LISTED_PER_CHECK === 0) await selection.betweenBatches?.();
    if (blob.modifiedMs >= selection.olderThanMs && !writers.has(blob.writer)) continue;
    batch.push(blob.blobId);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return { blobs: removed, temporary };
}
