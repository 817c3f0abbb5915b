import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { customerKeyFingerprint, matchesFingerprint, unwrapKey, wrapKey } from '../../../src/crypto/key-wrap.js';
import { pooledRandomBytes } from '../../../src/crypto/random-pool.js';
import { newLayout, openSealedBuffer, SegmentAuthenticationError, sealBuffer, sealedRange, sealedSize, sealSegments, type SegmentLayout } from '../../../src/crypto/segments.js';
import { SealedReadStream } from '../../../src/crypto/sealed-read-stream.js';
import type { BlobChunkReader } from '../../../src/store/blob/blob-store.js';

const SEG = 64 * 1024;

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of source) out.push(chunk);
  return Buffer.concat(out);
}

/** `data` cut into chunks of the given sizes, repeated. */
async function* chunked(data: Buffer, sizes: readonly number[]): AsyncGenerator<Buffer> {
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(at, at + size);
    at += size;
  }
}

async function seal(data: Buffer, key: Buffer, layout: SegmentLayout, sizes: readonly number[] = [7000]): Promise<Buffer> {
  return collect(sealSegments(chunked(data, sizes), key, layout));
}

/** `bytes` handed out `chunkBytes` at a time, as BlobStore.readChunks does. */
function chunksOf(bytes: Buffer, chunkBytes: number): BlobChunkReader {
  let at = 0;
  return {
    next: (callback, count = chunkBytes) => {
      const chunk = bytes.subarray(at, at + Math.min(count, chunkBytes));
      at += chunk.length;
      setImmediate(() => callback(null, chunk));
    },
    unread: (count) => {
      at -= count;
    },
    close: () => {},
  };
}

/** chunksOf, counting the bytes it hands out and telling where it is. */
function countingChunksOf(bytes: Buffer, chunkBytes: number, delayMs = 0): BlobChunkReader & { handedOut(): number; position(): number } {
  let at = 0;
  let handedOut = 0;
  return {
    next: (callback, count = chunkBytes) => {
      const chunk = bytes.subarray(at, at + Math.min(count, chunkBytes));
      at += chunk.length;
      handedOut += chunk.length;
      if (delayMs > 0) setTimeout(() => callback(null, chunk), delayMs);
      else setImmediate(() => callback(null, chunk));
    },
    unread: (count) => {
      at -= count;
    },
    close: () => {},
    handedOut: () => handedOut,
    position: () => at,
  };
}

/**
 * Plaintext [from, to) opened both ways: in one buffer, and streamed from reads of
 * `segmentsPerRead` whole segments; the two must agree.
 */
async function open(sealed: Buffer, key: Buffer, layout: SegmentLayout, from: number, to: number, blobBytes: number, segmentsPerRead = 1): Promise<Buffer> {
  const range = sealedRange(from, to, blobBytes, layout.segmentBytes);
  const stored = sealed.subarray(range.start, range.end);
  const whole = openSealedBuffer(stored, key, layout, from, to);
  const streamed = await collect(new SealedReadStream(chunksOf(stored, segmentsPerRead * (SEG + 16)), key, layout, range.firstSegment, from, to));
  assert.deepEqual(streamed, whole);
  return whole;
}

