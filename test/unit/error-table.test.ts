/**
 * DESIGN.md principle 2: one error table. Every code thrown in src/ is in it (the compiler already
 * checks `new S3Error('Code')`; this also catches codes built as strings), and every entry has a
 * 3-digit HTTP status and a message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/coffer-entry.js';
import { S3_ERRORS, S3Error, type S3ErrorCode } from '../../src/errors.js';

const SRC = join(REPO_ROOT, 'src');
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

test('errors.every table entry has a 3-digit status and a non-empty message', () => {
  for (const [code, entry] of Object.entries(S3_ERRORS)) {
    assert.match(String(entry.status), /^[1-5]\d\d$/, code);
    assert.ok(entry.message.trim().length > 0, code);
    // KMS's errors as S3 wraps them keep KMS's prefix (KMS.NotFoundException).
    assert.match(code, /^(KMS\.)?[A-Z][A-Za-z0-9]+$/, code);
  }
});

test('errors.every S3Error code used in src/ is in the table', () => {
  const used = new Set<string>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/new S3Error\(\s*'([^']+)'/g)) used.add(m[1]!);
    // Code-to-code maps (e.g. store errors → S3 codes in http/respond.ts).
    for (const m of text.matchAll(/:\s*S3ErrorCode\b[^=]*=\s*\{([^}]*)\}/g)) for (const v of m[1]!.matchAll(/:\s*'([^']+)'/g)) used.add(v[1]!);
  }
  assert.ok(used.size > 20, `found ${used.size} codes`);
  const missing = [...used].filter((code) => !(code in S3_ERRORS));
  assert.deepEqual(missing, []);
});

test('errors.S3Error takes status and default message from the table', () => {
  for (const code of Object.keys(S3_ERRORS) as S3ErrorCode[]) {
    const error = new S3Error(code);
    assert.equal(error.status, S3_ERRORS[code].status);
    assert.equal(error.message, S3_ERRORS[code].message);
  }
  assert.equal(new S3Error('NoSuchKey', 'custom').message, 'custom');
});
