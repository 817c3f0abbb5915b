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

/**
 * Bytes stored for `plainBytes` bytes of plaintext, with one layer or two (DSSE-KMS: the outer
 * layer seals the inner one's bytes in segments of `segmentBytes + TAG_BYTES`).
 */
export function storedSize(plainBytes: number, segmentBytes: number, dualLayer: boolean): number {
  const inner = sealedSize(plainBytes, segmentBytes);
  return dualLayer ? sealedSize(inner, segmentBytes + TAG_BYTES) : inner;
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
 * Plaintext of sealed segment `index` (its ciphertext followed by its tag); throws
 * SegmentAuthenticationError when the tag does not verify, so nothing unauthenticated is returned.
 */
export function openSegment(sealedSegment: Buffer, key: Buffer, nonceBase: Buffer, index: number): Buffer {
  if (sealedSegment.length <= TAG_BYTES) throw new SegmentAuthenticationError();
  const decipher = createDecipheriv('aes-256-gcm', key, nonceFor(nonceBase, index));
  decipher.setAuthTag(sealedSegment.subarray(sealedSegment.length - TAG_BYTES));
  try {
    const plain = decipher.update(sealedSegment.subarray(0, sealedSegment.length - TAG_BYTES));
    decipher.final();
    return plain;
  } catch {
    throw new SegmentAuthenticationError();
  }
}

/**
 * Opens the whole segments held by `sealed` (its first is segment `firstSegment`, the last may be
 * a blob's short final one) and hands `deliver` the part of each that lies in plaintext
 * [from, to), in order. Synchronous: the caller may reuse `sealed` once this returns.
 */
export function openSegmentsOf(sealed: Buffer, key: Buffer, layout: SegmentLayout, firstSegment: number, from: number, to: number, deliver: (plain: Buffer) => void): void {
  const { segmentBytes, nonceBase } = layout;
  const stride = segmentBytes + TAG_BYTES;
  let index = firstSegment;
  for (let at = 0; at < sealed.length; at += stride, index++) {
    const plain = openSegment(sealed.subarray(at, Math.min(at + stride, sealed.length)), key, nonceBase, index);
    const position = index * segmentBytes;
    const start = Math.max(from - position, 0);
    const end = Math.min(to - position, plain.length);
    if (end > start) deliver(start === 0 && end === plain.length ? plain : plain.subarray(start, end));
  }
}

/** Plaintext [from, to) of the sealed bytes `sealedRange(from, to, …)` read into one buffer. */
export function openSealedBuffer(sealed: Buffer, key: Buffer, layout: SegmentLayout, from: number, to: number): Buffer {
  const pieces: Buffer[] = [];
  openSegmentsOf(sealed, key, layout, Math.floor(from / layout.segmentBytes), from, to, (plain) => pieces.push(plain));
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}
