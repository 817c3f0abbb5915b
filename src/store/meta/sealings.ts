import type { BlobSealing, Extent } from './metadata-store.js';

/** Rows rewrapped per transaction by rewrapSealings. */
export const REWRAP_BATCH_ROWS = 500;

/** Whether two manifests name the same extents of the same blobs, sealed alike. */
export function sameManifest(a: readonly Extent[], b: readonly Extent[]): boolean {
  return a.length === b.length && a.every((extent, i) => JSON.stringify(extent) === JSON.stringify(b[i]));
}

/** The manifest with each sealing `rewrap` replaces, or undefined when it replaces none. */
export function rewrapManifest(manifest: readonly Extent[], rewrap: (sealing: BlobSealing) => BlobSealing | undefined): Extent[] | undefined {
  let changed = false;
  const out = manifest.map((extent) => {
    const sealing = extent.sealing && rewrap(extent.sealing);
    if (!sealing) return extent;
    changed = true;
    return { ...extent, sealing };
  });
  return changed ? out : undefined;
}
