/**
 * AWS's rule for a read of an object that does not exist (GetObject, HeadObject, the copy source of
 * CopyObject, …): only a caller also allowed s3:ListBucket on the bucket may learn that the key is
 * absent (404 NoSuchKey / NoSuchVersion); anyone else gets 403 AccessDenied, so that the answer never
 * tells an absent key from a forbidden one to someone who could not list the bucket anyway.
 */
import { S3Error } from '../errors.js';
import type { ObjectVersion } from '../store/meta/metadata-store.js';
import { NULL_VERSION_ID } from '../ops/versioning/version-ids.js';

/** A read's "no such object" answer, which only a caller allowed s3:ListBucket may see. */
export function isMissingObject(error: unknown): error is S3Error {
  return error instanceof S3Error && (error.code === 'NoSuchKey' || error.code === 'NoSuchVersion');
}

export function isAccessDenied(error: unknown): error is S3Error {
  return error instanceof S3Error && error.code === 'AccessDenied';
}

/**
 * The 404 a read of `key` (at `versionId`) answers when the version is absent, or when the latest
 * version is a delete marker; undefined when the object exists (a delete marker named by its version
 * id exists: its read answers 405, not 404).
 */
export function missingObjectError(version: ObjectVersion | undefined, key: string, versionId: string | undefined): S3Error | undefined {
  if (version && !(version.isDeleteMarker && versionId === undefined)) return undefined;
  if (!version && versionId !== undefined && versionId !== NULL_VERSION_ID) return new S3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
  return new S3Error('NoSuchKey', undefined, { Key: key });
}
