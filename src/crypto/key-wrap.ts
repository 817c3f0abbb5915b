import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { pooledRandomBytes } from './random-pool.js';
import { DATA_KEY_BYTES, NONCE_BYTES, TAG_BYTES } from './segments.js';

/**
 * Key wrapping: a data key sealed under a key-encryption key with AES-256-GCM, as
 * nonce (12) | ciphertext (32) | tag (16). A wrong key-encryption key fails the tag, and so does
 * other authenticated data (`aad`: an SSE-KMS encryption context) than the key was wrapped with.
 */
export function wrapKey(kek: Buffer, dataKey: Buffer, aad?: Buffer): Buffer {
  const wrapped = Buffer.allocUnsafe(NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES);
  const nonce = pooledRandomBytes(NONCE_BYTES);
  nonce.copy(wrapped, 0);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  if (aad) cipher.setAAD(aad);
  cipher.update(dataKey).copy(wrapped, NONCE_BYTES);
  cipher.final();
  cipher.getAuthTag().copy(wrapped, NONCE_BYTES + DATA_KEY_BYTES);
  return wrapped;
}

/** The data key, or undefined when `kek` (or `aad`) is not the one it was wrapped with. */
export function unwrapKey(kek: Buffer, wrapped: Buffer, aad?: Buffer): Buffer | undefined {
  if (wrapped.length !== NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, NONCE_BYTES));
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(wrapped.subarray(NONCE_BYTES + DATA_KEY_BYTES));
  try {
    const key = decipher.update(wrapped.subarray(NONCE_BYTES, NONCE_BYTES + DATA_KEY_BYTES));
    decipher.final();
    return key;
  } catch {
    return undefined;
  }
}

export function newDataKey(): Buffer {
  return pooledRandomBytes(DATA_KEY_BYTES);
}

const SALT_BYTES = 16;

/**
 * What is kept of an SSE-C customer key to recognise it later: salt | HMAC-SHA256(salt, key),
 * base64. The key itself is never stored.
 */
export function customerKeyFingerprint(customerKey: Buffer): string {
  const salt = randomBytes(SALT_BYTES);
  return Buffer.concat([salt, createHmac('sha256', salt).update(customerKey).digest()]).toString('base64');
}

export function matchesFingerprint(customerKey: Buffer, fingerprint: string): boolean {
  const stored = Buffer.from(fingerprint, 'base64');
  const expected = createHmac('sha256', stored.subarray(0, SALT_BYTES)).update(customerKey).digest();
  const mac = stored.subarray(SALT_BYTES);
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}

/**
 * The ETag of an object whose data key is `dataKey`: as on AWS under SSE-C and SSE-KMS, not the MD5
 * of the data (which would tell a reader with a guess of the plaintext whether it is right), yet
 * stable for the version, so conditional requests still work.
 */
export function opaqueEtag(dataKey: Buffer, md5: Buffer): string {
  return createHmac('sha256', dataKey).update(md5).digest().subarray(0, 16).toString('hex');
}
