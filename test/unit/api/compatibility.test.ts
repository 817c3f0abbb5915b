import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COMPATIBILITY_PATH, compatibilityMarkdown } from '../../../scripts/compatibility.js';

test('docs/compatibility.md is what `npm run docs:compat` generates from the operation table', () => {
  const committed = readFileSync(COMPATIBILITY_PATH, 'utf8');
  assert.ok(committed === compatibilityMarkdown(), 'docs/compatibility.md is stale: run `npm run docs:compat` and commit it');
});

test('the compatibility table lists every operation with a status', () => {
  const table = compatibilityMarkdown();
  assert.match(table, /^\| PutObject \| `PUT \/bucket\/key` \| `s3:PutObject` \| supported \|/m);
  assert.match(table, /^\| SelectObjectContent \| `POST \/bucket\/key\?select&select-type=2` \| `s3:GetObject` \| not yet \|/m);
  assert.match(table, /^\| RestoreObject \| .* \| partial \| archived classes/m);
});
