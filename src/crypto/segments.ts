import { createCipheriv, createDecipheriv } from 'node:crypto';
import { pooledRandomBytes } from './random-pool.js';

/**
 * AES-256-GCM in fixed-size segments. A blob is the concatenation of its segments, each the
 * ciphertext of up to `segmentBytes` plaintext bytes followed by its 16-byte tag; segment i is
 * sealed under the blob's data key with nonce = nonceBase with i XORed into its last 4 bytes.
 * A read of bytes [from, to) opens only the segments that hold them (ranges, partNumber reads).
 */
export const SEGMENT_BYTES = 64 * 1024;
export const TAG_BYTES = 16;
export const NONCE_BYTES = 12;
export const DATA_KEY_BYTES = 32;

/** How one blob's bytes are sealed (key material excluded). */
export interface SegmentLayout {
  readonly nonceBase: Buffer;
  readonly segmentBytes: number;
}

export function newLayout(): SegmentLayout {
  return { nonceBase: pooledRandomBytes(NONCE_BYTES), segmentBytes: SEGMENT_BYTES };
}

function nonceFor(base: Buffer, index: number): Buffer {
  const nonce = Buffer.from(base);
  nonce.writeUInt32BE((nonce.readUInt32BE(NONCE_BYTES - 4) ^ index) >>> 0, NONCE_BYTES - 4);
  return nonce;
}

/** Bytes on disk for `plainBytes` bytes of plaintext. */
export function sealedSize(plainBytes: number, segmentBytes: number): number {
  return plainBytes + Math.ceil(plainBytes / segmentBytes) * TAG_BYTES;
}

/** Encrypts a plaintext stream into segments as it arrives (one segment's cipher open at a time). */
export async function* sealSegments(plain: AsyncIterable<Buffer>, key: Buffer, layout: SegmentLayout): AsyncGenerator<Buffer> {
  const { segmentBytes, nonceBase } = layout;
  let index = 0;
  let filled = 0;
  let cipher = createCipheriv('aes-256-gcm', key, nonceFor(nonceBase, index));
  for await (const chunk of plain) {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(segmentBytes - filled, chunk.length - at);
      yield cipher.update(take === chunk.length ? chunk : chunk.subarray(at, at + take));
      at += take;
      filled += take;
      if (filled === segmentBytes) {
        cipher.final();
        yield cipher.getAuthTag();
        index++;
        filled = 0;
        cipher = createCipheriv('aes-256-gcm', key, nonceFor(nonceBase, index));
      }
    }
  }
  if (filled > 0) {
    cipher.final();
    yield cipher.getAuthTag();
  }
}

/**
 * sealSegments for a plaintext already in memory (a small body): the same bytes, sealed in one
 * synchronous pass into one buffer, with none of the stream machinery.
 */
export function sealBuffer(plain: Buffer, key: Buffer, layout: SegmentLayout): Buffer {
  const { segmentBytes, nonceBase } = layout;
  const sealed = Buffer.allocUnsafe(sealedSize(plain.length, segmentBytes));
  let out = 0;
  for (let index = 0, at = 0; at < plain.length; index++, at += segmentBytes) {
    const cipher = createCipheriv('aes-256-gcm', key, nonceFor(nonceBase, index));
    out += cipher.update(plain.subarray(at, at + segmentBytes)).copy(sealed, out);
    cipher.final();
    out += cipher.getAuthTag().copy(sealed, out);
  }
  return sealed;
}

/** The stored byte range holding plaintext [from, to) of a blob of `blobBytes` plaintext bytes. */
export function sealedRange(from: number, to: number, blobBytes: number, segmentBytes: number): { start: number; end: number; firstSegment: number } {
  const firstSegment = Math.floor(from / segmentBytes);
  const lastSegment = Math.floor((to - 1) / segmentBytes);
  const lastPlainEnd = Math.min(blobBytes, (lastSegment + 1) * segmentBytes);
  return {
    start: firstSegment * (segmentBytes + TAG_BYTES),
    end: lastSegment * (segmentBytes + TAG_BYTES) + (lastPlainEnd - lastSegment * segmentBytes) + TAG_BYTES,
    firstSegment,
  };
}

export class SegmentAuthenticationError extends Error {
  constructor() {
    super('a sealed segment failed authentication (wrong key or altered data)');
    this.name = 'SegmentAuthenticationError';
  }
}

/**
 * Decrypts the sealed stream of `sealedRange(from, to, …)` and yields exactly plaintext [from, to).
 * A segment is yielded only once its tag has been checked. Chunks are copied into one segment
 * buffer (never concatenated), so a reader that stalls holds about one segment of each.
 */
export async function* openSegments(sealed: AsyncIterable<Buffer> | Iterable<Buffer>, key: Buffer, layout: SegmentLayout, from: number, to: number): AsyncGenerator<Buffer> {
  const { segmentBytes, nonceBase } = layout;
  const stride = segmentBytes + TAG_BYTES;
  let index = Math.floor(from / segmentBytes);
  let position = index * segmentBytes; // plaintext offset of the segment being assembled
  let segment: Buffer | undefined;
  let filled = 0;

  const open = (sealedSegment: Buffer): Buffer => {
    const decipher = createDecipheriv('aes-256-gcm', key, nonceFor(nonceBase, index));
    decipher.setAuthTag(sealedSegment.subarray(sealedSegment.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = decipher.update(sealedSegment.subarray(0, sealedSegment.length - TAG_BYTES));
      decipher.final();
    } catch {
      throw new SegmentAuthenticationError();
    }
    const start = Math.max(from - position, 0);
    const end = Math.min(to - position, plain.length);
    position += plain.length;
    index++;
    return start === 0 && end === plain.length ? plain : plain.subarray(start, end);
  };

  for await (const chunk of sealed) {
    let at = 0;
    // A chunk that holds whole segments at a segment boundary is opened in place, without a copy.
    while (filled === 0 && chunk.length - at >= stride) {
      yield open(chunk.subarray(at, at + stride));
      at += stride;
    }
    while (at < chunk.length) {
      segment ??= Buffer.allocUnsafe(stride);
      const take = Math.min(stride - filled, chunk.length - at);
      chunk.copy(segment, filled, at, at + take);
      filled += take;
      at += take;
      if (filled === stride) {
        yield open(segment);
        filled = 0;
      }
    }
  }
  if (filled > 0) {
    if (filled <= TAG_BYTES) throw new SegmentAuthenticationError();
    yield open(segment!.subarray(0, filled));
  }
}
