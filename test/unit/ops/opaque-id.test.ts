import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opaqueId } from '../../../src/ops/opaque-id.js';
import { RequestParameters } from '../../../src/api/parameters.js';
import { newVersionId } from '../../../src/ops/versioning/version-ids.js';

test('opaqueId: URL-safe, never starting with a character a CLI reads as an option', () => {
  for (let i = 0; i < 5000; i++) {
    const id = opaqueId(24);
    assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{31}$/);
  }
});

test('newVersionId: accepted back as a versionId parameter', () => {
  const id = newVersionId();
  assert.equal(new RequestParameters(new URLSearchParams({ versionId: id })).versionId(), id);
});
