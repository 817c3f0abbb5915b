import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { adminRequest } from '../../helpers/admin-request.js';
import { rawRequest } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';

let server: TestServer;
const root = (method: string, path: string, body?: unknown) => adminRequest(server.endpoint, ROOT_KEYS, method, path, body);

before(async () => {
  server = await startServer();
});
after(() => server.stop());

const ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'coffer-admin:*', Resource: '*' }] };

test('Admin.users: create, get, list, duplicate 409, delete, then 404', async () => {
  const created = await root('POST', '/_admin/v1/users', { name: 'alice', email: 'alice@example.com' });
  assert.equal(created.status, 201);
  assert.equal(created.json.name, 'alice');
  assert.match(created.json.canonicalId, /^[0-9a-f]{64}$/);
  assert.equal(created.headers['content-type'], 'application/json');
  assert.deepEqual((await root('GET', '/_admin/v1/users/alice')).json.email, 'alice@example.com');
  assert.ok((await root('GET', '/_admin/v1/users')).json.users.some((u: { name: string }) => u.name === 'alice'));
  const again = await root('POST', '/_admin/v1/users', { name: 'alice' });
  assert.equal(again.status, 409);
  assert.deepEqual({ code: again.json.code, message: again.json.message }, { code: 'UserAlreadyExists', message: 'A user with this name or canonical id exists.' });
  assert.equal((await root('DELETE', '/_admin/v1/users/alice')).status, 204);
  const gone = await root('GET', '/_admin/v1/users/alice');
  assert.equal(gone.status, 404);
  assert.equal(gone.json.code, 'NoSuchUser');
  assert.equal((await root('DELETE', '/_admin/v1/users/alice')).json.code, 'NoSuchUser');
});

test('Admin.users: bad input is 400 with a JSON error', async () => {
  const badName = await root('POST', '/_admin/v1/users', { name: 'no spaces allowed' });
  assert.deepEqual([badName.status, badName.json.code, badName.json.message], [400, 'InvalidUserName', 'A user name is 1 to 64 letters, digits or +=,.@_-.']);
  const missing = await root('POST', '/_admin/v1/users', {});
  assert.deepEqual([missing.status, missing.json.code, missing.json.message], [400, 'InvalidRequest', 'name must be a string and is required.']);
  const notJson = await root('POST', '/_admin/v1/users', '{"name":');
  assert.deepEqual([notJson.status, notJson.json.code, notJson.json.message], [400, 'MalformedJSON', 'The request body is not valid JSON.']);
  const big = await root('POST', '/_admin/v1/users', { name: 'x', pad: 'y'.repeat(70 * 1024) });
  assert.deepEqual([big.status, big.json.code], [413, 'EntityTooLarge']);
  const nowhere = await root('GET', '/_admin/v1/nothing');
  assert.deepEqual([nowhere.status, nowhere.json.code], [404, 'NotFound']);
  const wrongMethod = await root('PUT', '/_admin/v1/users');
  assert.deepEqual([wrongMethod.status, wrongMethod.json.code, wrongMethod.json.message], [405, 'MethodNotAllowed', 'PUT is not allowed on /_admin/v1/users.']);
});

test('Admin.keys: create returns the secret once, it signs S3 requests; disable, enable, delete', async () => {
  await root('POST', '/_admin/v1/users', { name: 'bob' });
  const key = await root('POST', '/_admin/v1/users/bob/keys');
  assert.equal(key.status, 201);
  assert.equal(key.json.status, 'Active');
  assert.equal(typeof key.json.secretAccessKey, 'string');
  const listed = await root('GET', '/_admin/v1/users/bob/keys');
  assert.deepEqual(listed.json.keys.map((k: { accessKeyId: string }) => k.accessKeyId), [key.json.accessKeyId]);
  assert.equal(listed.json.keys[0].secretAccessKey, undefined, 'a listing never shows a secret');
  const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: key.json.accessKeyId, secretAccessKey: key.json.secretAccessKey } });
  await client.send(new ListBucketsCommand({}));
  assert.equal((await root('PATCH', `/_admin/v1/keys/${key.json.accessKeyId}`, { status: 'Inactive' })).status, 204);
  await assert.rejects(client.send(new ListBucketsCommand({})), { name: 'InvalidAccessKeyId' });
  const badStatus = await root('PATCH', `/_admin/v1/keys/${key.json.accessKeyId}`, { status: 'Paused' });
  assert.deepEqual([badStatus.status, badStatus.json.message], [400, "status must be 'Active' or 'Inactive'."]);
  assert.equal((await root('PATCH', `/_admin/v1/keys/${key.json.accessKeyId}`, { status: 'Active' })).status, 204);
  await client.send(new ListBucketsCommand({}));
  assert.equal((await root('DELETE', `/_admin/v1/keys/${key.json.accessKeyId}`)).status, 204);
  const missing = await root('DELETE', `/_admin/v1/keys/${key.json.accessKeyId}`);
  assert.deepEqual([missing.status, missing.json.code], [404, 'NoSuchAccessKey']);
  assert.deepEqual((await root('POST', '/_admin/v1/users/nobody/keys')).json.code, 'NoSuchUser');
  client.destroy();
});

