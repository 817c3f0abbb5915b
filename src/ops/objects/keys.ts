import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { OperationContext } from '../types.js';

/** Keys are any UTF-8 up to 1024 bytes. */
export function checkKey(key: string): void {
  if (key.length > limits.keyBytesMax / 3 && Buffer.byteLength(key) > limits.keyBytesMax) {
    throw new S3Error('KeyTooLongError', undefined, { MaxSizeAllowed: limits.keyBytesMax, Size: Buffer.byteLength(key) });
  }
}

/**
 * An object's absolute URL, as the client addressed its bucket (virtual-hosted or path style):
 * the Location of a form upload's and a completed multipart upload's answers.
 */
export function objectUrl(ctx: Pick<OperationContext, 'headers' | 'secure' | 'bucket'>, key: string): string {
  const host = ctx.headers['host'] ?? '';
  const scheme = ctx.secure ? 'https' : 'http';
  const path = key.split('/').map(encodeURIComponent).join('/');
  return host.startsWith(`${ctx.bucket.name}.`) ? `${scheme}://${host}/${path}` : `${scheme}://${host}/${ctx.bucket.name}/${path}`;
}
