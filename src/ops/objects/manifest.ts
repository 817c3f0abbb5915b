import type { Extent } from '../../store/meta/metadata-store.js';

/**
 * Bytes [start, end) of an object's manifest as a manifest of their own: extents of the same
 * blobs, trimmed at both ends. No byte is read or copied (UploadPartCopy shares blobs this way).
 */
export function sliceManifest(manifest: readonly Extent[], start: number, end: number): Extent[] {
  const out: Extent[] = [];
  let position = 0;
  for (const extent of manifest) {
    const extentEnd = position + extent.length;
    if (extentEnd > start && position < end) {
      const from = Math.max(start, position);
      const to = Math.min(end, extentEnd);
      out.push({ ...extent, offset: extent.offset + (from - position), length: to - from });
    }
    position = extentEnd;
    if (position >= end) break;
  }
  return out;
}

/** Concatenation of manifests, merging extents that continue one another in the same blob. */
export function concatManifests(manifests: Iterable<readonly Extent[]>): Extent[] {
  const out: Extent[] = [];
  for (const manifest of manifests) {
    for (const extent of manifest) {
      if (extent.length === 0) continue;
      const last = out[out.length - 1];
      if (last && last.blobId === extent.blobId && last.inline === extent.inline && last.offset + last.length === extent.offset) {
        out[out.length - 1] = { ...last, length: last.length + extent.length };
      } else {
        out.push(extent);
      }
    }
  }
  return out;
}
