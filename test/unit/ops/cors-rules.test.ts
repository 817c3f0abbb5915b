/** CORS rule evaluation as AWS does it: first match, one `*` (matching nothing too), header names without case. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corsResponseHeaders, matchingRule, type CorsRule } from '../../../src/ops/cors/rules.js';

const rule = (allowedOrigins: string[], extra: Partial<CorsRule> = {}): CorsRule => ({ allowedOrigins, allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [], ...extra });

test('matchingRule.a wildcard origin is anchored at both ends and may match nothing', () => {
  const rules = [rule(['start*end'])];
  for (const origin of ['startend', 'start1end', 'start12end']) assert.ok(matchingRule(rules, { origin, method: 'GET', headers: [] }), origin);
  for (const origin of ['0start12end', 'start12end0', 'start']) assert.equal(matchingRule(rules, { origin, method: 'GET', headers: [] }), undefined, origin);
});

test('matchingRule.the first rule that allows origin, method and every requested header answers', () => {
  const first = rule(['https://a.example'], { allowedHeaders: ['x-amz-*'] });
  const second = rule(['*'], { allowedMethods: ['GET', 'PUT'], allowedHeaders: ['Content-Type'] });
  assert.equal(matchingRule([first, second], { origin: 'https://a.example', method: 'GET', headers: ['x-amz-meta-a'] }), first);
  assert.equal(matchingRule([first, second], { origin: 'https://a.example', method: 'GET', headers: ['content-type'] }), second);
  assert.equal(matchingRule([first, second], { origin: 'https://a.example', method: 'GET', headers: ['x-amz-meta-a', 'content-type'] }), undefined);
  assert.equal(matchingRule([first, second], { origin: 'https://b.example', method: 'DELETE', headers: [] }), undefined);
});

test('corsResponseHeaders.a `*` rule answers `*` without credentials; a named origin is echoed with credentials', () => {
  assert.deepEqual(corsResponseHeaders(rule(['*'], { maxAgeSeconds: 5 }), 'http://x'), {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET',
    'access-control-max-age': '5',
  });
  assert.deepEqual(corsResponseHeaders(rule(['http://*.x'], { exposeHeaders: ['ETag', 'x-amz-version-id'] }), 'http://a.x'), {
    'access-control-allow-origin': 'http://a.x',
    'access-control-allow-methods': 'GET',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'ETag, x-amz-version-id',
  });
});
