import type { VersionLock } from '../store/meta/metadata-store.js';
import { lockProtects } from '../store/meta/object-lock.js';

/**
 * The one question every background removal asks before a version's data goes (lifecycle
 * expiration of a null version, noncurrent expiration, expired delete markers): may it? Not while
 * its object lock protects it — a legal hold, or a retention (either mode: lifecycle has no
 * governance bypass) whose date is still ahead on the wall clock. The store asks the same in the
 * removal's transaction (removeVersionIf), so a lock set after the scan still holds; this answer
 * lets the pass skip and count the version without trying.
 */
export function mayRemoveVersion(version: { readonly lock?: VersionLock }): boolean {
  return !lockProtects(version.lock, new Date());
}
