export {
  CHECKSUM_ALGORITHMS,
  checksumByteLength,
  checksumHeaderName,
  isCrcAlgorithm,
  isValidChecksumValue,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
  type CrcAlgorithm,
} from './algorithms.js';
export {
  crc32c,
  crc32cBackend,
  crc32cJs,
  createHasher,
  hashBuffer,
  type HashAlgorithm,
  type Hasher,
} from './hasher.js';
export { combineCrc, combineCrcParts, compositeChecksum, multipartEtag } from './combine.js';
export { HashingPassThrough, MultiHasher, hashIterable, type HashingOptions } from './stream.js';
