import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  combineCrc,
  combineCrcParts,
  compositeChecksum,
  hashBuffer,
  multipartEtag,
} from '../../../src/checksum/index.js';

const CRCS = ['CRC32', 'CRC32C', 'CRC64NVME'] as const;

/** Deterministic PRNG so failures are reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('combine(crc(A), crc(B), |B|) === crc(A+B) for random splits, incl. empty sides', () => {
  const rnd = rng(42);
  const data = randomBytes(5000);
  for (let t = 0; t < 300; t++) {
    const len = Math.floor(rnd() * data.length);
    const k = t % 10 === 0 ? 0 : t % 10 === 1 ? len : Math.floor(rnd() * (len + 1));
    const d = data.subarray(0, len);
    const A = d.subarray(0, k);
    const B = d.subarray(k);
    for (const a of CRCS) {
      assert.deepEqual(
        combineCrc(a, hashBuffer(a, A), hashBuffer(a, B), B.length),
        hashBuffer(a, d),
        `${a} len=${len} split=${k}`,
      );
    }
  }
});

test('combine with long B (4 MiB + 3 of zeros, 1 MiB random)', () => {
  const A = randomBytes(1234);
  for (const B of [Buffer.alloc((4 << 20) + 3), randomBytes(1 << 20)]) {
    for (const a of CRCS) {
      assert.deepEqual(combineCrc(a, hashBuffer(a, A), hashBuffer(a, B), B.length), hashBuffer(a, [A, B]), a);
    }
  }
});

test('combineCrcParts: FULL_OBJECT CRC from many parts incl. empty ones', () => {
  const rnd = rng(7);
  const parts: Buffer[] = [];
  for (let i = 0; i < 400; i++) parts.push(randomBytes(i % 17 === 0 ? 0 : Math.floor(rnd() * 300)));
  const whole = Buffer.concat(parts);
  for (const a of CRCS) {
    const combined = combineCrcParts(
      a,
      parts.map((p) => ({ checksum: hashBuffer(a, p), length: p.length })),
    );
    assert.deepEqual(combined, hashBuffer(a, whole), a);
    assert.deepEqual(combineCrcParts(a, []), hashBuffer(a, Buffer.alloc(0)));
    const one = hashBuffer(a, parts[1]);
    const r = combineCrcParts(a, [{ checksum: one, length: parts[1].length }]);
    assert.deepEqual(r, one);
    assert.notEqual(r, one, 'returns a copy, not the caller\'s buffer');
  }
});

test('combine is fast enough for 10,000 parts of varied large sizes', () => {
  const rnd = rng(99);
  for (const a of CRCS) {
    const parts = Array.from({ length: 10_000 }, () => ({
      checksum: randomBytes(a === 'CRC64NVME' ? 8 : 4),
      // all distinct sizes between 5 MiB and 5 GiB defeat the per-length cache
      length: (5 << 20) + Math.floor(rnd() * 5 * 2 ** 30),
    }));
    const t0 = performance.now();
    combineCrcParts(a, parts);
    const ms = performance.now() - t0;
    assert.ok(ms < 3000, `${a}: 10k-part combine took ${ms.toFixed(0)} ms`);
  }
});

test('combineCrc validates its input', () => {
  assert.throws(() => combineCrc('CRC32', Buffer.alloc(4), Buffer.alloc(8), 1), RangeError);
  assert.throws(() => combineCrc('CRC64NVME', Buffer.alloc(4), Buffer.alloc(4), 1), RangeError);
  assert.throws(() => combineCrc('CRC32C', Buffer.alloc(4), Buffer.alloc(4), -1), RangeError);
  assert.throws(() => combineCrc('CRC32C', Buffer.alloc(4), Buffer.alloc(4), 1.5), RangeError);
  assert.throws(() => combineCrc('SHA1' as 'CRC32', Buffer.alloc(4), Buffer.alloc(4), 1), TypeError);
});

// Parts "a"*100 and "b"*50. Expected values computed independently with
// coreutils md5sum/sha256sum + xxd and Python's zlib.crc32.
const P1 = Buffer.alloc(100, 'a');
const P2 = Buffer.alloc(50, 'b');

test('multipart ETag', () => {
  const m1 = createHash('md5').update(P1).digest();
  const m2 = createHash('md5').update(P2).digest();
  assert.equal(m1.toString('hex'), '36a92cc94a9e0fa21f625f8bfb007adf');
  assert.equal(m2.toString('hex'), '9d7756a2ac79651c7b496d301847dbde');
  assert.equal(multipartEtag([m1, m2]), '815f9e56fc8e0fea4e75281f31e9dd76-2');
  // single part: still md5-of-md5 with -1 (not the plain MD5 of the data)
  assert.equal(
    multipartEtag([m1]),
    `${createHash('md5').update(m1).digest('hex')}-1`,
  );
  assert.throws(() => multipartEtag([Buffer.alloc(15)]), RangeError);
});

test('composite checksums', () => {
  assert.equal(
    compositeChecksum('SHA256', [hashBuffer('SHA256', P1), hashBuffer('SHA256', P2)]),
    '7YmUXeiIsv8lYFsTBuf4DlxZrWU9qVy1xL79rcokoR0=-2',
  );
  assert.equal(compositeChecksum('CRC32', [hashBuffer('CRC32', P1), hashBuffer('CRC32', P2)]), '6+3org==-2');
  // and the FULL_OBJECT flavour differs: it is the CRC of the whole data
  assert.equal(
    combineCrcParts('CRC32', [
      { checksum: hashBuffer('CRC32', P1), length: P1.length },
      { checksum: hashBuffer('CRC32', P2), length: P2.length },
    ]).toString('base64'),
    'PDlvaA==',
  );
  for (const a of ['CRC32C', 'CRC64NVME', 'SHA1'] as const) {
    const c1 = hashBuffer(a, P1);
    const c2 = hashBuffer(a, P2);
    assert.equal(
      compositeChecksum(a, [c1, c2, c1]),
      `${hashBuffer(a, Buffer.concat([c1, c2, c1])).toString('base64')}-3`,
    );
  }
  assert.throws(() => compositeChecksum('SHA1', [Buffer.alloc(32)]), RangeError);
});
