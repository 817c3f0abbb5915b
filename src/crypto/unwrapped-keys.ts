/**
 * A bounded, least-recently-used memo of unwrapped data keys: unwrapKey(kek of `keyId`, wrapped,
 * aad). A hot small GET then costs one decryption (its data), not two. An entry answers only the
 * same wrapped bytes under the same key id and the same authenticated data it was unwrapped with,
 * and a key id names one key-encryption key for good (a master key's id is its hash; a KMS key's
 * id is a fresh UUID whose material never changes), so a hit returns exactly what unwrapping
 * would — and a wrapped key moved to another object (other authenticated data) misses and fails
 * as before. Whether the wrapping key may be used at all (a KMS key's state) is the caller's
 * check, made on every request before it comes here.
 */
export class UnwrappedKeys {
  /** By wrapped key, base64 (unique per blob: a fresh data key and nonce each). */
  private readonly entries = new Map<string, { readonly keyId: string; readonly aad: Buffer | undefined; readonly key: Buffer }>();

  constructor(private readonly max: number) {}

  get(keyId: string, wrappedBase64: string, aad?: Buffer): Buffer | undefined {
    const entry = this.entries.get(wrappedBase64);
    if (!entry || entry.keyId !== keyId || !sameAad(entry.aad, aad)) return undefined;
    this.entries.delete(wrappedBase64); // most recently used goes last
    this.entries.set(wrappedBase64, entry);
    return entry.key;
  }

  /** Only keys that did unwrap under (keyId, aad) come here. */
  set(keyId: string, wrappedBase64: string, key: Buffer, aad?: Buffer): void {
    if (!this.entries.has(wrappedBase64) && this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(wrappedBase64, { keyId, aad, key });
  }

  get size(): number {
    return this.entries.size;
  }

  has(wrappedBase64: string): boolean {
    return this.entries.has(wrappedBase64);
  }
}

function sameAad(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}
