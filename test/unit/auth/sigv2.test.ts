import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { authenticate } from '../../../src/auth/authenticate.js';
import { StaticCredentialStore, type User } from '../../../src/auth/credentials.js';
import type { AuthInput } from '../../../src/auth/types.js';
import { S3Error } from '../../../src/errors.js';
import { buildSigV2StringToSign } from '../../../src/auth/sigv2/string-to-sign.js';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const user: User = { accessKeyId: AKID, secretAccessKey: SECRET, id: 'b'.repeat(64), displayName: 'johnsmith' };
const store = new StaticCredentialStore([user]);
const sig = (sts: string) => createHmac('sha1', SECRET).update(sts, 'utf8').digest('base64');

function req(p: Partial<AuthInput> & { headers: Record<string, string | undefined>; now: Date }): AuthInput {
  return { method: 'GET', rawPath: '/', rawQuery: '', ...p };
}

function expectS3(fn: () => unknown, code: string, message?: string, detail?: Record<string, unknown>): S3Error {
  let caught: unknown;
  try { fn(); } catch (err) { caught = err; }
  assert.ok(caught instanceof S3Error, `expected S3Error ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message !== undefined) assert.equal(caught.message, message);
  if (detail) for (const [k, v] of Object.entries(detail)) assert.equal(caught.detail[k], v, `detail ${k}`);
  return caught;
}

describe('SigV2: the 2006 getting-started guide requests (seed 000)', () => {
  // The guide shows the requests with placeholder signatures; sign them with the example keys and
  // check the StringToSign we build and that the request authenticates.
  const cases: Array<{ name: string; input: AuthInput; sts: string }> = [
    {
      name: 'create bucket',
      input: req({ method: 'PUT', rawPath: '/bucket-name', headers: { date: 'Wed, 08 Mar 2006 04:06:15 GMT', host: 's3.amazonaws.com' }, now: new Date('2006-03-08T04:06:15Z') }),
      sts: 'PUT\n\n\nWed, 08 Mar 2006 04:06:15 GMT\n/bucket-name',
    },
    {
      name: 'put object with metadata',
      input: req({ method: 'PUT', rawPath: '/bucket-name/key-name', headers: {
        date: 'Wed, 08 Mar 2006 04:06:16 GMT', host: 's3.amazonaws.com', 'content-length': '14', 'x-amz-meta-title': 'my title', 'content-type': 'text/plain',
      }, now: new Date('2006-03-08T04:06:16Z') }),
      sts: 'PUT\n\ntext/plain\nWed, 08 Mar 2006 04:06:16 GMT\nx-amz-meta-title:my title\n/bucket-name/key-name',
    },
    {
      name: 'get object',
      input: req({ rawPath: '/bucket-name/key-name', headers: { date: 'Wed, 08 Mar 2006 04:06:18 GMT', host: 's3.amazonaws.com' }, now: new Date('2006-03-08T04:06:18Z') }),
      sts: 'GET\n\n\nWed, 08 Mar 2006 04:06:18 GMT\n/bucket-name/key-name',
    },
    {
      name: 'delete object',
      input: req({ method: 'DELETE', rawPath: '/bucket-name/key-name', headers: { date: 'Wed, 08 Mar 2006 04:06:19 GMT', host: 's3.amazonaws.com' }, now: new Date('2006-03-08T04:06:19Z') }),
      sts: 'DELETE\n\n\nWed, 08 Mar 2006 04:06:19 GMT\n/bucket-name/key-name',
    },
    {
      name: 'list bucket with prefix/marker/max-keys (not sub-resources)',
      input: req({ rawPath: '/test-bucket', rawQuery: 'prefix=foo&marker=bar&max-keys=3', headers: { date: 'Wed, 08 Mar 2006 04:06:17 GMT', host: 's3.amazonaws.com' }, now: new Date('2006-03-08T04:06:17Z') }),
      sts: 'GET\n\n\nWed, 08 Mar 2006 04:06:17 GMT\n/test-bucket',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(buildSigV2StringToSign({ ...c.input, dateLine: c.input.headers.date! }), c.sts);
      const input = { ...c.input, headers: { ...c.input.headers, authorization: `AWS ${AKID}:${sig(c.sts)}` } };
      const r = authenticate(input, store, 'us-east-1');
      assert.equal(r.user?.accessKeyId, AKID);
      assert.equal(r.method, 'sigv2-header');
      assert.deepEqual(r.payload, { kind: 'unsigned' });
    });
  }
});

describe('SigV2: published RESTAuthentication examples (johnsmith)', () => {
  const auth = (s: string) => `AWS ${AKID}:${s}`;
  const vectors: Array<[string, AuthInput]> = [
    ['object GET', req({ rawPath: '/photos/puppy.jpg', virtualHostBucket: 'johnsmith', now: new Date('2007-03-27T19:36:42Z'),
      headers: { host: 'johnsmith.s3.amazonaws.com', date: 'Tue, 27 Mar 2007 19:36:42 +0000', authorization: auth('bWq2s1WEIj+Ydj0vQ697zp+IXMU=') } })],
    ['object PUT', req({ method: 'PUT', rawPath: '/photos/puppy.jpg', virtualHostBucket: 'johnsmith', now: new Date('2007-03-27T21:15:45Z'),
      headers: { 'content-type': 'image/jpeg', 'content-length': '94328', host: 'johnsmith.s3.amazonaws.com', date: 'Tue, 27 Mar 2007 21:15:45 +0000', authorization: auth('MyyxeRY7whkBe+bq8fHCL/2kKUg=') } })],
    ['list', req({ rawPath: '/', rawQuery: 'prefix=photos&max-keys=50&marker=puppy', virtualHostBucket: 'johnsmith', now: new Date('2007-03-27T19:42:41Z'),
      headers: { 'user-agent': 'Mozilla/5.0', host: 'johnsmith.s3.amazonaws.com', date: 'Tue, 27 Mar 2007 19:42:41 +0000', authorization: auth('htDYFYduRNen8P9ZfE/s9SuKy0U=') } })],
    ['fetch ?acl', req({ rawPath: '/', rawQuery: 'acl', virtualHostBucket: 'johnsmith', now: new Date('2007-03-27T19:44:46Z'),
      headers: { host: 'johnsmith.s3.amazonaws.com', date: 'Tue, 27 Mar 2007 19:44:46 +0000', authorization: auth('c2WLPFtWHVgbEmeEG93a4cG37dM=') } })],
    ['DELETE with x-amz-date (guide form)', req({ method: 'DELETE', rawPath: '/johnsmith/photos/puppy.jpg', now: new Date('2007-03-27T21:20:27Z'),
      headers: { 'user-agent': 'dotnet', host: 's3.amazonaws.com', date: 'Tue, 27 Mar 2007 21:20:27 +0000', 'x-amz-date': 'Tue, 27 Mar 2007 21:20:26 +0000', authorization: auth('lx3byBScXR6KzyMaifNkardMwNk=') } })],
    ['upload with amz headers, CNAME bucket', req({ method: 'PUT', rawPath: '/db-backup.dat.gz', virtualHostBucket: 'static.johnsmith.net', now: new Date('2007-03-27T21:06:08Z'),
      headers: {
        'user-agent': 'curl/7.15.5', host: 'static.johnsmith.net:8080', date: 'Tue, 27 Mar 2007 21:06:08 +0000', 'x-amz-acl': 'public-read',
        'content-type': 'application/x-download', 'content-md5': '4gJE4saaMU4BqNR0kLY+lw==', 'x-amz-meta-reviewedby': 'joe@johnsmith.net,jane@johnsmith.net',
        'x-amz-meta-filechecksum': '0x02661779', 'x-amz-meta-checksumalgorithm': 'crc32', 'content-disposition': 'attachment; filename=database.dat',
        'content-encoding': 'gzip', 'content-length': '5913339', authorization: auth('ilyl83RwaSoYIEdixDQcA4OnAnc='),
      } })],
    ['list all buckets', req({ rawPath: '/', now: new Date('2007-03-28T01:29:59Z'),
      headers: { host: 's3.amazonaws.com', date: 'Wed, 28 Mar 2007 01:29:59 +0000', authorization: auth('qGdzdERIC03wnaRNKh6OqZehG9s=') } })],
    ['unicode keys (raw path as on the wire)', req({ rawPath: '/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re', now: new Date('2007-03-28T01:49:49Z'),
      headers: { host: 's3.amazonaws.com', date: 'Wed, 28 Mar 2007 01:49:49 +0000', authorization: auth('DNEZGsoieTZ92F3bUfSPQcbGmlM=') } })],
  ];
  for (const [name, input] of vectors) {
    test(name, () => assert.equal(authenticate(input, store, 'us-east-1').user?.accessKeyId, AKID));
  }

  test('x-amz-date form with empty Date line', () => {
    const sts = 'DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg';
    const input = req({ method: 'DELETE', rawPath: '/johnsmith/photos/puppy.jpg', now: new Date('2007-03-27T21:20:27Z'),
      headers: { 'x-amz-date': 'Tue, 27 Mar 2007 21:20:26 +0000', authorization: auth(sig(sts)) } });
    assert.equal(authenticate(input, store, 'us-east-1').user?.accessKeyId, AKID);
  });

  test('sub-resources sorted, values decoded, response-* overrides included', () => {
    const sts = 'GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/k?response-content-type=text/plain&versionId=a b';
    const input = req({ rawPath: '/k', rawQuery: 'versionId=a%20b&foo=1&response-content-type=text%2Fplain', virtualHostBucket: 'johnsmith', now: new Date('2007-03-27T19:36:42Z'),
      headers: { date: 'Tue, 27 Mar 2007 19:36:42 +0000', authorization: auth(sig(sts)) } });
    assert.equal(authenticate(input, store, 'us-east-1').user?.accessKeyId, AKID);
  });

  test('query string authentication', () => {
    const input = req({ rawPath: '/photos/puppy.jpg', virtualHostBucket: 'johnsmith', now: new Date('2007-03-28T00:00:00Z'),
      rawQuery: `AWSAccessKeyId=${AKID}&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620`, headers: { host: 'johnsmith.s3.amazonaws.com' } });
    const r = authenticate(input, store, 'us-east-1');
    assert.equal(r.user?.accessKeyId, AKID);
    assert.equal(r.method, 'sigv2-query');
    expectS3(() => authenticate({ ...input, now: new Date(1175139621_000) }, store, 'us-east-1'), 'AccessDenied', 'Request has expired',
      { Expires: '2007-03-29T03:40:20Z', ServerTime: '2007-03-29T03:40:21Z' });
    expectS3(() => authenticate({ ...input, rawQuery: `AWSAccessKeyId=${AKID}&Signature=abc` }, store, 'us-east-1'), 'AccessDenied',
      'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
    expectS3(() => authenticate({ ...input, rawQuery: `AWSAccessKeyId=${AKID}&Signature=abc&Expires=soon` }, store, 'us-east-1'), 'AccessDenied');
    expectS3(() => authenticate({ ...input, rawQuery: input.rawQuery.replace('Signature=N', 'Signature=M') }, store, 'us-east-1'), 'SignatureDoesNotMatch');
  });
});

describe('SigV2: failures', () => {
  const base = req({ rawPath: '/b/k', now: new Date('2007-03-27T19:36:42Z'), headers: { date: 'Tue, 27 Mar 2007 19:36:42 +0000' } });
  const withAuth = (authorization: string, over: Record<string, string | undefined> = {}) => ({ ...base, headers: { ...base.headers, authorization, ...over } });

  test('bad signature detail', () => {
    const err = expectS3(() => authenticate(withAuth(`AWS ${AKID}:bad=`), store, 'us-east-1'), 'SignatureDoesNotMatch');
    const sts = 'GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/b/k';
    assert.deepEqual(err.detail, {
      AWSAccessKeyId: AKID, StringToSign: sts, SignatureProvided: 'bad=',
      StringToSignBytes: [...Buffer.from(sts)].map((b) => b.toString(16).padStart(2, '0')).join(' '),
    });
  });

  test('malformed header, unknown key, missing date, skew', () => {
    expectS3(() => authenticate(withAuth('AWS nocolon'), store, 'us-east-1'), 'InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature',
      { ArgumentName: 'Authorization', ArgumentValue: 'AWS nocolon' });
    expectS3(() => authenticate(withAuth('AWS NOPE:abc'), store, 'us-east-1'), 'InvalidAccessKeyId', undefined, { AWSAccessKeyId: 'NOPE' });
    expectS3(() => authenticate(withAuth(`AWS ${AKID}:abc`, { date: undefined }), store, 'us-east-1'), 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    expectS3(() => authenticate(withAuth(`AWS ${AKID}:abc`, { date: 'not a date' }), store, 'us-east-1'), 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    expectS3(() => authenticate(withAuth(`AWS ${AKID}:abc`, { date: 'Tue, 07 Jul 1950 21:53:04 GMT' }), store, 'us-east-1'), 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    expectS3(() => authenticate({ ...withAuth(`AWS ${AKID}:abc`), now: new Date('2007-03-27T20:00:00Z') }, store, 'us-east-1'), 'RequestTimeTooSkewed', undefined,
      { RequestTime: 'Tue, 27 Mar 2007 19:36:42 +0000', ServerTime: '2007-03-27T20:00:00Z', MaxAllowedSkewMilliseconds: 900000 });
  });
});