test('Admin.policy: set, get, malformed 400, a non-admin is refused until its policy allows coffer-admin:*', async () => {
  await root('POST', '/_admin/v1/users', { name: 'carol' });
  const key = (await root('POST', '/_admin/v1/users/carol/keys')).json;
  const carol = (method: string, path: string, body?: unknown) => adminRequest(server.endpoint, key, method, path, body);
  const who = await carol('GET', '/_admin/v1/whoami');
  assert.deepEqual([who.status, who.json.userName, who.json.admin, who.json.root], [200, 'carol', false, false]);
  const denied = await carol('GET', '/_admin/v1/users');
  assert.deepEqual([denied.status, denied.json.code, denied.json.message], [403, 'AccessDenied', 'User carol is not allowed coffer-admin:ListUsers.']);
  assert.deepEqual([(await root('GET', '/_admin/v1/users/carol/policy')).status], [404]);
  const malformed = await root('PUT', '/_admin/v1/users/carol/policy', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bad action', Resource: '*' }] });
  assert.deepEqual([malformed.status, malformed.json.code, malformed.json.message], [400, 'MalformedPolicyDocument', 'Policy has invalid action']);
  assert.equal((await root('PUT', '/_admin/v1/users/carol/policy', ADMIN_POLICY)).status, 204);
  assert.deepEqual((await root('GET', '/_admin/v1/users/carol/policy')).json, ADMIN_POLICY);
  assert.equal((await carol('GET', '/_admin/v1/users')).status, 200);
  assert.equal((await carol('GET', '/_admin/v1/whoami')).json.admin, true);
  assert.equal((await root('DELETE', '/_admin/v1/users/carol/policy')).status, 204);
  assert.equal((await carol('GET', '/_admin/v1/info')).status, 403);
});

test('Admin.info and jobs: version, uptime, storage counts, lifecycle and outbox state', async () => {
  const bucket = await server.newBucket('admin-info', { keys: ['a', 'bb'] });
  const info = await root('GET', '/_admin/v1/info');
  assert.equal(info.status, 200);
  assert.match(info.json.version, /^\d+\.\d+\.\d+/);
  assert.equal(typeof info.json.uptimeSeconds, 'number');
  assert.ok(info.json.storage.buckets >= 1 && info.json.storage.objects >= 2 && info.json.storage.bytes >= 3, JSON.stringify(info.json));
  const jobs = await root('GET', '/_admin/v1/jobs');
  assert.equal(jobs.status, 200);
  assert.equal(typeof jobs.json.lifecycle.leaseHeld, 'boolean');
  assert.deepEqual([jobs.json.outbox.depth, jobs.json.outbox.depthIsLowerBound], [0, false]);
  assert.ok(bucket);
});

test('Admin.auth: unsigned, presigned-style and tampered requests are refused', async () => {
  const anonymous = await rawRequest(server.endpoint, { method: 'GET', path: '/_admin/v1/users' });
  assert.equal(anonymous.status, 403);
  assert.deepEqual(JSON.parse(anonymous.text).code, 'AccessDenied');
  const wrongSecret = await adminRequest(server.endpoint, { accessKeyId: ROOT_KEYS.accessKeyId, secretAccessKey: 'wrong' }, 'GET', '/_admin/v1/users');
  assert.deepEqual([wrongSecret.status, wrongSecret.json.code], [403, 'SignatureDoesNotMatch']);
  const unsignedBody = await adminRequest(server.endpoint, ROOT_KEYS, 'POST', '/_admin/v1/users', { name: 'x' }, { extraHeaders: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  assert.deepEqual([unsignedBody.status, unsignedBody.json.code], [400, 'InvalidRequest']);
  const lying = await adminRequest(server.endpoint, ROOT_KEYS, 'POST', '/_admin/v1/users', { name: 'x' }, { extraHeaders: { 'x-amz-content-sha256': 'a'.repeat(64) } });
  assert.deepEqual([lying.status, lying.json.code], [400, 'XAmzContentSHA256Mismatch']);
  assert.equal((await root('GET', '/_admin/v1/users/x')).status, 404, 'the refused requests created nothing');
});

test('Admin.metrics: /_metrics counts admin requests by endpoint pattern and status', async () => {
  const counts = async () => {
    const metrics = (await rawRequest(server.endpoint, { method: 'GET', path: '/_metrics' })).text;
    const count = (endpoint: string, status: number) =>
      Number(new RegExp(`^coffer_admin_requests_total\\{endpoint="${endpoint.replace(/[{}/]/g, '\\$&')}",status="${status}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    return [count('GET /info', 200), count('GET /users/{}', 404), count('-', 404)];
  };
  const before = await counts();
  await root('GET', '/_admin/v1/info');
  await root('GET', '/_admin/v1/users/nobody-here');
  await root('GET', '/_admin/v1/nothing');
  const after = await counts();
  assert.deepEqual(after.map((n, i) => n - before[i]!), [1, 1, 1]);
});
