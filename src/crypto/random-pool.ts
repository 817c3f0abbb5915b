import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for data keys and nonces, taken from a pooled CSPRNG buffer: one `randomFillSync`
 * per POOL_BYTES instead of one `randomBytes` call (and its allocation) per key and nonce — a small
 * PUT needs three. Every call gets bytes no other call got: the pool is never refilled in place
 * (a new one is made when it runs out), so a returned view stays as it was handed out.
 */
const POOL_BYTES = 8 * 1024;

let pool = Buffer.alloc(0);
let used = 0;

/** `size` fresh random bytes (a view into the current pool; at most POOL_BYTES). */
export function pooledRandomBytes(size: number): Buffer {
  if (size > POOL_BYTES) throw new RangeError(`pooledRandomBytes: ${size} bytes is more than a pool`);
  if (used + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
    used = 0;
  }
  const bytes = pool.subarray(used, used + size);
  used += size;
  return bytes;
}
