/**
 * DESIGN.md principle 4: operations know nothing of HTTP; stores know nothing of S3 XML.
 *   src/ops   imports no node:http(s), nothing from src/xml (except codec *types* in ops/types.ts),
 *             and no concrete store (store/meta/sqlite/, store/blob/fs-blob-store).
 *   src/store imports nothing from src/http, src/ops, src/auth or src/xml.
 *   src/api (operation table, router, parameters) and src/access (the authorizer) are pure: no
 *             node:http(s), nothing from src/xml, no concrete store, only types from src/http.
 *   Only the pipeline and the authorizer decide access: nothing in src/ops checks ownership.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../helpers/coffer-entry.js';

const SRC = join(REPO_ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

interface Import { readonly from: string; readonly target: string; readonly typeOnly: boolean }

/** Every static/dynamic import and re-export of a file, with the target resolved to a src/-relative path. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  const patterns = [
    /^\s*(import|export)\s+(type\s+)?[^'"]*?\bfrom\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const [i, pattern] of patterns.entries()) {
    for (const match of text.matchAll(pattern)) {
      const specifier = i === 0 ? match[3]! : match[1]!;
      const typeOnly = i === 0 && match[2] !== undefined;
      const target = specifier.startsWith('.') ? relative(SRC, resolve(dirname(file), specifier)).replace(/\.js$/, '') : specifier;
      found.push({ from: relative(SRC, file), target, typeOnly });
    }
  }
  return found;
}

const all = sources(SRC).flatMap(importsOf);

test('architecture.the import scanner sees imports (sanity)', () => {
  assert.ok(all.some((i) => i.from === 'http/pipeline.ts' && i.target === 'ops/index'));
  assert.ok(all.some((i) => i.from === 'ops/types.ts' && i.target === 'xml/codec' && i.typeOnly));
});

test('architecture.src/ops imports no node:http, no src/xml (but codec types in ops/types.ts), no concrete store', () => {
  const violations = all
    .filter((i) => i.from.startsWith('ops/'))
    .filter((i) =>
      /^(node:)?https?$|^(node:)?http2$/.test(i.target) ||
      (i.target.startsWith('xml/') && !(i.from === 'ops/types.ts' && i.target === 'xml/codec' && i.typeOnly)) ||
      i.target.startsWith('store/meta/sqlite/') || i.target.startsWith('store/meta/postgres/') || i.target === 'store/blob/fs-blob-store',
    )
    .map((i) => `${i.from} → ${i.target}`);
  assert.deepEqual(violations, []);
});

test('architecture.src/store imports nothing from http, ops, auth or xml', () => {
  const violations = all
    .filter((i) => i.from.startsWith('store/'))
    .filter((i) => /^(http|ops|auth|xml)\//.test(i.target) || ['errors', 'coffer', 'cli', 'config'].includes(i.target))
    .map((i) => `${i.from} → ${i.target}`);
  assert.deepEqual(violations, []);
});

test('architecture.src/api and src/access are pure: no node:http, no src/http, no src/xml, no concrete store', () => {
  const violations = all
    .filter((i) => i.from.startsWith('api/') || i.from.startsWith('access/'))
    .filter((i) =>
      /^(node:)?https?$|^(node:)?http2$/.test(i.target) || (i.target.startsWith('http/') && !i.typeOnly) || i.target.startsWith('xml/') ||
      i.target.startsWith('store/meta/sqlite/') || i.target.startsWith('store/meta/postgres/') || i.target === 'store/blob/fs-blob-store',
    )
    .map((i) => `${i.from} → ${i.target}`);
  assert.deepEqual(violations, []);
});

test('architecture.ops/ is grouped in family folders; the pipeline alone loads the bucket it authorizes', () => {
  const loose = readdirSync(join(SRC, 'ops')).filter((name) => name.endsWith('.ts'));
  assert.deepEqual(loose.sort(), ['index.ts', 'opaque-id.ts', 'request-xml.ts', 'translate-error.ts', 'types.ts']);
  const checks = sources(join(SRC, 'ops')).filter((file) => /requireOwnedBucket|ctx\.user\.id !== bucket\.ownerId/.test(readFileSync(file, 'utf8')));
  assert.deepEqual(checks, []);
});
