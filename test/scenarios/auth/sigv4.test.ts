import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { messageOf } from '../../helpers/xml-text.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

describe('auth: SigV4 header', () => {
  let server: TestServer;
  let s3: S3Client;
  let host: string;
  before(async () => {
    server = await startServer();
    s3 = server.client();
    host = new URL(server.endpoint).host;
  });
  after(() => server.stop());

  test('ListBuckets.unknown access key → InvalidAccessKeyId', async () => {
    const client = server.client({ credentials: { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x'.repeat(40) } });
    const error = await expectS3Error(client.send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.');
    assert.equal(error.AWSAccessKeyId, 'AKIANOSUCHKEY0000000');
  });

  test('ListBuckets.wrong secret → SignatureDoesNotMatch with the string to sign', async () => {
    const client = server.client({ credentials: { accessKeyId: ROOT_KEYS.accessKeyId, secretAccessKey: 'wrong-secret' } });
    const error = await expectS3Error(client.send(new ListBucketsCommand({})), 'SignatureDoesNotMatch', 403,
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    assert.match(error.StringToSign, /^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/s3\/aws4_request\n[0-9a-f]{64}$/);
    assert.ok(error.CanonicalRequest.startsWith('GET\n/\n'));
  });

  test('PutObject.a signed header sent on two lines is canonicalized as its values joined with a comma', async () => {
    const bucket = await server.newBucket('dup-header');
    const path = `/${bucket}/dup`;
    // Signed as SigV4 canonicalizes a repeated header ("a,b"), sent as two lines.
    const signed = signV4({ method: 'PUT', path, host, headers: { 'x-amz-meta-dup': 'a,b' }, body: 'x', ...ROOT_KEYS });
    const headers = { ...signed, 'x-amz-meta-dup': ['a', ' b '] as unknown as string };
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers, body: 'x' });
    assert.equal(res.status, 200, res.text);
    // Signed with Node's own joining (", ") instead: not what a client signs.
    const wrong = signV4({ method: 'PUT', path, host, headers: { 'x-amz-meta-dup': 'a, b' }, body: 'x', ...ROOT_KEYS });
    const refused = await rawRequest(server.endpoint, { method: 'PUT', path, headers: { ...wrong, 'x-amz-meta-dup': ['a', 'b'] as unknown as string }, body: 'x' });
    assert.equal(refused.status, 403);
    assert.equal(errorCode(refused.text), 'SignatureDoesNotMatch');
  });

  test('ListBuckets.credential scope in another region → AuthorizationHeaderMalformed', async () => {
    const client = server.client({ region: 'eu-west-1' });
    const error = await expectS3Error(client.send(new ListBucketsCommand({})), 'AuthorizationHeaderMalformed', 400,
      "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'");
    assert.equal(error.Region, 'us-east-1');
  });

  test('ListBuckets.malformed credential and missing components → AuthorizationHeaderMalformed', async () => {
    const cases: Array<[string, string]> = [
      ['AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3, SignedHeaders=host, Signature=abc', 'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'],
      ['AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, Signature=abc', 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.'],
    ];
    for (const [authorization, message] of cases) {
      const now = new Date();
      const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
      const res = await rawRequest(server.endpoint, {
        method: 'GET', path: '/',
        headers: { authorization: authorization.replace('20240101', amzDate.slice(0, 8)), 'x-amz-date': amzDate, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      });
      assert.equal(res.status, 400);
      assert.equal(errorCode(res.text), 'AuthorizationHeaderMalformed');
      assert.equal(messageOf(res.text), message);
    }
  });

  test('ListBuckets.request time 20 minutes off → RequestTimeTooSkewed', async () => {
    const date = new Date(Date.now() - 20 * 60 * 1000);
    const res = await rawRequest(server.endpoint, { method: 'GET', path: '/', headers: signV4({ method: 'GET', path: '/', host, date, ...ROOT_KEYS }) });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res.text), 'RequestTimeTooSkewed');
    assert.equal(messageOf(res.text), 'The difference between the request time and the current time is too large.');
    assert.match(res.text, /<MaxAllowedSkewMilliseconds>900000<\/MaxAllowedSkewMilliseconds>/);
  });

  test('PutObject.body differs from x-amz-content-sha256 → XAmzContentSHA256Mismatch, nothing stored', async () => {
    const bucket = await server.newBucket('sha-mismatch');
    const path = `/${bucket}/k`;
    const headers = signV4({ method: 'PUT', path, host, body: 'signed body', ...ROOT_KEYS });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers, body: 'sent! body' });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res.text), 'XAmzContentSHA256Mismatch');
    assert.equal(messageOf(res.text), "The provided 'x-amz-content-sha256' header does not match what was computed.");
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'NoSuchKey', 404, 'The specified key does not exist.');
  });

  test('PutObject.UNSIGNED-PAYLOAD is accepted', async () => {
    const bucket = await server.newBucket('unsigned');
    const path = `/${bucket}/k`;
    const headers = signV4({ method: 'PUT', path, host, payloadHash: 'UNSIGNED-PAYLOAD', ...ROOT_KEYS });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers, body: 'unsigned body' });
    assert.equal(res.status, 200);
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString(), 'unsigned body');
  });

  test('PutObject.signed header tampered after signing → SignatureDoesNotMatch', async () => {
    const bucket = await server.newBucket('tamper');
    const path = `/${bucket}/k`;
    const headers = signV4({ method: 'PUT', path, host, headers: { 'x-amz-meta-a': '1' }, body: 'x', ...ROOT_KEYS });
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers: { ...headers, 'x-amz-meta-a': '2' }, body: 'x' });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res.text), 'SignatureDoesNotMatch');
  });

  test('GetObject.anonymous request → AccessDenied', async () => {
    const bucket = await server.newBucket('anon');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'secret' }));
    for (const [method, path] of [['GET', `/${bucket}/k`], ['HEAD', `/${bucket}`], ['GET', '/'], ['PUT', `/${bucket}/k2`], ['DELETE', `/${bucket}/k`], ['PUT', `/${uniqueBucket('anon-new')}`]] as const) {
      const res = await rawRequest(server.endpoint, { method, path, body: method === 'PUT' ? 'x' : undefined });
      assert.equal(res.status, 403, `${method} ${path}`);
      if (method !== 'HEAD') {
        assert.equal(errorCode(res.text), 'AccessDenied');
        assert.match(res.text, /<Message>Access Denied<\/Message>/);
      }
    }
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString(), 'secret');
  });
});
