/** The SigV4 signing key (HMAC chain), cached per (secret, date, region, service). */
import { createHmac, hash } from 'node:crypto';

const CACHE_ENTRIES_MAX = 256;
const cache = new Map<string, Buffer>();

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"). */
export function getSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  // The secret is hashed so that the cache does not keep secrets as plain map keys (one-shot
  // `hash`: no Hash object per request).
  const cacheKey = `${hash('sha256', secretAccessKey, 'base64')}\n${date}\n${region}\n${service}`;
  const hit = cache.get(cacheKey);
  if (hit) {
    cache.delete(cacheKey); // refresh recency
    cache.set(cacheKey, hit);
    return hit;
  }
  const kDate = hmac('AWS4' + secretAccessKey, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const kSigning = hmac(kService, 'aws4_request');
  if (cache.size >= CACHE_ENTRIES_MAX) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(cacheKey, kSigning);
  return kSigning;
}

/** Hex HMAC-SHA256 of `stringToSign` under the signing key: the signature. */
export function signHex(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/** Number of cached signing keys (for tests). */
export function signingKeyCacheSize(): number {
  return cache.size;
}
