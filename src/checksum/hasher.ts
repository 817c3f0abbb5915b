/**
 * Incremental hashers for every S3 checksum algorithm plus MD5.
 *
 * - CRC32:     node:zlib `crc32` (Node >= 20.15, native).
 * - CRC32C:    `@node-rs/crc32` (napi, SIMD/SSE4.2, prebuilt binaries shipped as
 *              npm packages); falls back to the table-driven JS below if the
 *              native binding can't be loaded on this platform.
 * - CRC64NVME: table-driven slice-by-8 JS on two 32-bit halves (no BigInt). No
 *              npm package was faster; see bench/checksums.ts for the numbers.
 * - MD5/SHA1/SHA256: node:crypto.
 *
 * All digests are big-endian raw bytes, as S3 transmits them (base64-encoded).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import * as zlib from 'node:zlib';
import type { ChecksumAlgorithm } from './algorithms.js';

export interface Hasher {
  update(chunk: Buffer): void;
  digest(): Buffer;
}

export type HashAlgorithm = ChecksumAlgorithm | 'MD5';

/** Reflected CRC polynomials (bit 0 = coefficient of x^(width-1)). */
export const CRC32_POLY_REFLECTED = 0xedb88320;
export const CRC32C_POLY_REFLECTED = 0x82f63b78;
/** 0x9A6C9329AC4BC9B5 = reflected 0xAD93D23594C93659 (NVMe CRC-64). */
export const CRC64NVME_POLY_REFLECTED_HI = 0x9a6c9329;
export const CRC64NVME_POLY_REFLECTED_LO = 0xac4bc9b5;

// ---------------------------------------------------------------------------
// CRC32C

type NativeCrc = (input: Uint8Array | string, initialState?: number | null) => number;

/** Table-driven slice-by-8 CRC32C; `crc` is a previous finalized CRC (0 to start). */
export function crc32cJs(data: Uint8Array, crc = 0): number {
  const T = CRC32C_TABLE;
  let c = ~crc;
  let i = 0;
  const n = data.length;
  const end = n - (n & 7);
  while (i < end) {
    const a = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    const b = data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24);
    i += 8;
    c =
      T[1792 + (a & 0xff)] ^ T[1536 + ((a >>> 8) & 0xff)] ^ T[1280 + ((a >>> 16) & 0xff)] ^ T[1024 + (a >>> 24)] ^
      T[768 + (b & 0xff)] ^ T[512 + ((b >>> 8) & 0xff)] ^ T[256 + ((b >>> 16) & 0xff)] ^ T[b >>> 24];
  }
  while (i < n) c = (c >>> 8) ^ T[(c ^ data[i++]) & 0xff];
  return ~c >>> 0;
}

const CRC32C_TABLE = makeCrc32Tables(CRC32C_POLY_REFLECTED, 8);

function makeCrc32Tables(poly: number, slices: number): Int32Array {
  const t = new Int32Array(256 * slices);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (poly & -(c & 1));
    t[b] = c;
  }
  for (let s = 1; s < slices; s++) {
    for (let b = 0; b < 256; b++) {
      const p = t[(s - 1) * 256 + b];
      t[s * 256 + b] = (p >>> 8) ^ t[p & 0xff];
    }
  }
  return t;
}

function loadNativeCrc32c(): NativeCrc | undefined {
  if (process.env.COFFER_CRC32C_JS === '1') return undefined;
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@node-rs/crc32') as { crc32c?: NativeCrc };
    const f = mod.crc32c;
    // Sanity check the binding against the standard check value.
    if (typeof f === 'function' && f(Buffer.from('123456789'), 0) >>> 0 === 0xe3069283) return f;
  } catch {
    // no prebuilt binary for this platform: use the JS implementation
  }
  return undefined;
}

const nativeCrc32c = loadNativeCrc32c();

/** Which CRC32C implementation is in use ('native' = @node-rs/crc32). */
export const crc32cBackend: 'native' | 'js' = nativeCrc32c ? 'native' : 'js';

/** CRC32C of `data`, continuing from a previous finalized CRC (0 to start). */
export const crc32c: (data: Uint8Array, crc?: number) => number = nativeCrc32c
  ? (data, crc = 0) => nativeCrc32c(data, crc) >>> 0
  : crc32cJs;

// ---------------------------------------------------------------------------
// CRC64NVME: 64-bit register held as two int32 halves (lo = bits 0..31).

const C64_LO = new Int32Array(256 * 8);
const C64_HI = new Int32Array(256 * 8);
(() => {
  for (let b = 0; b < 256; b++) {
    let l = b;
    let h = 0;
    for (let k = 0; k < 8; k++) {
      const m = -(l & 1);
      l = ((l >>> 1) | (h << 31)) ^ (CRC64NVME_POLY_REFLECTED_LO & m);
      h = (h >>> 1) ^ (CRC64NVME_POLY_REFLECTED_HI & m);
    }
    C64_LO[b] = l;
    C64_HI[b] = h;
  }
  for (let s = 1; s < 8; s++) {
    for (let b = 0; b < 256; b++) {
      const pl = C64_LO[(s - 1) * 256 + b];
      const ph = C64_HI[(s - 1) * 256 + b];
      const x = pl & 0xff;
      C64_LO[s * 256 + b] = ((pl >>> 8) | (ph << 24)) ^ C64_LO[x];
      C64_HI[s * 256 + b] = (ph >>> 8) ^ C64_HI[x];
    }
  }
})();

