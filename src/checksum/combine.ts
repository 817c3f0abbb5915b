/**
 * Multipart checksum arithmetic.
 *
 * - combineCrc: CRC(A || B) from CRC(A), CRC(B) and |B|, without the data
 *   (zlib-style: CRC(A) * x^(8|B|) mod P, xor CRC(B); valid because these CRCs
 *   use init == xorout). Used for FULL_OBJECT multipart checksums.
 * - compositeChecksum: S3 COMPOSITE checksum `base64(H(c1 || c2 || ...))-N`.
 * - multipartEtag: `hex(md5(md5_1 || md5_2 || ...))-N`.
 *
 * Polynomial arithmetic is done in the reflected representation the CRCs use:
 * the most significant bit of the register is the coefficient of x^0.
 */
import type { ChecksumAlgorithm, CrcAlgorithm } from './algorithms.js';
import { checksumByteLength } from './algorithms.js';
import {
  CRC32C_POLY_REFLECTED,
  CRC32_POLY_REFLECTED,
  CRC64NVME_POLY_REFLECTED_HI,
  CRC64NVME_POLY_REFLECTED_LO,
  createHasher,
} from './hasher.js';

// ---------------------------------------------------------------------------
// 32-bit CRCs

/** a(x) * b(x) mod P(x), reflected 32-bit. */
function mulmod32(a: number, b: number, poly: number): number {
  let p = 0;
  for (let m = 0x80000000; m !== 0 && a !== 0; m >>>= 1) {
    if (a & m) {
      p ^= b;
      a ^= m;
    }
    b = (b >>> 1) ^ (poly & -(b & 1));
  }
  return p >>> 0;
}

interface Crc32Ops {
  poly: number;
  /** x2n[k] = x^(2^k) mod P, k = 0..63 */
  x2n: Uint32Array;
  /** cache of x^(8n) mod P by byte count n (parts are usually equal-sized) */
  cache: Map<number, number>;
}

function makeCrc32Ops(poly: number): Crc32Ops {
  const x2n = new Uint32Array(64);
  let p = 0x40000000; // x^1
  x2n[0] = p;
  for (let k = 1; k < 64; k++) x2n[k] = p = mulmod32(p, p, poly);
  return { poly, x2n, cache: new Map() };
}

/** x^(8 * nBytes) mod P */
function xPow8n32(ops: Crc32Ops, nBytes: number): number {
  const hit = ops.cache.get(nBytes);
  if (hit !== undefined) return hit;
  let p = 0x80000000; // x^0
  let k = 3;
  for (let n = nBytes; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) p = mulmod32(ops.x2n[k], p, ops.poly);
  }
  if (ops.cache.size > 1024) ops.cache.clear();
  ops.cache.set(nBytes, p);
  return p;
}

const CRC32_OPS = makeCrc32Ops(CRC32_POLY_REFLECTED);
const CRC32C_OPS = makeCrc32Ops(CRC32C_POLY_REFLECTED);

// ---------------------------------------------------------------------------
// 64-bit CRC (hi/lo int32 halves; bit 31 of hi = x^0)

const PH = CRC64NVME_POLY_REFLECTED_HI | 0;
const PL = CRC64NVME_POLY_REFLECTED_LO | 0;
let outHi = 0;
let outLo = 0;

/** (ah:al) * (bh:bl) mod P -> (outHi:outLo) */
function mulmod64(ah: number, al: number, bh: number, bl: number): void {
  let ph = 0;
  let pl = 0;
  for (let i = 0; i < 64; i++) {
    if ((ah | al) === 0) break;
    // current coefficient bit: walk hi word then lo word, MSB first
    const bit = i < 32 ? ah & (0x80000000 >>> i) : al & (0x80000000 >>> (i - 32));
    if (bit !== 0) {
      ph ^= bh;
      pl ^= bl;
      if (i < 32) ah ^= bit;
      else al ^= bit;
    }
    const m = -(bl & 1);
    bl = ((bl >>> 1) | (bh << 31)) ^ (PL & m);
    bh = (bh >>> 1) ^ (PH & m);
  }
  outHi = ph;
  outLo = pl;
}

