import { S3Error } from '../errors.js';
import { limits } from '../limits.js';
import type { BucketRecord } from '../store/meta/metadata-store.js';
import type { OperationContext } from './types.js';

/**
 * The bucket the request names, if the caller may act on it. Until ACLs and policies arrive,
 * only the bucket's owner may; anonymous callers never.
 */
export async function requireOwnedBucket(ctx: OperationContext): Promise<BucketRecord> {
  const bucket = await ctx.services.meta.getBucket(ctx.route.bucket);
  if (!bucket) throw new S3Error('NoSuchBucket');
  if (!ctx.user || ctx.user.id !== bucket.ownerId) throw new S3Error('AccessDenied');
  return bucket;
}

/** The caller, for operations that need one (no anonymous access). */
export function requireUser(ctx: OperationContext) {
  if (!ctx.user) throw new S3Error('AccessDenied');
  return ctx.user;
}

/** Keys are any UTF-8 up to 1024 bytes. */
export function checkKey(key: string): void {
  if (key.length > limits.keyBytesMax / 3 && Buffer.byteLength(key) > limits.keyBytesMax) {
    throw new S3Error('KeyTooLongError', undefined, { MaxSizeAllowed: limits.keyBytesMax, Size: Buffer.byteLength(key) });
  }
}
