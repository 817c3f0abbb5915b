/**
 * The router, fed one request per operation as AWS's API Reference shows it (method, path, query,
 * distinguishing headers), plus the requests that once reached the wrong operation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPERATION_NAMES, type OperationName } from '../../../src/api/operations.js';
import { route } from '../../../src/api/router.js';
import { resolveTarget } from '../../../src/http/addressing.js';
import { handlers, serviceHandlers } from '../../../src/ops/index.js';
import { OPERATIONS } from '../../../src/api/operations.js';
import { EXAMPLES, parseExample } from './operation-examples.js';

function routeOf(example: string, host = '127.0.0.1:9000') {
  const { method, path, query, headers } = parseExample(example);
  return route(method, resolveTarget(path, host, 'localhost'), new URLSearchParams(query), (name) => headers.includes(name));
}

for (const name of OPERATION_NAMES) {
  test(`route.${name}: ${EXAMPLES[name]}`, () => {
    assert.equal(routeOf(EXAMPLES[name]).operation, name);
  });
}

test('route.every operation of the table has an example, and the table holds the current S3 API', () => {
  assert.deepEqual(Object.keys(EXAMPLES).sort(), [...OPERATION_NAMES].sort());
  assert.ok(OPERATION_NAMES.length >= 113, `only ${OPERATION_NAMES.length} operations`);
});

test('route.virtual-hosted style lands where path style does', () => {
  assert.equal(routeOf('GET /?acl', 'b.localhost').operation, 'GetBucketAcl');
  assert.equal(routeOf('GET /?session', 'b.localhost').operation, 'CreateSession');
  assert.equal(routeOf('PUT /k?tagging', 'b.localhost').operation, 'PutObjectTagging');
  assert.equal(routeOf('POST /WriteGetObjectResponse [x-amz-request-route]', 'route.localhost').operation, 'WriteGetObjectResponse');
});

test('route.no request reaches another operation (the traps of issue 10)', () => {
  const never: Array<[string, OperationName | undefined]> = [
    ['PUT /b/k?encryption', 'UpdateObjectEncryption'],
    ['DELETE /b?metadataConfiguration', 'DeleteBucketMetadataConfiguration'],
    ['PUT /b/k?renameObject', 'RenameObject'],
    ['POST /?session', undefined],
    ['GET /?session', undefined],
    ['DELETE /b/k?acl', undefined],
    ['DELETE /b?versioning', undefined],
    ['PUT /b/k?uploadId=u', undefined],
    ['HEAD /b?policy', undefined],
    ['GET /b/k?tagging&acl', undefined],
    ['POST /b/k', undefined],
    ['POST /b?select', undefined],
    ['PATCH /b/k', undefined],
    ['POST /WriteGetObjectResponse', 'PostObject'],
  ];
  for (const [example, expected] of never) assert.equal(routeOf(example).operation, expected, example);
});

test('route.handlers register only for operations of their kind', () => {
  for (const name of Object.keys(serviceHandlers) as OperationName[]) {
    const spec = OPERATIONS[name];
    assert.ok(spec.scope === 'service' || 'bucketMayNotExist' in spec, `${name} is not a service-level operation`);
  }
  for (const name of Object.keys(handlers) as OperationName[]) {
    const spec = OPERATIONS[name];
    assert.ok(spec.scope !== 'service' && !('bucketMayNotExist' in spec), `${name} runs without a loaded bucket`);
  }
});
