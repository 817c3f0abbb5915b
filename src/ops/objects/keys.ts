import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';

/** Keys are any UTF-8 up to 1024 bytes. */
export function checkKey(key: string): void {
  if (key.length > limits.keyBytesMax / 3 && Buffer.byteLength(key) > limits.keyBytesMax) {
    throw new S3Error('KeyTooLongError', undefined, { MaxSizeAllowed: limits.keyBytesMax, Size: Buffer.byteLength(key) });
  }
}
