import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { OpenedInlineCache } from '../../../src/crypto/opened-inline.js';

describe('crypto/opened-inline', () => {
  it('OpenedInlineCache: keeps bytes opened a second time from the same Buffer; a hit needs that very Buffer, not equal bytes', () => {
    const cache = new OpenedInlineCache(1024);
    const sealed = randomBytes(40);
    const plain = randomBytes(24);
    cache.opened(sealed, plain);
    assert.equal(cache.get(sealed), undefined, 'opened once: not kept (a store that hands out new Buffers would only fill the cache)');
    assert.equal(cache.size, 0);
    cache.opened(sealed, plain);
    assert.equal(cache.get(sealed), plain);
    assert.equal(cache.get(Buffer.from(sealed)), undefined, 'the same bytes in another Buffer (a version read again, or another row)');
  });

  it('OpenedInlineCache: bounded by sealed + plain bytes, least recently used dropped first; an entry over the bound is not kept', () => {
    const cache = new OpenedInlineCache(300);
    const entries = Array.from({ length: 3 }, () => ({ sealed: randomBytes(60), plain: randomBytes(44) })); // 104 bytes each
    const twice = (e: { sealed: Buffer; plain: Buffer }) => {
      cache.opened(e.sealed, e.plain);
      cache.opened(e.sealed, e.plain);
    };
    for (const entry of entries.slice(0, 2)) twice(entry);
    assert.equal(cache.heldBytes, 208);
    assert.equal(cache.get(entries[0]!.sealed), entries[0]!.plain); // the second is now the least recently used
    twice(entries[2]!);
    assert.equal(cache.size, 2);
    assert.equal(cache.heldBytes, 208);
    assert.equal(cache.get(entries[1]!.sealed), undefined, 'the least recently used went');
    assert.equal(cache.get(entries[0]!.sealed), entries[0]!.plain);
    assert.equal(cache.get(entries[2]!.sealed), entries[2]!.plain);
    twice({ sealed: randomBytes(200), plain: randomBytes(101) });
    assert.equal(cache.size, 2, 'larger than the whole bound: not kept, nothing dropped for it');
    assert.equal(cache.heldBytes, 208);
  });
});
