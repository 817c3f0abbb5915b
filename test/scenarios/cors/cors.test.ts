/**
 * CORS: Put/Get/DeleteBucketCors validated as AWS, the OPTIONS preflight (path-style and
 * virtual-hosted, bucket and object URLs, unauthenticated) and the headers actual requests get.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeleteBucketCorsCommand, GetBucketCorsCommand, GetObjectCommand, PutBucketCorsCommand, type CORSRule, type S3Client } from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { rawRequest, type RawResponse } from '../../helpers/raw-request.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

const NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";
const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

const APP_RULE: CORSRule = {
  ID: 'app',
  AllowedOrigins: ['https://app.example', 'http://*.example.org'],
  AllowedMethods: ['GET', 'PUT'],
  AllowedHeaders: ['content-type', 'x-amz-*'],
  ExposeHeaders: ['ETag', 'x-amz-request-id'],
  MaxAgeSeconds: 3000,
};
const ANY_RULE: CORSRule = { AllowedOrigins: ['*'], AllowedMethods: ['HEAD'] };

function xmlField(text: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
}

function assertError(res: RawResponse, status: number, code: string, message: string, fields: Record<string, string> = {}): void {
  assert.equal(res.status, status, res.text);
  assert.equal(xmlField(res.text, 'Code'), code);
  assert.equal(xmlField(res.text, 'Message')?.replace(/&apos;/g, "'"), message);
  for (const [name, value] of Object.entries(fields)) assert.equal(xmlField(res.text, name), value, name);
}

describe('CORS', () => {
  let server: TestServer;
  let s3: S3Client;
  let bucket: string;
  const options = (path: string, headers: Record<string, string>) => rawRequest(server.endpoint, { method: 'OPTIONS', path, headers });
  before(async () => {
    server = await startServer();
    s3 = server.client();
    bucket = await server.newBucket('cors', { keys: ['k'] });
    await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [APP_RULE, ANY_RULE] } }));
  });
  after(() => server.stop());

  test('GetBucketCors.returns the rules as put, in order', async () => {
    const out = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
    assert.deepEqual(out.CORSRules, [APP_RULE, ANY_RULE]);
  });

  test('DeleteBucketCors.removes the rules: Get answers NoSuchCORSConfiguration, a preflight CORS is not enabled', async () => {
    const other = await server.newBucket('cors-del');
    await s3.send(new PutBucketCorsCommand({ Bucket: other, CORSConfiguration: { CORSRules: [ANY_RULE] } }));
    await s3.send(new DeleteBucketCorsCommand({ Bucket: other }));
    await s3.send(new DeleteBucketCorsCommand({ Bucket: other })); // none: still 204
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: other })), 'NoSuchCORSConfiguration', 404, 'The CORS configuration does not exist');
    const res = await options(`/${other}/k`, { origin: 'https://a.example', 'access-control-request-method': 'PUT' });
    assertError(res, 403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.', { Method: 'PUT', ResourceType: 'BUCKET' });
  });

  test('PutBucketCors.refuses invalid rules as AWS', async () => {
    const put = (rule: CORSRule) => s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [rule] } }));
    await expectS3Error(put({ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }), 'InvalidRequest', 400, 'Found unsupported HTTP method in CORS config. Unsupported method is PATCH');
    await expectS3Error(put({ AllowedOrigins: ['*example*.com'], AllowedMethods: ['GET'] }), 'InvalidRequest', 400, 'AllowedOrigin "*example*.com" can not have more than one wildcard.');
    await expectS3Error(put({ AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['*'] }), 'InvalidRequest', 400, 'ExposeHeader "*" contains wildcard. We currently do not support wildcard for ExposeHeader.');
    await expectS3Error(put({ AllowedOrigins: [], AllowedMethods: ['GET'] }), 'MalformedXML', 400);
    await expectS3Error(
      s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: Array.from({ length: 101 }, () => ANY_RULE) } })),
      'MalformedXML',
      400,
    );
    const origins = Array.from({ length: 3000 }, (_, i) => `https://app-${i}.example`);
    await expectS3Error(
      s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: origins, AllowedMethods: ['GET'] }] } })),
      'MaxMessageLengthExceeded',
      400,
    );
    // The configuration was left as it was.
    assert.equal((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules?.length, 2);
  });

  test('Preflight.matching rule: 200 with the rule headers, requested headers lowercased, path-style object URL', async () => {
    const res = await options(`/${bucket}/some/key`, {
      origin: 'https://app.example',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'Content-Type, X-Amz-Meta-Title',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(res.headers['access-control-allow-methods'], 'GET, PUT');
    assert.equal(res.headers['access-control-allow-headers'], 'content-type, x-amz-meta-title');
    assert.equal(res.headers['access-control-expose-headers'], 'ETag, x-amz-request-id');
    assert.equal(res.headers['access-control-max-age'], '3000');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.equal(res.headers['vary'], VARY);
  });

  test('Preflight.virtual-hosted bucket URL, wildcard origin rule: Allow-Origin *, no credentials', async () => {
    const res = await options('/', { host: `${bucket}.localhost`, origin: 'http://anything:1234', 'access-control-request-method': 'HEAD' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-methods'], 'HEAD');
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
    assert.equal(res.headers['access-control-max-age'], undefined);
    const sub = await options('/', { host: `${bucket}.localhost`, origin: 'http://shop.example.org', 'access-control-request-method': 'GET' });
    assert.equal(sub.headers['access-control-allow-origin'], 'http://shop.example.org');
  });

  test('Preflight.no rule matches: 403 AccessForbidden with Method and ResourceType', async () => {
    const origin = await options(`/${bucket}/k`, { origin: 'https://evil.example', 'access-control-request-method': 'GET' });
    assertError(origin, 403, 'AccessForbidden', NOT_ALLOWED, { Method: 'GET', ResourceType: 'OBJECT' });
    assert.equal(origin.headers['access-control-allow-origin'], undefined);
    const method = await options(`/${bucket}`, { origin: 'https://app.example', 'access-control-request-method': 'DELETE' });
    assertError(method, 403, 'AccessForbidden', NOT_ALLOWED, { Method: 'DELETE', ResourceType: 'BUCKET' });
    const header = await options(`/${bucket}/k`, { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' });
    assertError(header, 403, 'AccessForbidden', NOT_ALLOWED, { Method: 'GET', ResourceType: 'OBJECT' });
    // Refused for its headers alone (origin and method allowed): still no allow headers at all.
    for (const name of ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-expose-headers']) assert.equal(header.headers[name], undefined, name);
  });

  test('Preflight.missing Origin or method, unknown method, missing bucket: AWS errors', async () => {
    assertError(await options(`/${bucket}/k`, {}), 400, 'BadRequest', 'Insufficient information. Origin request header needed.');
    assertError(await options(`/${bucket}/k`, { origin: 'https://app.example' }), 400, 'BadRequest', 'Invalid Access-Control-Request-Method: null');
    assertError(await options(`/${bucket}/k`, { origin: 'https://app.example', 'access-control-request-method': 'PATCH' }), 400, 'BadRequest', 'Invalid Access-Control-Request-Method: PATCH');
    assertError(await options('/no-such-bucket-cors/k', { origin: 'https://app.example', 'access-control-request-method': 'GET' }), 403, 'AccessForbidden', 'CORSResponse: Bucket not found', {
      Method: 'GET',
      ResourceType: 'BUCKET',
    });
  });

  test('GetObject.with an allowed Origin: allow and expose headers, also on a 404 and a 403', async () => {
    const ok = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }), { requestTimeout: 5000 });
    assert.equal(ok.$metadata.httpStatusCode, 200);
    const headers = { origin: 'https://app.example' };
    const anonymous = await rawRequest(server.endpoint, { method: 'GET', path: `/${bucket}/k`, headers });
    assert.equal(anonymous.status, 403);
    assert.equal(anonymous.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(anonymous.headers['access-control-expose-headers'], 'ETag, x-amz-request-id');
    assert.equal(anonymous.headers['vary'], VARY);
    const forged = await rawRequest(server.endpoint, { method: 'GET', path: `/${bucket}/missing`, headers: { ...headers, authorization: 'AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' } });
    assert.equal(forged.status, 403);
    assert.equal(forged.headers['access-control-allow-origin'], 'https://app.example');
    const refused = await rawRequest(server.endpoint, { method: 'GET', path: `/${bucket}/k`, headers: { origin: 'https://evil.example' } });
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    assert.equal(refused.headers['vary'], undefined);
  });
});
