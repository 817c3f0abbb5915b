import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { OffThreadMd5 } from '../../../src/checksum/md5-worker.js';

/** Feeds `data` in chunks of the given sizes (repeated), waiting when the worker is behind, as ingest does. */
async function md5OffThread(data: Buffer, sizes: readonly number[]): Promise<Buffer> {
  const md5 = new OffThreadMd5();
  try {
    for (let at = 0, i = 0; at < data.length; i++) {
      const size = sizes[i % sizes.length]!;
      const behind = md5.update(data.subarray(at, at + size));
      if (behind) await behind;
      at += size;
    }
    return await md5.digest();
  } finally {
    md5.close();
  }
}

describe('checksum/md5-worker', () => {
  it('OffThreadMd5: the MD5 node computes in place, for bodies cut every way, several at once', async () => {
    const bodies = [Buffer.alloc(0), randomBytes(1), randomBytes(256 * 1024), randomBytes(3 * 1024 * 1024 + 17)];
    const cuts = [[65536], [7, 300_000, 1], [1 << 20]];
    const results = await Promise.all(bodies.flatMap((body) => cuts.map(async (sizes) => [body, await md5OffThread(body, sizes)] as const)));
    for (const [body, digest] of results) assert.deepEqual(digest, createHash('md5').update(body).digest(), `${body.length} bytes`);
  });

  it('OffThreadMd5.close: a dropped body leaves the others intact, and the chunk handed over stays the caller\'s', async () => {
    const dropped = new OffThreadMd5();
    const chunk = randomBytes(600 * 1024);
    await dropped.update(chunk);
    dropped.close();
    const kept = Buffer.from(chunk);
    assert.deepEqual(await md5OffThread(chunk, [100_000]), createHash('md5').update(kept).digest());
    assert.deepEqual(chunk, kept);
  });
});
