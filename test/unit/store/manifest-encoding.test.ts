import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { blobIdsOf, type Extent } from '../../../src/store/meta/metadata-store.js';
import { blobIdsOfEncoded, decodeManifest, encodeManifest } from '../../../src/store/meta/sqlite/rows.js';

/** The stored form, written the plain way: what rows already on disk hold, which must not change. */
function plainEncoding(manifest: readonly Extent[]): string {
  return JSON.stringify(manifest.map((e) => {
    const s = e.sealing;
    if (!s) return [e.blobId, e.offset, e.length];
    const sealed = [e.blobId, e.offset, e.length, s.keyId, s.wrappedKey, s.nonceBase, s.segmentBytes, s.blobBytes];
    const inline = e.inline ? e.inline.toString('base64') : null;
    if (s.version !== undefined || s.outer !== undefined) return [...sealed, inline, { ...(s.version ? { version: s.version } : {}), ...(s.outer ? { outer: s.outer } : {}) }];
    return inline === null ? sealed : [...sealed, inline];
  }));
}

test('encodeManifest writes every kind of extent exactly as JSON.stringify did, reads back, and names the same blobs', () => {
  const sealing = { keyId: 'master:0123abcd', wrappedKey: randomBytes(60).toString('base64'), nonceBase: randomBytes(12).toString('base64'), segmentBytes: 65536, blobBytes: 4096 };
  const outer = { wrappedKey: randomBytes(60).toString('base64'), nonceBase: randomBytes(12).toString('base64') };
  const manifests: Extent[][] = [
    [],
    [{ blobId: 'b"\\\u00e9', offset: 0, length: 10 }],
    [{ blobId: 'f1', offset: 5, length: 4096, sealing }],
    [{ blobId: '', offset: 0, length: 4096, sealing, inline: randomBytes(4112) }],
    [{ blobId: '', offset: 0, length: 1, sealing: { ...sealing, version: 2 }, inline: randomBytes(17) }],
    [{ blobId: '', offset: 0, length: 1, sealing: { ...sealing, version: 2, outer }, inline: randomBytes(33) }],
    [{ blobId: 'f2', offset: 0, length: 9, sealing: { ...sealing, version: 2 } }, { blobId: '', offset: 0, length: 3, sealing, inline: Buffer.alloc(0) }],
    // An inline extent first, a file blob after it: the blob is still found.
    [{ blobId: '', offset: 0, length: 3, sealing, inline: randomBytes(3) }, { blobId: 'f3', offset: 0, length: 9, sealing }],
    [{ blobId: '', offset: 0, length: 1, sealing: { ...sealing, version: 2, outer }, inline: randomBytes(5) }, { blobId: 'f4', offset: 0, length: 9, sealing: { ...sealing, version: 2, outer } }],
  ];
  for (const manifest of manifests) {
    const text = encodeManifest(manifest);
    assert.equal(text, plainEncoding(manifest));
    assert.deepEqual(decodeManifest(text), manifest.map((e) => ({ ...e })));
    assert.deepEqual(blobIdsOfEncoded(text), blobIdsOf(manifest));
  }
});
