import type { BlobStore } from './blob/blob-store.js';
import type { MetadataStore } from './meta/metadata-store.js';

const BATCH = 500;

/**
 * Removes what an interrupted write leaves: temporary files, and blobs that no version or part
 * references (written, but the metadata commit never happened). Only blobs older than
 * `olderThanMs` are candidates, so a write in flight elsewhere is never collected.
 */
export async function collectOrphans(meta: MetadataStore, blobs: BlobStore, olderThanMs: number): Promise<{ blobs: number; temporary: number }> {
  const temporary = await blobs.sweepTemporary(olderThanMs);
  let removed = 0;
  let batch: string[] = [];
  const flush = async () => {
    const referenced = await meta.referencedBlobs(batch);
    const orphans = batch.filter((id) => !referenced.has(id));
    await blobs.delete(orphans);
    removed += orphans.length;
    batch = [];
  };
  for await (const blob of blobs.list()) {
    if (blob.modifiedMs >= olderThanMs) continue;
    batch.push(blob.blobId);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return { blobs: removed, temporary };
}
