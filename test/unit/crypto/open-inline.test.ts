import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CUSTOMER_KEY_ID, MasterKeyRing } from '../../../src/crypto/key-ring.js';
import { DataKeyUnavailableError, DataKeys, openInline, sealInline } from '../../../src/crypto/sealed-blobs.js';
import { UnwrappedKeys } from '../../../src/crypto/unwrapped-keys.js';
import type { Extent } from '../../../src/store/meta/metadata-store.js';

function inlineExtent(plain: Buffer, keys: DataKeys): Extent {
  const blob = sealInline(plain, keys);
  return { blobId: '', offset: 0, length: plain.length, sealing: blob.sealing, inline: blob.inline };
}

describe('crypto/open-inline', () => {
  it('openInline: opened again from the same bytes, a whole read and a range give the plaintext; the request\'s keys are still required', () => {
    const master = randomBytes(32);
    const keys = new DataKeys(MasterKeyRing.of([master], master));
    const plain = randomBytes(4096);
    const extent = inlineExtent(plain, keys);
    // The first two open the bytes (the second keeps them), the rest are answered from memory.
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(openInline({ extent, from: 0, to: plain.length }, keys), plain);
      assert.deepEqual(openInline({ extent, from: 100, to: 1100 }, keys), plain.subarray(100, 1100));
    }
    const other = randomBytes(32);
    const withoutThatMaster = new DataKeys(MasterKeyRing.of([other], other));
    assert.throws(() => openInline({ extent, from: 0, to: plain.length }, withoutThatMaster), /not in the key ring|failed to unwrap/);
  });

  it('openInline: an SSE-KMS object\'s bytes kept in memory still open only under its own encryption context (a record moved to another object fails)', () => {
    const master = randomBytes(32);
    const ring = MasterKeyRing.of([master], master);
    const kmsKey = { keyId: 'kms:1234abcd-12ab-34cd-56ef-1234567890ab', key: randomBytes(32), cache: new UnwrappedKeys(10) };
    const keys = new DataKeys(ring, { ...kmsKey, context: Buffer.from('[["aws:s3:arn","arn:aws:s3:::b/a"]]') });
    const plain = randomBytes(4096);
    const extent = inlineExtent(plain, keys);
    assert.equal(keys.keptInMemory(extent.sealing!), true);
    for (let i = 0; i < 3; i++) assert.deepEqual(openInline({ extent, from: 0, to: plain.length }, keys), plain);
    const anotherObject = new DataKeys(ring, { ...kmsKey, context: Buffer.from('[["aws:s3:arn","arn:aws:s3:::b/b"]]') });
    assert.throws(() => openInline({ extent, from: 0, to: plain.length }, anotherObject), DataKeyUnavailableError);
  });

  it('openInline: a DSSE-KMS object (two layers) opened again gives its plaintext; another context still fails', () => {
    const master = randomBytes(32);
    const ring = MasterKeyRing.of([master], master);
    const kmsKey = { keyId: 'kms:1234abcd-12ab-34cd-56ef-1234567890ac', key: randomBytes(32), cache: new UnwrappedKeys(10) };
    const keys = new DataKeys(ring, { ...kmsKey, context: Buffer.from('[["aws:s3:arn","arn:aws:s3:::b/d"]]') }, true);
    const plain = randomBytes(3000);
    const extent = inlineExtent(plain, keys);
    assert.ok(extent.sealing!.outer, 'two layers');
    for (let i = 0; i < 3; i++) assert.deepEqual(openInline({ extent, from: 7, to: 2900 }, keys), plain.subarray(7, 2900));
    const anotherObject = new DataKeys(ring, { ...kmsKey, context: Buffer.from('[["aws:s3:arn","arn:aws:s3:::b/e"]]') }, true);
    assert.throws(() => openInline({ extent, from: 0, to: plain.length }, anotherObject), DataKeyUnavailableError);
  });

  it('DataKeys.keptInMemory: a master key\'s data keys, not a customer key\'s (SSE-C plaintext is never kept)', () => {
    const master = randomBytes(32);
    const ring = MasterKeyRing.of([master], master);
    const customerKey = randomBytes(32);
    const customer = new DataKeys(ring, { keyId: CUSTOMER_KEY_ID, key: customerKey });
    const plain = randomBytes(64);
    const sseC = inlineExtent(plain, customer);
    assert.equal(customer.keptInMemory(sseC.sealing!), false);
    assert.equal(new DataKeys(ring).keptInMemory(inlineExtent(plain, new DataKeys(ring)).sealing!), true);
    for (let i = 0; i < 3; i++) assert.deepEqual(openInline({ extent: sseC, from: 0, to: plain.length }, customer), plain);
    const anotherCustomer = new DataKeys(ring, { keyId: CUSTOMER_KEY_ID, key: randomBytes(32) });
    assert.throws(() => openInline({ extent: sseC, from: 0, to: plain.length }, anotherCustomer), DataKeyUnavailableError);
  });
});
