import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashingPassThrough, hashBuffer, hashIterable, MultiHasher } from '../../../src/checksum/index.js';

function chunksOf(d: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let o = 0;
  let i = 0;
  while (o < d.length) {
    const n = sizes[i++ % sizes.length];
    out.push(d.subarray(o, o + n));
    o += n;
  }
  return out;
}

test('HashingPassThrough computes MD5 + requested digests and passes data through unchanged', async () => {
  const data = randomBytes(300_001);
  const chunks = chunksOf(data, [1, 4096, 65536, 7, 100_000]);
  const hp = new HashingPassThrough(['CRC32C', 'CRC64NVME', 'SHA256']);
  const received: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    hp,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        received.push(chunk);
        cb();
      },
    }),
  );
  assert.equal(hp.bytes, data.length);
  assert.deepEqual(Buffer.concat(received), data);
  // no copies: the very same chunk objects come out
  assert.equal(received[0], chunks[0]);
  const d = hp.digests();
  assert.deepEqual([...d.keys()].sort(), ['CRC32C', 'CRC64NVME', 'MD5', 'SHA256']);
  for (const [a, v] of d) assert.deepEqual(v, hashBuffer(a, data), a);
  assert.equal(hp.digestBase64('CRC32C'), hashBuffer('CRC32C', data).toString('base64'));
  assert.equal(hp.digestBase64('SHA1'), undefined);
});

test('HashingPassThrough: md5 can be disabled; empty stream; digests() before end throws', async () => {
  const hp = new HashingPassThrough(['CRC32'], { md5: false });
  assert.throws(() => hp.digests());
  await pipeline(Readable.from([]), hp, new Writable({ write: (_c, _e, cb) => cb() }));
  assert.equal(hp.bytes, 0);
  assert.deepEqual([...hp.digests().keys()], ['CRC32']);
  assert.equal(hp.digests().get('CRC32')!.toString('hex'), '00000000');
});

test('hashIterable hashes and forwards chunks to a sink', async () => {
  const data = randomBytes(50_000);
  const seen: Buffer[] = [];
  const r = await hashIterable(Readable.from(chunksOf(data, [333, 10_000])), ['SHA1', 'CRC32'], {
    sink: (c) => {
      seen.push(c);
    },
  });
  assert.equal(r.bytes, data.length);
  assert.deepEqual(Buffer.concat(seen), data);
  for (const a of ['SHA1', 'CRC32', 'MD5'] as const) assert.deepEqual(r.digests.get(a), hashBuffer(a, data));
});

test('MultiHasher dedupes algorithms and refuses updates after finish', () => {
  const m = new MultiHasher(['CRC32', 'CRC32']);
  m.update(Buffer.from('123456789'));
  const d = m.finish();
  assert.equal(d.size, 2);
  assert.equal(d.get('CRC32')!.toString('hex'), 'cbf43926');
  assert.equal(m.finish(), d);
  assert.throws(() => m.update(Buffer.alloc(1)));
});
