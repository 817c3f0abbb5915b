import { Readable } from 'node:stream';
import type { BlobStore } from '../store/blob/blob-store.js';
import type { Extent } from '../store/meta/metadata-store.js';

/**
 * Bytes [start, end) of an object made of extents, as one stream — a range may span several
 * parts' blobs. Blobs are opened one after another, only when reached.
 */
export function readManifest(blobs: BlobStore, manifest: readonly Extent[], start: number, end: number): Readable {
  const pieces: Array<{ blobId: string; from: number; to: number }> = [];
  let position = 0;
  for (const extent of manifest) {
    const extentEnd = position + extent.length;
    if (extentEnd > start && position < end) {
      const from = Math.max(start, position) - position + extent.offset;
      const to = Math.min(end, extentEnd) - position + extent.offset;
      pieces.push({ blobId: extent.blobId, from, to });
    }
    position = extentEnd;
    if (position >= end) break;
  }
  if (pieces.length === 1) return blobs.read(pieces[0]!.blobId, pieces[0]!.from, pieces[0]!.to);
  return Readable.from(
    (async function* () {
      for (const piece of pieces) yield* blobs.read(piece.blobId, piece.from, piece.to) as AsyncIterable<Buffer>;
    })(),
    { objectMode: false },
  );
}