describe('crypto/segments', () => {
  it('sealBuffer: the very bytes sealSegments makes of the same plaintext, one segment or several', async () => {
    const key = randomBytes(32);
    const layout = newLayout();
    for (const bytes of [0, 1, 4096, SEG, SEG + 1, 2 * SEG + 7]) {
      const data = randomBytes(bytes);
      assert.deepEqual(sealBuffer(data, key, layout), await seal(data, key, layout), `${bytes} bytes`);
    }
  });

  it('pooledRandomBytes: no two calls share bytes, across pool refills; a view keeps its bytes', () => {
    const view = pooledRandomBytes(32);
    const handedOut = Buffer.from(view);
    const seen = new Set<string>([handedOut.toString('hex')]);
    for (let i = 0; i < 1000; i++) {
      const hex = pooledRandomBytes(i % 2 ? 12 : 32).toString('hex');
      assert.ok(!seen.has(hex), `draw ${i} repeated an earlier one`);
      seen.add(hex);
    }
    // 1,000 draws of 12–32 bytes take several pools: none was refilled under the first view.
    assert.deepEqual(view, handedOut);
    assert.throws(() => pooledRandomBytes(64 * 1024), RangeError);
  });

  it('sealSegments.size: plaintext plus one tag per segment, whatever the chunking', async () => {
    const key = randomBytes(32);
    const layout = newLayout();
    for (const bytes of [1, SEG - 1, SEG, SEG + 1, 3 * SEG + 5]) {
      const data = randomBytes(bytes);
      const a = await seal(data, key, layout, [1000]);
      const b = await seal(data, key, layout, [SEG * 2]);
      assert.equal(a.length, sealedSize(bytes, SEG));
      assert.deepEqual(a, b, 'the chunking of the input does not change the output');
      if (bytes >= 64) assert.equal(a.includes(data.subarray(0, 64)), false, 'no plaintext run in the output');
    }
  });

  it('openSealedBuffer.ranges: every range of a multi-segment blob, in one buffer and in reads of 1 or 3 segments', async () => {
    const key = randomBytes(32);
    const layout = newLayout();
    const data = randomBytes(3 * SEG + 100);
    const sealed = await seal(data, key, layout);
    for (const [from, to] of [[0, data.length], [0, 1], [SEG - 1, SEG + 1], [SEG, 2 * SEG], [5, 3 * SEG + 99], [3 * SEG, 3 * SEG + 100], [2 * SEG + 7, 2 * SEG + 8]] as const) {
      for (const segments of [1, 3]) {
        assert.deepEqual(await open(sealed, key, layout, from, to, data.length, segments), data.subarray(from, to), `[${from}, ${to}) in reads of ${segments} segments`);
      }
    }
  });

  it('SealedReadStream.chunkBytes: a read holds 1 MiB of plaintext in whole segments, so a 1 MiB object is read at once', () => {
    const layout = newLayout();
    assert.equal(SealedReadStream.chunkBytes(layout), sealedSize(1024 * 1024, SEG));
    assert.equal(SealedReadStream.chunkBytes({ ...layout, segmentBytes: 3 * 1024 * 1024 }), 3 * 1024 * 1024 + 16, 'one segment at least');
  });

  it('SealedReadStream.backPressure: a consumer pausing now and then gets every byte, and no segment is read twice', async () => {
    const key = randomBytes(32);
    const layout = newLayout();
    const data = randomBytes(40 * SEG + 123);
    const sealed = await seal(data, key, layout, [SEG]);
    const reader = countingChunksOf(sealed, 16 * (SEG + 16));
    const stream = new SealedReadStream(reader, key, layout, 0, 0, data.length);
    const out: Buffer[] = [];
    // Short pauses (well under the stall time): the queued segments wait for the consumer.
    for await (const chunk of stream) {
      out.push(chunk as Buffer);
      if (out.length % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    assert.deepEqual(Buffer.concat(out), data);
    assert.equal(reader.handedOut(), sealed.length, 'every sealed byte read once');
  });

  it('SealedReadStream.stalled: a consumer taking nothing holds about one segment; what was opened for it is read again later', async () => {
    const key = randomBytes(32);
    const layout = newLayout();
    const data = randomBytes(40 * SEG);
    const sealed = await seal(data, key, layout, [SEG]);
    const reader = countingChunksOf(sealed, 16 * (SEG + 16));
    const stream = new SealedReadStream(reader, key, layout, 0, 0, data.length);
    const chunks = stream[Symbol.asyncIterator]();
    const first = await chunks.next();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Taken: one segment; waiting in the stream's buffer: about one more. The rest of the read went back.
    assert.ok(reader.position() <= 3 * (SEG + 16), `reader at ${reader.position()} after a stall`);
    const out: Buffer[] = [first.value as Buffer];
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) out.push(next.value as Buffer);
    assert.deepEqual(Buffer.concat(out), data);
    assert.ok(reader.handedOut() > sealed.length, 'the segments given back were read again');
  });

  it('SealedReadStream.resumed: a consumer back after the stall time while a read is in flight gets the rest (nothing given back under it)', { timeout: 10_000 }, async () => {
    const key = randomBytes(32);
    const layout = newLayout();
    const data = randomBytes(40 * SEG);
    const sealed = await seal(data, key, layout, [SEG]);
    // Slow reads: the next one is in flight when the consumer pauses past the stall time and returns.
    const stream = new SealedReadStream(countingChunksOf(sealed, 16 * (SEG + 16), 150), key, layout, 0, 0, data.length);
    const chunks = stream[Symbol.asyncIterator]();
    const out: Buffer[] = [];
    for (let i = 0; i < 10; i++) out.push((await chunks.next()).value as Buffer);
    await new Promise((resolve) => setTimeout(resolve, 80));
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) out.push(next.value as Buffer);
    assert.deepEqual(Buffer.concat(out), data);
  });

  it('openSealedBuffer.tampered: a flipped bit, a wrong key or a wrong nonce base fails authentication', async () => {
    const key = randomBytes(32);
    const layout = newLayout();
    const data = randomBytes(2 * SEG);
    const sealed = await seal(data, key, layout);
    const flipped = Buffer.from(sealed);
    flipped[SEG + 100]! ^= 1;
    await assert.rejects(open(flipped, key, layout, 0, data.length, data.length), SegmentAuthenticationError);
    await assert.rejects(open(sealed, randomBytes(32), layout, 0, 10, data.length), SegmentAuthenticationError);
    await assert.rejects(open(sealed, key, newLayout(), 0, 10, data.length), SegmentAuthenticationError);
    // Segments swapped: each is authenticated at its own index.
    const swapped = Buffer.concat([sealed.subarray(SEG + 16), sealed.subarray(0, SEG + 16)]);
    await assert.rejects(open(swapped, key, layout, 0, data.length, data.length), SegmentAuthenticationError);
  });

  it('wrapKey/unwrapKey: round trip; another key-encryption key gets undefined', () => {
    const kek = randomBytes(32);
    const dataKey = randomBytes(32);
    const wrapped = wrapKey(kek, dataKey);
    assert.deepEqual(unwrapKey(kek, wrapped), dataKey);
    assert.equal(unwrapKey(randomBytes(32), wrapped), undefined);
    assert.notDeepEqual(wrapKey(kek, dataKey), wrapped, 'a fresh nonce each time');
  });

  it('customerKeyFingerprint: recognises its key only, salted (two fingerprints of one key differ)', () => {
    const key = randomBytes(32);
    const fingerprint = customerKeyFingerprint(key);
    assert.equal(matchesFingerprint(key, fingerprint), true);
    assert.equal(matchesFingerprint(randomBytes(32), fingerprint), false);
    assert.notEqual(customerKeyFingerprint(key), fingerprint);
    assert.equal(Buffer.from(fingerprint, 'base64').includes(key), false);
  });
});
