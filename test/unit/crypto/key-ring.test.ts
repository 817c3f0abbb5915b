import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { addMasterKey, loadMasterKeyRing, MasterKeyRing, UNWRAPPED_KEYS_CACHED_MAX } from '../../../src/crypto/key-ring.js';

describe('crypto/key-ring', () => {
  it('MasterKeyRing.unwrap: cached per wrapped key, least recently used dropped past the bound, never for another key id', () => {
    const master = randomBytes(32);
    const ring = MasterKeyRing.of([master], master);
    const wrapped = Array.from({ length: UNWRAPPED_KEYS_CACHED_MAX + 1 }, () => {
      const dataKey = randomBytes(32);
      return { dataKey, base64: ring.wrap(dataKey).toString('base64') };
    });
    assert.deepEqual(ring.unwrap(ring.currentKeyId, wrapped[0]!.base64), wrapped[0]!.dataKey);
    assert.deepEqual(ring.unwrap(ring.currentKeyId, wrapped[0]!.base64), wrapped[0]!.dataKey, 'a hit gives the same key');
    assert.equal(ring.cachedKeys, 1);
    for (const w of wrapped.slice(1, -1)) ring.unwrap(ring.currentKeyId, w.base64);
    assert.equal(ring.cachedKeys, UNWRAPPED_KEYS_CACHED_MAX);
    ring.unwrap(ring.currentKeyId, wrapped[0]!.base64); // now the most recently used
    ring.unwrap(ring.currentKeyId, wrapped.at(-1)!.base64);
    assert.equal(ring.cachedKeys, UNWRAPPED_KEYS_CACHED_MAX, 'bounded');
    assert.equal(ring.holds(wrapped[1]!.base64), false, 'the least recently used was dropped');
    assert.equal(ring.holds(wrapped[0]!.base64), true, 'the one used again was kept');
    // A cached wrapped key presented under another key id is not answered from the cache.
    assert.throws(() => ring.unwrap('master:0000000000000000', wrapped[0]!.base64), /not in the key ring/);
    const altered = Buffer.from(wrapped[2]!.base64, 'base64');
    altered[20]! ^= 1;
    assert.throws(() => ring.unwrap(ring.currentKeyId, altered.toString('base64')), /failed to unwrap/);
  });

  it('MasterKeyRing.rotation: the rotated ring starts with no unwrapped key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-ring-'));
    try {
      const ring = await loadMasterKeyRing(dir);
      const wrapped = ring.wrap(randomBytes(32)).toString('base64');
      ring.unwrap(ring.currentKeyId, wrapped);
      const rotated = await addMasterKey(dir);
      assert.equal(rotated.cachedKeys, 0);
      assert.notEqual(rotated.currentKeyId, ring.currentKeyId);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
