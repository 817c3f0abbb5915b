import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { authenticate } from '../../../src/auth/authenticate.js';
import { StaticCredentialStore, type User } from '../../../src/auth/credentials.js';
import { S3Error } from '../../../src/errors.js';

// botocore with signature_version='s3' (boto3, awscli) signs path-style bucket requests with the
// resource "/bucket/" (found by test/interop/boto3.test.ts: CreateBucket failed with SignatureDoesNotMatch).
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const user: User = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET, id: 'b'.repeat(64), displayName: 'johnsmith' };
const store = new StaticCredentialStore([user]);
const date = 'Wed, 08 Mar 2006 04:06:15 GMT';
const now = new Date('2006-03-08T04:06:15Z');
const sign = (sts: string) => createHmac('sha1', SECRET).update(sts, 'utf8').digest('base64');

function headerAuth(rawPath: string, resource: string, virtualHostBucket?: string) {
  const authorization = `AWS ${user.accessKeyId}:${sign(`PUT\n\n\n${date}\n${resource}`)}`;
  return authenticate({ method: 'PUT', rawPath, rawQuery: '', headers: { date, authorization }, virtualHostBucket, now }, store, 'us-east-1');
}

test('SigV2.bucket-trailing-slash: PUT /bucket signed as /bucket or /bucket/ authenticates', () => {
  assert.equal(headerAuth('/bucket-name', '/bucket-name').user?.accessKeyId, user.accessKeyId);
  assert.equal(headerAuth('/bucket-name', '/bucket-name/').user?.accessKeyId, user.accessKeyId);
});

test('SigV2.bucket-trailing-slash: the variant is only for bucket-level path-style requests', () => {
  assert.throws(() => headerAuth('/bucket-name/key', '/bucket-name/key/'), (e) => e instanceof S3Error && e.code === 'SignatureDoesNotMatch');
  assert.throws(() => headerAuth('/', '/bucket-name'), (e) => e instanceof S3Error && e.code === 'SignatureDoesNotMatch');
});

test('SigV2.bucket-trailing-slash: query auth accepts /bucket/ for GET /bucket', () => {
  const expires = String(Math.floor(now.getTime() / 1000) + 60);
  const signature = encodeURIComponent(sign(`GET\n\n\n${expires}\n/bucket-name/`));
  const result = authenticate(
    { method: 'GET', rawPath: '/bucket-name', rawQuery: `AWSAccessKeyId=${user.accessKeyId}&Expires=${expires}&Signature=${signature}`, headers: {}, now },
    store,
    'us-east-1',
  );
  assert.equal(result.user?.accessKeyId, user.accessKeyId);
});
