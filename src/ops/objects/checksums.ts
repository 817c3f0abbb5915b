import {
  checksumHeaderName,
  isValidChecksumValue,
  parseChecksumAlgorithm,
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
} from '../../checksum/index.js';
import { S3Error } from '../../errors.js';
import type { StoredChecksum } from '../../store/meta/metadata-store.js';

type Headers = Readonly<Record<string, string | undefined>>;

/** What a write asks to be checked: a checksum sent as a header, or promised as a trailer. */
export interface ChecksumRequest {
  readonly algorithm?: ChecksumAlgorithm;
  /** base64 value from the header; undefined when it comes in the trailer. */
  readonly headerValue?: string;
  readonly inTrailer: boolean;
  /** Content-MD5 as base64, if sent. */
  readonly contentMd5?: string;
}

/** Reads `x-amz-checksum-*`, `x-amz-sdk-checksum-algorithm`, `x-amz-trailer` and `Content-MD5`. */
export function checksumRequestFrom(headers: Headers): ChecksumRequest {
  const contentMd5 = headers['content-md5'];
  if (contentMd5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(contentMd5.trim())) throw new S3Error('InvalidDigest');

  const sent = CHECKSUM_ALGORITHMS.filter((a) => headers[checksumHeaderName(a)] !== undefined);
  if (sent.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');

  const trailer = headers['x-amz-trailer']?.trim().toLowerCase();
  let trailerAlgorithm: ChecksumAlgorithm | undefined;
  if (trailer) {
    trailerAlgorithm = trailer.startsWith('x-amz-checksum-') ? parseChecksumAlgorithm(trailer.slice('x-amz-checksum-'.length)) : undefined;
    if (!trailerAlgorithm) throw new S3Error('InvalidRequest', 'The value specified in the x-amz-trailer header is not supported');
  }

  const sdkText = headers['x-amz-sdk-checksum-algorithm'];
  const sdkAlgorithm = sdkText === undefined ? undefined : parseChecksumAlgorithm(sdkText);
  if (sdkText !== undefined && !sdkAlgorithm) {
    throw new S3Error('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
  }

  const headerAlgorithm = sent[0];
  const algorithm = headerAlgorithm ?? trailerAlgorithm;
  if (headerAlgorithm && trailerAlgorithm) {
    throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  if (sdkAlgorithm && algorithm && sdkAlgorithm !== algorithm) {
    throw new S3Error('InvalidRequest', `Value for x-amz-sdk-checksum-algorithm header is invalid.`);
  }
  if (sdkAlgorithm && !algorithm) {
    throw new S3Error('InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
  }
  let headerValue: string | undefined;
  if (headerAlgorithm) {
    headerValue = headers[checksumHeaderName(headerAlgorithm)]!.trim();
    if (!isValidChecksumValue(headerAlgorithm, headerValue)) {
      throw new S3Error('InvalidRequest', `Value for ${checksumHeaderName(headerAlgorithm)} header is invalid.`);
    }
  }
  return { algorithm, headerValue, inTrailer: trailerAlgorithm !== undefined, contentMd5: contentMd5?.trim() };
}

/**
 * Checks what was received against what the client declared (after the body has been read) and
 * returns the checksum to store. Mismatch → BadDigest; nothing may be committed then.
 */
export function verifyChecksums(
  request: ChecksumRequest,
  md5: Buffer,
  computed: ReadonlyMap<string, Buffer>,
  trailers: Readonly<Record<string, string>>,
): StoredChecksum | undefined {
  if (request.contentMd5 !== undefined && request.contentMd5 !== md5.toString('base64')) {
    throw new S3Error('BadDigest', undefined, { ExpectedDigest: request.contentMd5, CalculatedDigest: md5.toString('base64') });
  }
  if (!request.algorithm) return undefined;
  const name = checksumHeaderName(request.algorithm);
  const expected = request.inTrailer ? trailers[name]?.trim() : request.headerValue;
  if (expected === undefined) {
    throw new S3Error('InvalidRequest', `x-amz-trailer header specified, but ${name} trailer was not found.`);
  }
  if (!isValidChecksumValue(request.algorithm, expected)) throw new S3Error('InvalidRequest', `Value for ${name} trailing header is invalid.`);
  const actual = computed.get(request.algorithm)!.toString('base64');
  if (actual !== expected) {
    throw new S3Error('BadDigest', `The ${request.algorithm} you specified did not match the calculated checksum.`);
  }
  return { algorithm: request.algorithm, type: 'FULL_OBJECT', value: actual };
}
