import { opaqueId } from '../opaque-id.js';
import type { BucketRecord } from '../../store/meta/metadata-store.js';

export const NULL_VERSION_ID = 'null';

/** Opaque, unique, 32 URL-safe characters like AWS's version ids. */
export function newVersionId(): string {
  return opaqueId(24);
}

/** The id a new write gets: a fresh one when versioning is Enabled, else the null version's. */
export function versionIdForWrite(bucket: BucketRecord): string {
  return bucket.versioning === 'Enabled' ? newVersionId() : NULL_VERSION_ID;
}

/**
 * The x-amz-version-id a write (PutObject, CopyObject, CompleteMultipartUpload, POST) answers
 * with: the new id when versioning is Enabled; none otherwise. AWS's PutObject examples show a
 * versioning-suspended PUT without the header although the object is stored as the null version
 * (DeleteObject differs: a suspended DELETE answers `x-amz-version-id: null`).
 */
export function writtenVersionIdHeader(bucket: BucketRecord, versionId: string): string | undefined {
  return bucket.versioning === 'Enabled' ? versionId : undefined;
}

/** Whether responses about this bucket's objects carry x-amz-version-id (reads: 'null' included). */
export function showsVersionIds(bucket: BucketRecord): boolean {
  return bucket.versioning !== 'Unversioned';
}
