import type { BucketRecord } from '../store/meta/metadata-store.js';

/**
 * The one question every background removal asks before a version's data goes (lifecycle
 * expiration of a null version, noncurrent expiration, expired delete markers): may it?
 * Object lock is not built yet, so a bucket created with Object Lock enabled keeps every version:
 * its retention and legal holds cannot be read, and removing a protected version would be
 * irreversible. The lock implementation replaces this with the real retention / legal-hold check.
 */
export function mayRemoveVersion(bucket: BucketRecord, _version: { readonly key: string; readonly versionId: string }): boolean {
  return !bucket.objectLockEnabled;
}
