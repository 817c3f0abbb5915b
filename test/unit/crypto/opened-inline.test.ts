import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { entryCost, OpenedInlineCache } from '../../../src/crypto/opened-inline.js';

/** A Buffer with a backing store of its own (Buffer.alloc never takes from the pool). */
function own(bytes: number): Buffer {
  return randomFillSync(Buffer.alloc(bytes));
}

function openedTwice(cache: OpenedInlineCache, e: { sealed: Buffer; plain: Buffer }): void {
  cache.opened(e.sealed, e.plain);
  cache.opened(e.sealed, e.plain);
}

describe('crypto/opened-inline', () => {
  it('OpenedInlineCache: keeps bytes opened a second time from the same Buffer; a hit needs that very Buffer, not equal bytes', () => {
    const cache = new OpenedInlineCache(64 * 1024);
    const sealed = own(40);
    const plain = own(24);
    cache.opened(sealed, plain);
    assert.equal(cache.get(sealed), undefined, 'opened once: not kept (a store that hands out new Buffers would only fill the cache)');
    assert.equal(cache.size, 0);
    cache.opened(sealed, plain);
    assert.equal(cache.get(sealed), plain);
    assert.equal(cache.get(Buffer.from(sealed)), undefined, 'the same bytes in another Buffer (a version read again, or another row)');
  });

  it('OpenedInlineCache: bounded by the memory entries keep alive, least recently used dropped first; an entry over the bound is not kept', () => {
    const entries = Array.from({ length: 3 }, () => ({ sealed: own(600), plain: own(400) }));
    const cost = entryCost(entries[0]!.sealed, entries[0]!.plain);
    assert.ok(cost >= 1000);
    const cache = new OpenedInlineCache(2 * cost + cost / 2);
    for (const entry of entries.slice(0, 2)) openedTwice(cache, entry);
    assert.equal(cache.heldBytes, 2 * cost);
    assert.equal(cache.get(entries[0]!.sealed), entries[0]!.plain); // the second is now the least recently used
    openedTwice(cache, entries[2]!);
    assert.equal(cache.size, 2);
    assert.equal(cache.heldBytes, 2 * cost);
    assert.equal(cache.get(entries[1]!.sealed), undefined, 'the least recently used went');
    assert.equal(cache.get(entries[0]!.sealed), entries[0]!.plain);
    assert.equal(cache.get(entries[2]!.sealed), entries[2]!.plain);
    openedTwice(cache, { sealed: own(3 * cost), plain: own(10) });
    assert.equal(cache.size, 2, 'larger than the whole bound: not kept, nothing dropped for it');
    assert.equal(cache.heldBytes, 2 * cost);
  });

  it('OpenedInlineCache: a small Buffer that is a slice of a pool slab counts as the whole slab it keeps alive', () => {
    const sealed = Buffer.from('c2VhbGVkIGJ5dGVz', 'base64'); // short: taken from Node's 8 KiB pool
    assert.ok(sealed.buffer.byteLength > sealed.length, 'a slice of a larger backing store');
    const plain = own(12);
    assert.ok(entryCost(sealed, plain) >= sealed.buffer.byteLength + 12);
    const cache = new OpenedInlineCache(entryCost(sealed, plain) - 1);
    openedTwice(cache, { sealed, plain });
    assert.equal(cache.size, 0, 'its 12 + 12 bytes would fit; the slab does not');
  });
});