const LITTLE_ENDIAN = endianness() === 'LE';
/** Below this, creating an Int32Array view costs more than it saves. */
const WORD_VIEW_MIN = 64;

/**
 * CRC-64/NVME (poly 0xAD93D23594C93659 reflected, init = xorout = all ones).
 * Produces the big-endian 8-byte digest S3 uses.
 */
class Crc64NvmeHasher implements Hasher {
  // Register (pre-xorout), all ones initially.
  private lo = -1;
  private hi = -1;

  update(data: Uint8Array): void {
    const L = C64_LO;
    const H = C64_HI;
    let l = this.lo;
    let h = this.hi;
    const n = data.length;
    let i = 0;
    if (LITTLE_ENDIAN && n >= WORD_VIEW_MIN) {
      // Align to 4 bytes byte-by-byte, then read whole 32-bit words.
      const head = (4 - (data.byteOffset & 3)) & 3;
      for (; i < head; i++) {
        const x = (l ^ data[i]) & 0xff;
        l = ((l >>> 8) | (h << 24)) ^ L[x];
        h = (h >>> 8) ^ H[x];
      }
      const words = ((n - head) >>> 3) << 1;
      const W = new Int32Array(data.buffer, data.byteOffset + head, words);
      for (let w = 0; w < words; w += 2) {
        const a = l ^ W[w];
        const b = h ^ W[w + 1];
        const i7 = 1792 + (a & 0xff), i6 = 1536 + ((a >>> 8) & 0xff), i5 = 1280 + ((a >>> 16) & 0xff), i4 = 1024 + (a >>> 24);
        const i3 = 768 + (b & 0xff), i2 = 512 + ((b >>> 8) & 0xff), i1 = 256 + ((b >>> 16) & 0xff), i0 = b >>> 24;
        l = L[i7] ^ L[i6] ^ L[i5] ^ L[i4] ^ L[i3] ^ L[i2] ^ L[i1] ^ L[i0];
        h = H[i7] ^ H[i6] ^ H[i5] ^ H[i4] ^ H[i3] ^ H[i2] ^ H[i1] ^ H[i0];
      }
      i = head + (words << 2);
    } else {
      const end = n - (n & 7);
      while (i < end) {
        const a = l ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
        const b = h ^ (data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24));
        i += 8;
        const i7 = 1792 + (a & 0xff), i6 = 1536 + ((a >>> 8) & 0xff), i5 = 1280 + ((a >>> 16) & 0xff), i4 = 1024 + (a >>> 24);
        const i3 = 768 + (b & 0xff), i2 = 512 + ((b >>> 8) & 0xff), i1 = 256 + ((b >>> 16) & 0xff), i0 = b >>> 24;
        l = L[i7] ^ L[i6] ^ L[i5] ^ L[i4] ^ L[i3] ^ L[i2] ^ L[i1] ^ L[i0];
        h = H[i7] ^ H[i6] ^ H[i5] ^ H[i4] ^ H[i3] ^ H[i2] ^ H[i1] ^ H[i0];
      }
    }
    for (; i < n; i++) {
      const x = (l ^ data[i]) & 0xff;
      l = ((l >>> 8) | (h << 24)) ^ L[x];
      h = (h >>> 8) ^ H[x];
    }
    this.lo = l;
    this.hi = h;
  }

  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32BE(~this.hi >>> 0, 0);
    out.writeUInt32BE(~this.lo >>> 0, 4);
    return out;
  }
}

// ---------------------------------------------------------------------------

class Crc32FamilyHasher implements Hasher {
  private crc = 0;
  constructor(private readonly fn: (data: Uint8Array, crc: number) => number) {}
  update(chunk: Uint8Array): void {
    // Must skip empty chunks: zlib's crc32() returns 0 (not `crc`) when the
    // buffer's data pointer is NULL, as it is for e.g. crypto.randomBytes(0).
    if (chunk.length !== 0) this.crc = this.fn(chunk, this.crc);
  }
  digest(): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(this.crc >>> 0, 0);
    return out;
  }
}

class NodeHasher implements Hasher {
  private readonly h;
  constructor(name: string) {
    this.h = createHash(name);
  }
  update(chunk: Uint8Array): void {
    this.h.update(chunk);
  }
  digest(): Buffer {
    return this.h.digest();
  }
}

const zlibCrc32 = (data: Uint8Array, crc: number): number => zlib.crc32(data, crc);

/** A fresh incremental hasher. `digest()` must be called once, after the last `update()`. */
export function createHasher(a: HashAlgorithm): Hasher {
  switch (a) {
    case 'CRC32':
      return new Crc32FamilyHasher(zlibCrc32);
    case 'CRC32C':
      return new Crc32FamilyHasher(crc32c);
    case 'CRC64NVME':
      return new Crc64NvmeHasher();
    case 'SHA1':
      return new NodeHasher('sha1');
    case 'SHA256':
      return new NodeHasher('sha256');
    case 'MD5':
      return new NodeHasher('md5');
    default:
      throw new TypeError(`unknown checksum algorithm: ${String(a)}`);
  }
}

/** One-shot digest of a buffer (or of several buffers, in order). */
export function hashBuffer(a: HashAlgorithm, data: Uint8Array | readonly Uint8Array[]): Buffer {
  const h = createHasher(a);
  if (data instanceof Uint8Array) h.update(data as Buffer);
  else for (const d of data) h.update(d as Buffer);
  return h.digest();
}