const X2N64_HI = new Int32Array(64);
const X2N64_LO = new Int32Array(64);
(() => {
  let h = 0x40000000; // x^1
  let l = 0;
  X2N64_HI[0] = h;
  X2N64_LO[0] = l;
  for (let k = 1; k < 64; k++) {
    mulmod64(h, l, h, l);
    X2N64_HI[k] = h = outHi;
    X2N64_LO[k] = l = outLo;
  }
})();

const x64Cache = new Map<number, [number, number]>();

function xPow8n64(nBytes: number): [number, number] {
  const hit = x64Cache.get(nBytes);
  if (hit !== undefined) return hit;
  let h = 0x80000000 | 0; // x^0
  let l = 0;
  let k = 3;
  for (let n = nBytes; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) {
      mulmod64(X2N64_HI[k], X2N64_LO[k], h, l);
      h = outHi;
      l = outLo;
    }
  }
  const r: [number, number] = [h, l];
  if (x64Cache.size > 1024) x64Cache.clear();
  x64Cache.set(nBytes, r);
  return r;
}

// ---------------------------------------------------------------------------

function checkLength(lengthB: number): void {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) {
    throw new RangeError(`invalid length for CRC combine: ${lengthB}`);
  }
}

/**
 * CRC of A||B given CRC(A), CRC(B) (big-endian digests, as from createHasher)
 * and the byte length of B.
 */
export function combineCrc(a: CrcAlgorithm, crcA: Buffer, crcB: Buffer, lengthB: number): Buffer {
  checkLength(lengthB);
  if (a === 'CRC64NVME') {
    if (crcA.length !== 8 || crcB.length !== 8) throw new RangeError('CRC64NVME digests must be 8 bytes');
    const [xh, xl] = xPow8n64(lengthB);
    mulmod64(xh, xl, crcA.readInt32BE(0), crcA.readInt32BE(4));
    const out = Buffer.allocUnsafe(8);
    out.writeInt32BE(outHi ^ crcB.readInt32BE(0), 0);
    out.writeInt32BE(outLo ^ crcB.readInt32BE(4), 4);
    return out;
  }
  const ops = a === 'CRC32' ? CRC32_OPS : a === 'CRC32C' ? CRC32C_OPS : undefined;
  if (!ops) throw new TypeError(`not a CRC algorithm: ${String(a)}`);
  if (crcA.length !== 4 || crcB.length !== 4) throw new RangeError(`${a} digests must be 4 bytes`);
  const r = mulmod32(xPow8n32(ops, lengthB), crcA.readUInt32BE(0), ops.poly) ^ crcB.readUInt32BE(0);
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(r >>> 0, 0);
  return out;
}

/**
 * FULL_OBJECT CRC of a multipart object from its parts' CRCs and lengths, in
 * part order. Zero parts gives the CRC of the empty string (all zero bytes).
 */
export function combineCrcParts(
  a: CrcAlgorithm,
  parts: ReadonlyArray<{ readonly checksum: Buffer; readonly length: number }>,
): Buffer {
  if (parts.length === 0) return createHasher(a).digest();
  let acc = parts[0].checksum;
  checkLength(parts[0].length);
  for (let i = 1; i < parts.length; i++) acc = combineCrc(a, acc, parts[i].checksum, parts[i].length);
  if (acc === parts[0].checksum) acc = Buffer.from(acc);
  return acc;
}

/**
 * S3 COMPOSITE multipart checksum: base64 of the algorithm applied to the
 * concatenated raw part checksums, followed by `-<number of parts>`.
 */
export function compositeChecksum(a: ChecksumAlgorithm, partChecksums: readonly Buffer[]): string {
  const len = checksumByteLength(a);
  const h = createHasher(a);
  for (const c of partChecksums) {
    if (c.length !== len) throw new RangeError(`${a} part checksum must be ${len} bytes, got ${c.length}`);
    h.update(c);
  }
  return `${h.digest().toString('base64')}-${partChecksums.length}`;
}

/** S3 multipart ETag (without quotes): hex(md5(concat(part MD5s)))-N. */
export function multipartEtag(partMd5s: readonly Buffer[]): string {
  const h = createHasher('MD5');
  for (const m of partMd5s) {
    if (m.length !== 16) throw new RangeError(`part MD5 must be 16 bytes, got ${m.length}`);
    h.update(m);
  }
  return `${h.digest().toString('hex')}-${partMd5s.length}`;
}
