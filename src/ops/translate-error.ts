import { S3Error, isS3Error, type S3ErrorCode } from '../errors.js';
import { BlobTooLargeError } from '../store/blob/blob-store.js';
import { CommitUncertainError, StoreError, type StoreErrorCode } from '../store/meta/metadata-store.js';

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
  ObjectLocked: 'AccessDenied',
  WriterFenced: 'ServiceUnavailable',
};

/** AWS's words when a version's retention or legal hold refuses its deletion or replacement. */
export const OBJECT_LOCKED_MESSAGE = 'Access Denied because object protected by object lock.';

const STORE_ERROR_MESSAGES: Partial<Record<StoreErrorCode, string>> = {
  ObjectLocked: OBJECT_LOCKED_MESSAGE,
};

/**
 * The one translation of what stores throw into S3 errors: used by the HTTP edge for a failed
 * request, and by operations that answer per item (DeleteObjects). Unknown errors → undefined:
 * the caller logs them and answers InternalError.
 */
export function toS3Error(error: unknown): S3Error | undefined {
  if (isS3Error(error)) return error;
  if (error instanceof StoreError) return new S3Error(STORE_ERRORS[error.code], STORE_ERROR_MESSAGES[error.code]);
  if (error instanceof BlobTooLargeError) return new S3Error('EntityTooLarge');
  return undefined;
}

/**
 * The answer to an error no S3 code describes (an I/O or database failure), which the caller logs:
 * failures a retry may well get past answer 503 — SlowDown when the server is short of a shared
 * resource (file descriptors, a busy database), ServiceUnavailable when storage is full — and
 * anything else 500 InternalError. SDKs retry all three.
 */
export function failureResponse(error: unknown): S3Error {
  const failure = error instanceof CommitUncertainError ? error.cause : error;
  const code = String((failure as { code?: unknown } | undefined)?.code ?? '');
  if (BUSY_CODES.has(code) || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new S3Error('SlowDown');
  if (FULL_CODES.has(code)) return new S3Error('ServiceUnavailable');
  return new S3Error('InternalError');
}

const BUSY_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY']);
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
