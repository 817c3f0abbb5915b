import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  createHasher,
  crc32c,
  crc32cBackend,
  crc32cJs,
  hashBuffer,
  type HashAlgorithm,
} from '../../../src/checksum/index.js';

// ---------------------------------------------------------------------------
// Bit-at-a-time reference CRCs (reflected, init = xorout = all ones), BigInt.

function refCrc(width: 32 | 64, polyReflected: bigint, data: Uint8Array): bigint {
  const mask = (1n << BigInt(width)) - 1n;
  let crc = mask;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ polyReflected : crc >> 1n;
  }
  return crc ^ mask;
}

function refDigest(a: 'CRC32' | 'CRC32C' | 'CRC64NVME', data: Uint8Array): Buffer {
  if (a === 'CRC64NVME') {
    const out = Buffer.alloc(8);
    out.writeBigUInt64BE(refCrc(64, 0x9a6c9329ac4bc9b5n, data));
    return out;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE(Number(refCrc(32, a === 'CRC32' ? 0xedb88320n : 0x82f63b78n, data)));
  return out;
}

const ALL: HashAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256', 'MD5'];
const CRCS = ['CRC32', 'CRC32C', 'CRC64NVME'] as const;

const hex = (a: HashAlgorithm, d: Uint8Array | string): string =>
  hashBuffer(a, typeof d === 'string' ? Buffer.from(d) : d).toString('hex');
const b64 = (a: HashAlgorithm, d: Uint8Array | string): string =>
  hashBuffer(a, typeof d === 'string' ? Buffer.from(d) : d).toString('base64');

test('empty input', () => {
  assert.equal(hex('CRC32', ''), '00000000');
  assert.equal(hex('CRC32C', ''), '00000000');
  assert.equal(hex('CRC64NVME', ''), '0000000000000000');
  assert.equal(hex('SHA1', ''), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  assert.equal(hex('SHA256', ''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex('MD5', ''), 'd41d8cd98f00b204e9800998ecf8427e');
});

test('"123456789" check values', () => {
  assert.equal(hex('CRC32', '123456789'), 'cbf43926');
  assert.equal(hex('CRC32C', '123456789'), 'e3069283');
  assert.equal(hex('CRC64NVME', '123456789'), 'ae8b14860a799888');
  assert.equal(hex('SHA1', '123456789'), 'f7c3bc1d808e04732adf679965ccc34ca7ae3441');
  assert.equal(hex('SHA256', '123456789'), '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225');
  assert.equal(hex('MD5', '123456789'), '25f9e794323b453885f5181f1b624d0b');
});

test('"Hello world" header values as sent by the AWS SDKs', () => {
  assert.equal(b64('CRC32', 'Hello world'), 'i9aeUg==');
  assert.equal(b64('CRC32C', 'Hello world'), 'crUfeA==');
  assert.equal(b64('CRC64NVME', 'Hello world'), 'OOJZ0D8xKts=');
  assert.equal(b64('SHA1', 'Hello world'), 'e1AsOh9IyGCa4hLN+2Od7jlnP14=');
  assert.equal(b64('SHA256', 'Hello world'), 'ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=');
});

test('1 MiB pattern (byte i = i % 251)', () => {
  const d = Buffer.alloc(1 << 20);
  for (let i = 0; i < d.length; i++) d[i] = i % 251;
  assert.equal(hex('CRC32', d), 'ef0e6054');
  assert.equal(hex('CRC32C', d), 'dc3e0071');
  assert.equal(hex('CRC64NVME', d), '8821d9f150fec9fc');
  assert.equal(hex('SHA1', d), 'c2fc4cb20f1301a6b0dd211c19e69a13925dbe40');
  assert.equal(hex('SHA256', d), '631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769');
  assert.equal(hex('MD5', d), '8f293a2f6c19b345152f7a49bb4c643c');
  // same result when fed in odd-sized, misaligned chunks
  for (const a of ALL) {
    const h = createHasher(a);
    for (let o = 0, step = 1; o < d.length; o += step, step = (step * 7 + 3) % 9001) h.update(d.subarray(o, o + step));
    assert.equal(h.digest().toString('hex'), hex(a, d), a);
  }
});

test('random data matches the bit-by-bit reference (all lengths 0..80, all alignments)', () => {
  const pool = randomBytes(200);
  for (let off = 0; off < 8; off++) {
    for (let len = 0; len <= 80; len++) {
      const d = pool.subarray(off, off + len);
      for (const a of CRCS) assert.deepEqual(hashBuffer(a, d), refDigest(a, d), `${a} off=${off} len=${len}`);
    }
  }
});

test('random larger buffers match the reference, whole and chunked', () => {
  for (let t = 0; t < 6; t++) {
    const len = 1000 + Math.floor(Math.random() * 20000);
    const d = randomBytes(len + 3).subarray(t % 4, (t % 4) + len);
    for (const a of CRCS) {
      const ref = refDigest(a, d);
      assert.deepEqual(hashBuffer(a, d), ref, `${a} len=${len}`);
      const h = createHasher(a);
      let o = 0;
      while (o < d.length) {
        const n = Math.floor(Math.random() * 300);
        h.update(d.subarray(o, o + n));
        o += n;
      }
      assert.deepEqual(h.digest(), ref, `${a} chunked len=${len}`);
    }
  }
});

test('CRC32C JS fallback agrees with the selected backend', () => {
  assert.ok(crc32cBackend === 'native' || crc32cBackend === 'js');
  assert.equal(crc32cJs(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32cJs(Buffer.alloc(0)), 0);
  const d = randomBytes(70001);
  assert.equal(crc32cJs(d), crc32c(d));
  // chaining from a previous finalized CRC
  assert.equal(crc32cJs(d.subarray(12345), crc32cJs(d.subarray(0, 12345))), crc32c(d));
  assert.equal(crc32c(d.subarray(777), crc32c(d.subarray(0, 777))), crc32c(d));
});

test('hashBuffer over an array of buffers equals the concatenation', () => {
  const parts = [randomBytes(10), randomBytes(0), randomBytes(1000)];
  for (const a of ALL) assert.deepEqual(hashBuffer(a, parts), hashBuffer(a, Buffer.concat(parts)));
});

test('createHasher rejects unknown algorithms', () => {
  assert.throws(() => createHasher('CRC16' as HashAlgorithm), TypeError);
});

test('empty chunks without a backing store do not reset a running CRC', () => {
  // zlib.crc32(randomBytes(0), crc) returns 0 in Node 20; the hasher must skip it.
  for (const a of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
    const h = createHasher(a);
    h.update(Buffer.from('12345'));
    h.update(randomBytes(0));
    h.update(Buffer.alloc(0));
    h.update(Buffer.from('6789'));
    assert.equal(h.digest().toString('hex'), hex(a, '123456789'), a);
  }
});
