import { S3Error, isS3Error, type S3ErrorCode } from '../errors.js';
import { BlobTooLargeError } from '../store/blob/blob-store.js';
import { StoreError, type StoreErrorCode } from '../store/meta/metadata-store.js';

/** Store errors that no operation handled, as the S3 error they mean. */
const STORE_ERRORS: Record<StoreErrorCode, S3ErrorCode> = {
  BucketExists: 'BucketAlreadyExists',
  BucketNotFound: 'NoSuchBucket',
  BucketNotEmpty: 'BucketNotEmpty',
  TooManyBuckets: 'TooManyBuckets',
  ObjectNotFound: 'NoSuchKey',
  VersionNotFound: 'NoSuchVersion',
  UploadNotFound: 'NoSuchUpload',
  PreconditionFailed: 'PreconditionFailed',
  ConditionalConflict: 'ConditionalRequestConflict',
};

/**
 * The one translation of what stores throw into S3 errors: used by the HTTP edge for a failed
 * request, and by operations that answer per item (DeleteObjects). Unknown errors → undefined:
 * the caller logs them and answers InternalError.
 */
export function toS3Error(error: unknown): S3Error | undefined {
  if (isS3Error(error)) return error;
  if (error instanceof StoreError) return new S3Error(STORE_ERRORS[error.code]);
  if (error instanceof BlobTooLargeError) return new S3Error('EntityTooLarge');
  return undefined;
}
