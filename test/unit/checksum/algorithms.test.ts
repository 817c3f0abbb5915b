import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHECKSUM_ALGORITHMS,
  checksumByteLength,
  checksumHeaderName,
  isCrcAlgorithm,
  isValidChecksumValue,
  parseChecksumAlgorithm,
} from '../../../src/checksum/index.js';

test('CHECKSUM_ALGORITHMS lists the five S3 algorithms', () => {
  assert.deepEqual([...CHECKSUM_ALGORITHMS], ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256']);
});

test('parseChecksumAlgorithm is case-insensitive and rejects unknowns', () => {
  assert.equal(parseChecksumAlgorithm('crc32'), 'CRC32');
  assert.equal(parseChecksumAlgorithm('Crc32C'), 'CRC32C');
  assert.equal(parseChecksumAlgorithm('crc64nvme'), 'CRC64NVME');
  assert.equal(parseChecksumAlgorithm('sha1'), 'SHA1');
  assert.equal(parseChecksumAlgorithm('SHA256'), 'SHA256');
  assert.equal(parseChecksumAlgorithm('md5'), undefined);
  assert.equal(parseChecksumAlgorithm(''), undefined);
  assert.equal(parseChecksumAlgorithm('crc'), undefined);
  assert.equal(parseChecksumAlgorithm('sha-256'), undefined);
  assert.equal(parseChecksumAlgorithm('toString'), undefined);
});

test('header names and byte lengths', () => {
  assert.equal(checksumHeaderName('CRC32'), 'x-amz-checksum-crc32');
  assert.equal(checksumHeaderName('CRC32C'), 'x-amz-checksum-crc32c');
  assert.equal(checksumHeaderName('CRC64NVME'), 'x-amz-checksum-crc64nvme');
  assert.equal(checksumHeaderName('SHA1'), 'x-amz-checksum-sha1');
  assert.equal(checksumHeaderName('SHA256'), 'x-amz-checksum-sha256');
  assert.deepEqual(
    CHECKSUM_ALGORITHMS.map(checksumByteLength),
    [4, 4, 8, 20, 32],
  );
  assert.equal(isCrcAlgorithm('CRC64NVME'), true);
  assert.equal(isCrcAlgorithm('SHA1'), false);
});

test('isValidChecksumValue accepts canonical base64 of the right length', () => {
  assert.equal(isValidChecksumValue('CRC32', 'i9aeUg=='), true);
  assert.equal(isValidChecksumValue('CRC32C', 'crUfeA=='), true);
  assert.equal(isValidChecksumValue('CRC64NVME', 'OOJZ0D8xKts='), true);
  assert.equal(isValidChecksumValue('SHA1', 'e1AsOh9IyGCa4hLN+2Od7jlnP14='), true);
  assert.equal(isValidChecksumValue('SHA256', 'ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw='), true);
  assert.equal(isValidChecksumValue('CRC32', 'AAAAAA=='), true);
});

test('isValidChecksumValue rejects wrong length, bad alphabet, non-canonical forms', () => {
  // wrong length for the algorithm
  assert.equal(isValidChecksumValue('CRC32', 'OOJZ0D8xKts='), false);
  assert.equal(isValidChecksumValue('CRC64NVME', 'i9aeUg=='), false);
  assert.equal(isValidChecksumValue('SHA256', 'e1AsOh9IyGCa4hLN+2Od7jlnP14='), false);
  assert.equal(isValidChecksumValue('CRC32', ''), false);
  // missing padding
  assert.equal(isValidChecksumValue('CRC32', 'i9aeUg'), false);
  // url-safe alphabet / junk
  assert.equal(isValidChecksumValue('SHA1', 'e1AsOh9IyGCa4hLN-2Od7jlnP14='), false);
  assert.equal(isValidChecksumValue('CRC32', 'i9ae Ug='), false);
  assert.equal(isValidChecksumValue('CRC32', 'i9a=eUg='), false);
  assert.equal(isValidChecksumValue('CRC32', ' i9aeUg=='), false);
  assert.equal(isValidChecksumValue('CRC32', 'i9aeUg==\n'), false);
  // non-zero padding bits (decodes to the same bytes as i9aeUg==)
  assert.equal(isValidChecksumValue('CRC32', 'i9aeUh=='), false);
  // too much padding
  assert.equal(isValidChecksumValue('CRC32', 'i9aeU==='), false);
  assert.equal(isValidChecksumValue('CRC32', 'i9aeUg===='), false);
});
