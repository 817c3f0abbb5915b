/** 16 MiB: about two thousand hot 4 KiB objects (each ~8 KiB sealed and plain), within the process's memory bounds. */
export const OPENED_INLINE_BYTES_MAX = 16 * 1024 * 1024;

/**
 * Plaintext of small objects recently opened, by the very Buffer of sealed bytes they were opened
 * from (an inline extent's `inline`, which the metadata store's latest-version cache hands out
 * again while that version is current). A hot 4 KiB GET then skips AES-GCM's set-up and pass: a
 * sixth to a third of its CPU time in A/B runs (docs/performance.md, session 9).
 *
 * Why a hit is what opening would return: the key is the sealed bytes' identity, not a name, so a
 * new version, an overwrite or a re-encryption (new bytes, a new Buffer) can never find another's
 * plaintext; and a hit is used only once the request's own keys have opened the blob's data key
 * (openInline in sealed-blobs.ts: a record moved to another object, or a master key no longer in
 * the ring, fails there as before; a disabled KMS key was refused earlier still). Only objects
 * whose data keys the server keeps in memory anyway come here (SSE-S3, SSE-KMS, DSSE-KMS): what
 * this holds could be decrypted from that memory already. SSE-C plaintext is never kept.
 *
 * A Buffer that is no longer reachable otherwise (a replaced version) stays here until it is the
 * least recently used: the bound counts all the memory an entry keeps alive (entryCost). Only bytes opened a second
 * time are kept: a store without a version cache (PostgreSQL, a read by version id) hands out new
 * Buffers on every read, which would only fill this with plaintext that no read can find.
 */
/** A Map entry's own bookkeeping, counted with the bytes it keeps alive. */
const ENTRY_BYTES = 128;

/**
 * What keeping `sealed` and `plain` holds in memory: their whole backing stores, not their
 * lengths — a small Buffer is often a slice of an 8 KiB pool slab (Buffer.from of a short base64
 * text is), which it keeps alive whole.
 */
export function entryCost(sealed: Buffer, plain: Buffer): number {
  return sealed.buffer.byteLength + plain.buffer.byteLength + ENTRY_BYTES;
}

export class OpenedInlineCache {
  private readonly entries = new Map<Buffer, { readonly plain: Buffer; readonly cost: number }>();
  /** Sealed bytes opened once (not held by this: a WeakSet). */
  private readonly openedOnce = new WeakSet<Buffer>();
  private bytes = 0;

  constructor(private readonly bytesMax: number) {}

  get(sealed: Buffer): Buffer | undefined {
    const entry = this.entries.get(sealed);
    if (entry === undefined) return undefined;
    this.entries.delete(sealed); // most recently used goes last
    this.entries.set(sealed, entry);
    return entry.plain;
  }

  /** `plain` was just opened from `sealed`: kept if these bytes were opened before. */
  opened(sealed: Buffer, plain: Buffer): void {
    if (!this.openedOnce.has(sealed)) {
      this.openedOnce.add(sealed);
      return;
    }
    const cost = entryCost(sealed, plain);
    if (cost > this.bytesMax || this.entries.has(sealed)) return;
    this.bytes += cost;
    for (const [oldSealed, old] of this.entries) {
      if (this.bytes <= this.bytesMax) break;
      this.entries.delete(oldSealed);
      this.bytes -= old.cost;
    }
    this.entries.set(sealed, { plain, cost });
  }

  get size(): number {
    return this.entries.size;
  }

  /** The memory the entries keep alive (entryCost of each). */
  get heldBytes(): number {
    return this.bytes;
  }
}
