/**
 * S3 "flexible checksum" algorithm names and the rules for their header values.
 *
 * A checksum travels as base64 of the big-endian digest, in the header
 * `x-amz-checksum-<lowercase algorithm>`.
 */

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

/** Every algorithm S3 accepts in `x-amz-checksum-*` / `x-amz-checksum-algorithm`. */
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = Object.freeze([
  'CRC32',
  'CRC32C',
  'CRC64NVME',
  'SHA1',
  'SHA256',
] as const);

/** The CRC algorithms, which (unlike SHA) support FULL_OBJECT multipart checksums. */
export type CrcAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME';

const BYTE_LENGTH: Readonly<Record<ChecksumAlgorithm, number>> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

const BY_UPPER: ReadonlyMap<string, ChecksumAlgorithm> = new Map(
  CHECKSUM_ALGORITHMS.map((a) => [a, a] as const),
);

/** Case-insensitive parse of an algorithm name ('crc32c', 'Sha256', ...). */
export function parseChecksumAlgorithm(s: string): ChecksumAlgorithm | undefined {
  if (typeof s !== 'string') return undefined;
  return BY_UPPER.get(s.trim().toUpperCase());
}

export function isCrcAlgorithm(a: string): a is CrcAlgorithm {
  return a === 'CRC32' || a === 'CRC32C' || a === 'CRC64NVME';
}

/** e.g. 'CRC32' -> 'x-amz-checksum-crc32' (lowercase, as Node exposes headers). */
export function checksumHeaderName(a: ChecksumAlgorithm): string {
  return HEADER_NAMES.get(a) ?? `x-amz-checksum-${a.toLowerCase()}`;
}

/** Made once: every write looks up each algorithm's header (checksumRequestFrom). */
const HEADER_NAMES: ReadonlyMap<string, string> = new Map(CHECKSUM_ALGORITHMS.map((a) => [a, `x-amz-checksum-${a.toLowerCase()}`]));

/** Length in bytes of the raw digest. */
export function checksumByteLength(a: ChecksumAlgorithm): number {
  return BYTE_LENGTH[a];
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * True when `base64` is canonical, padded standard base64 (the form the AWS SDKs
 * send) that decodes to exactly `checksumByteLength(a)` bytes.
 */
export function isValidChecksumValue(a: ChecksumAlgorithm, base64: string): boolean {
  const len = BYTE_LENGTH[a];
  if (len === undefined || typeof base64 !== 'string') return false;
  if (base64.length !== Math.ceil(len / 3) * 4 || !BASE64_RE.test(base64)) return false;
  const raw = Buffer.from(base64, 'base64');
  // Re-encoding rejects non-zero padding bits and misplaced '='.
  return raw.length === len && raw.toString('base64') === base64;
}
