import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { authenticate } from '../../../src/auth/authenticate.js';
import { StaticCredentialStore, type User } from '../../../src/auth/credentials.js';
import type { AuthInput } from '../../../src/auth/types.js';
import { S3Error } from '../../../src/errors.js';
import { canonicalQuery, canonicalUri } from '../../../src/auth/sigv4/canonical-request.js';
import { getSigningKey, signingKeyCacheSize } from '../../../src/auth/sigv4/signing-key.js';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const user: User = { accessKeyId: AKID, secretAccessKey: SECRET, id: 'a'.repeat(64), displayName: 'example' };
const store = new StaticCredentialStore([user]);
const REGION = 'us-east-1';
const NOW = new Date('2013-05-24T00:00:00Z');
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HOST = 'examplebucket.s3.amazonaws.com';

function req(partial: Partial<AuthInput> & { headers: Record<string, string | undefined> }): AuthInput {
  return { method: 'GET', rawPath: '/', rawQuery: '', now: NOW, ...partial };
}

function authHeader(signedHeaders: string, signature: string, credential = `${AKID}/20130524/us-east-1/s3/aws4_request`): string {
  return `AWS4-HMAC-SHA256 Credential=${credential},SignedHeaders=${signedHeaders},Signature=${signature}`;
}

/** Independent minimal SigV4 signer for building valid test requests (canonical form given by the test). */
function sign(input: {
  method: string; canonicalUri: string; canonicalQuery: string; headers: Record<string, string>; signedHeaders: string[];
  payloadHash: string; amzDate?: string; scopeDate?: string; region?: string; secret?: string;
}): string {
  const amzDate = input.amzDate ?? '20130524T000000Z';
  const scopeDate = input.scopeDate ?? amzDate.slice(0, 8);
  const region = input.region ?? 'us-east-1';
  const cr = [input.method, input.canonicalUri, input.canonicalQuery,
    input.signedHeaders.map((h) => `${h}:${input.headers[h].trim().replace(/\s+/g, ' ')}\n`).join(''),
    input.signedHeaders.join(';'), input.payloadHash].join('\n');
  const scope = `${scopeDate}/${region}/s3/aws4_request`;
  const sts = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(cr).digest('hex')}`;
  const h = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest();
  const key = h(h(h(h('AWS4' + (input.secret ?? SECRET), scopeDate), region), 's3'), 'aws4_request');
  return createHmac('sha256', key).update(sts).digest('hex');
}

function expectS3(fn: () => unknown, code: string, message?: string, detail?: Record<string, unknown>): S3Error {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof S3Error, `expected S3Error ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message !== undefined) assert.equal(caught.message, message);
  if (detail) for (const [k, v] of Object.entries(detail)) assert.equal(caught.detail[k], v, `detail ${k}`);
  return caught;
}

// --- AWS's published SigV4 S3 examples -------------------------------------------------------

const getObject = (): AuthInput => req({
  rawPath: '/test.txt',
  headers: {
    host: HOST, range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY, 'x-amz-date': '20130524T000000Z',
    authorization: authHeader('host;range;x-amz-content-sha256;x-amz-date', 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'),
  },
});

describe('SigV4 header: AWS examples', () => {
  test('GET object with range', () => {
    const r = authenticate(getObject(), store, REGION);
    assert.equal(r.user?.accessKeyId, AKID);
    assert.equal(r.method, 'sigv4-header');
    assert.deepEqual(r.payload, { kind: 'sha256', expectedHex: EMPTY });
  });

  test('PUT object test$file.text', () => {
    const payload = createHash('sha256').update('Welcome to Amazon S3.').digest('hex');
    assert.equal(payload, '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const r = authenticate(req({
      method: 'PUT', rawPath: '/test%24file.text',
      headers: {
        host: HOST, date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'x-amz-content-sha256': payload,
        authorization: authHeader('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd'),
      },
    }), store, REGION);
    assert.deepEqual(r.payload, { kind: 'sha256', expectedHex: payload });
  });

  test('PUT object with a raw "$" in the path canonicalises the same', () => {
    const r = authenticate(req({
      method: 'PUT', rawPath: '/test$file.text',
      headers: {
        host: HOST, date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
        authorization: authHeader('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd'),
      },
    }), store, REGION);
    assert.equal(r.user?.accessKeyId, AKID);
  });

  test('GET bucket lifecycle', () => {
    const r = authenticate(req({
      rawQuery: 'lifecycle',
      headers: {
        host: HOST, 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY,
        authorization: authHeader('host;x-amz-content-sha256;x-amz-date', 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543'),
      },
    }), store, REGION);
    assert.equal(r.user?.accessKeyId, AKID);
  });

  test('list objects ?max-keys=2&prefix=J (and in the other order)', () => {
    for (const rawQuery of ['max-keys=2&prefix=J', 'prefix=J&max-keys=2']) {
      const r = authenticate(req({
        rawQuery,
        headers: {
          host: HOST, 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY,
          authorization: authHeader('host;x-amz-content-sha256;x-amz-date', '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7'),
        },
      }), store, REGION);
      assert.equal(r.user?.accessKeyId, AKID);
    }
  });

  test('Authorization components with ", " separators', () => {
    const input = getObject();
    const auth = input.headers.authorization!.replace(/,/g, ', ');
    const r = authenticate({ ...input, headers: { ...input.headers, authorization: auth } }, store, REGION);
    assert.equal(r.user?.accessKeyId, AKID);
  });

  test('the Date header alone (no x-amz-date) is accepted', () => {
    const headers = { host: HOST, date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-content-sha256': EMPTY };
    const signature = sign({ method: 'GET', canonicalUri: '/k', canonicalQuery: '', headers, signedHeaders: ['date', 'host', 'x-amz-content-sha256'], payloadHash: EMPTY });
    const r = authenticate(req({ rawPath: '/k', headers: { ...headers, authorization: authHeader('date;host;x-amz-content-sha256', signature) } }), store, REGION);
    assert.equal(r.user?.accessKeyId, AKID);
  });
});

describe('SigV4 presigned: AWS example', () => {
  const rawQuery = (over: Record<string, string> = {}): string => {
    const p: Record<string, string> = {
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${AKID}%2F20130524%2Fus-east-1%2Fs3%2Faws4_request`,
      'X-Amz-Date': '20130524T000000Z',
      'X-Amz-Expires': '86400',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
      ...over,
    };
    return Object.entries(p).filter(([, v]) => v !== '\u0000').map(([k, v]) => `${k}=${v}`).join('&');
  };
  const presigned = (over: Record<string, string> = {}, now = new Date('2013-05-24T12:00:00Z')): AuthInput =>
    req({ rawPath: '/test.txt', rawQuery: rawQuery(over), headers: { host: HOST }, now });

  test('GET test.txt, expires 86400', () => {
    const r = authenticate(presigned(), store, REGION);
    assert.equal(r.method, 'sigv4-query');
    assert.deepEqual(r.payload, { kind: 'unsigned' });
  });

  test('expired', () => {
    expectS3(() => authenticate(presigned({}, new Date('2013-05-25T00:00:01Z')), store, REGION), 'AccessDenied', 'Request has expired', {
      'X-Amz-Expires': '86400', Expires: '2013-05-25T00:00:00Z', ServerTime: '2013-05-25T00:00:01Z',
    });
  });

  test('not yet valid', () => {
    expectS3(() => authenticate(presigned({}, new Date('2013-05-23T00:00:00Z')), store, REGION), 'AccessDenied', 'Request is not yet valid');
  });

  test('X-Amz-Expires bounds and syntax', () => {
    expectS3(() => authenticate(presigned({ 'X-Amz-Expires': '604801' }), store, REGION), 'AuthorizationQueryParametersError',
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds');
    expectS3(() => authenticate(presigned({ 'X-Amz-Expires': 'abc' }), store, REGION), 'AuthorizationQueryParametersError', 'X-Amz-Expires should be a number');
    expectS3(() => authenticate(presigned({ 'X-Amz-Expires': '-5' }), store, REGION), 'AuthorizationQueryParametersError', 'X-Amz-Expires must be non-negative');
  });

  test('missing parameter / bad algorithm / bad date', () => {
    expectS3(() => authenticate(presigned({ 'X-Amz-SignedHeaders': '\u0000' }), store, REGION), 'AuthorizationQueryParametersError',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
    expectS3(() => authenticate(presigned({ 'X-Amz-Algorithm': 'AWS4-HMAC-SHA1' }), store, REGION), 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    expectS3(() => authenticate(presigned({ 'X-Amz-Date': '2013-05-24' }), store, REGION), 'AuthorizationQueryParametersError');
  });

  test('credential errors are AuthorizationQueryParametersError', () => {
    expectS3(() => authenticate(presigned({ 'X-Amz-Credential': `${AKID}%2F20130524%2Fus-west-2%2Fs3%2Faws4_request` }), store, REGION),
      'AuthorizationQueryParametersError', "Error parsing the X-Amz-Credential parameter; the region 'us-west-2' is wrong; expecting 'us-east-1'", { Region: 'us-east-1' });
    expectS3(() => authenticate(presigned({ 'X-Amz-Credential': 'garbage' }), store, REGION), 'AuthorizationQueryParametersError',
      'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
    expectS3(() => authenticate(presigned({ 'X-Amz-Credential': `${AKID}%2F20130523%2Fus-east-1%2Fs3%2Faws4_request` }), store, REGION),
      'AuthorizationQueryParametersError', 'Invalid credential date "20130523". This date is not the same as X-Amz-Date: "20130524".');
  });

  test('bad signature / unknown key', () => {
    const err = expectS3(() => authenticate(presigned({ 'X-Amz-Signature': '0'.repeat(64) }), store, REGION), 'SignatureDoesNotMatch');
    assert.match(String(err.detail.CanonicalRequest), /^GET\n\/test\.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD$/);
    expectS3(() => authenticate(presigned({ 'X-Amz-Credential': `AKIDUNKNOWN%2F20130524%2Fus-east-1%2Fs3%2Faws4_request` }), store, REGION),
      'InvalidAccessKeyId', undefined, { AWSAccessKeyId: 'AKIDUNKNOWN' });
  });

  test('X-Amz-Security-Token, even correctly signed → InvalidToken (Coffer issues no session tokens)', () => {
    const token = 'tok%2Fen';
    const q = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${AKID}%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-Security-Token=${token}&X-Amz-SignedHeaders=host`;
    const signature = sign({ method: 'GET', canonicalUri: '/test.txt', canonicalQuery: q, headers: { host: HOST }, signedHeaders: ['host'], payloadHash: 'UNSIGNED-PAYLOAD' });
    const input = req({ rawPath: '/test.txt', rawQuery: `${q}&X-Amz-Signature=${signature}`, headers: { host: HOST }, now: new Date('2013-05-24T01:00:00Z') });
    expectS3(() => authenticate(input, store, REGION), 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  });
});

describe('SigV4 header: failures', () => {
  const base = getObject();
  const withHeaders = (h: Record<string, string | undefined>, over: Partial<AuthInput> = {}): AuthInput =>
    ({ ...base, ...over, headers: { ...base.headers, ...h } });

  test('bad signature → SignatureDoesNotMatch with full detail', () => {
    const bad = 'f'.repeat(64);
    const err = expectS3(() => authenticate(withHeaders({ authorization: authHeader('host;range;x-amz-content-sha256;x-amz-date', bad) }), store, REGION),
      'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    const cr = `GET\n/test.txt\n\nhost:${HOST}\nrange:bytes=0-9\nx-amz-content-sha256:${EMPTY}\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n${EMPTY}`;
    const sts = `AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n${createHash('sha256').update(cr).digest('hex')}`;
    assert.deepEqual(Object.keys(err.detail), ['AWSAccessKeyId', 'StringToSign', 'SignatureProvided', 'StringToSignBytes', 'CanonicalRequest', 'CanonicalRequestBytes']);
    assert.equal(err.detail.AWSAccessKeyId, AKID);
    assert.equal(err.detail.CanonicalRequest, cr);
    assert.equal(err.detail.StringToSign, sts);
    assert.equal(err.detail.SignatureProvided, bad);
    assert.equal(err.detail.StringToSignBytes, [...Buffer.from(sts)].map((b) => b.toString(16).padStart(2, '0')).join(' '));
    assert.ok(String(err.detail.CanonicalRequestBytes).startsWith('47 45 54 0a'));
  });

  test('signature of another length / tampered header / wrong secret', () => {
    expectS3(() => authenticate(withHeaders({ authorization: authHeader('host;range;x-amz-content-sha256;x-amz-date', 'abc') }), store, REGION), 'SignatureDoesNotMatch');
    expectS3(() => authenticate(withHeaders({ range: 'bytes=0-10' }), store, REGION), 'SignatureDoesNotMatch');
    const other = new StaticCredentialStore([{ ...user, secretAccessKey: 'other' }]);
    expectS3(() => authenticate(base, other, REGION), 'SignatureDoesNotMatch');
  });

  test('host not signed → SignatureDoesNotMatch even with a right signature', () => {
    const headers = { host: HOST, 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY };
    const signature = sign({ method: 'GET', canonicalUri: '/k', canonicalQuery: '', headers, signedHeaders: ['x-amz-content-sha256', 'x-amz-date'], payloadHash: EMPTY });
    expectS3(() => authenticate(req({ rawPath: '/k', headers: { ...headers, authorization: authHeader('x-amz-content-sha256;x-amz-date', signature) } }), store, REGION), 'SignatureDoesNotMatch');
  });

  test('unknown access key', () => {
    expectS3(() => authenticate(withHeaders({ authorization: authHeader('host', 'x', 'NOPE/20130524/us-east-1/s3/aws4_request') }), store, REGION),
      'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: 'NOPE' });
  });

  test('missing date', () => {
    expectS3(() => authenticate(withHeaders({ 'x-amz-date': undefined }), store, REGION), 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    expectS3(() => authenticate(withHeaders({ 'x-amz-date': 'yesterday' }), store, REGION), 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  });

  test('skew', () => {
    expectS3(() => authenticate({ ...base, now: new Date('2013-05-24T00:15:01Z') }, store, REGION), 'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      { RequestTime: '20130524T000000Z', ServerTime: '2013-05-24T00:15:01Z', MaxAllowedSkewMilliseconds: 900000 });
    // exactly 15 minutes is still accepted
    assert.equal(authenticate({ ...base, now: new Date('2013-05-24T00:15:00Z') }, store, REGION).user?.accessKeyId, AKID);
  });

  test('credential scope errors', () => {
    const sh = 'host;range;x-amz-content-sha256;x-amz-date';
    expectS3(() => authenticate(withHeaders({ authorization: authHeader(sh, 'x', `${AKID}/20130524/us-west-2/s3/aws4_request`) }), store, REGION),
      'AuthorizationHeaderMalformed', "The authorization header is malformed; the region 'us-west-2' is wrong; expecting 'us-east-1'", { Region: 'us-east-1' });
    expectS3(() => authenticate(withHeaders({ authorization: authHeader(sh, 'x', `${AKID}/20130524/us-east-1`) }), store, REGION),
      'AuthorizationHeaderMalformed', 'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
    expectS3(() => authenticate(withHeaders({ authorization: authHeader(sh, 'x', `${AKID}/20130523/us-east-1/s3/aws4_request`) }), store, REGION),
      'AuthorizationHeaderMalformed', 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.');
    expectS3(() => authenticate(withHeaders({ authorization: authHeader(sh, 'x', `${AKID}/20130524/us-east-1/ec2/aws4_request`) }), store, REGION),
      'AuthorizationHeaderMalformed', 'The authorization header is malformed; incorrect service "ec2". This endpoint belongs to "s3".');
    expectS3(() => authenticate(withHeaders({ authorization: authHeader(sh, 'x', `${AKID}/20130524/us-east-1/s3/aws4_reques`) }), store, REGION),
      'AuthorizationHeaderMalformed', 'The authorization header is malformed; incorrect terminal "aws4_reques". This endpoint uses "aws4_request".');
  });

  test('malformed components', () => {
    expectS3(() => authenticate(withHeaders({ authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request, Signature=abc` }), store, REGION),
      'AuthorizationHeaderMalformed', 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.');
    expectS3(() => authenticate(withHeaders({ authorization: 'AWS4-HMAC-SHA256 Foo=bar' }), store, REGION), 'AuthorizationHeaderMalformed');
    expectS3(() => authenticate(withHeaders({ authorization: authHeader('host;;x', 'x') }), store, REGION), 'AuthorizationHeaderMalformed');
  });

  test('x-amz-content-sha256 missing / invalid', () => {
    expectS3(() => authenticate(withHeaders({ 'x-amz-content-sha256': undefined }), store, REGION), 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    expectS3(() => authenticate(withHeaders({ 'x-amz-content-sha256': 'nope' }), store, REGION), 'InvalidArgument', undefined,
      { ArgumentName: 'x-amz-content-sha256', ArgumentValue: 'nope' });
  });

  test('payload modes', () => {
    const mk = (contentSha: string, extra: Record<string, string> = {}) => {
      const headers: Record<string, string> = { host: HOST, 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': contentSha, ...extra };
      const signedHeaders = Object.keys(headers).sort();
      const signature = sign({ method: 'PUT', canonicalUri: '/k', canonicalQuery: '', headers, signedHeaders, payloadHash: contentSha });
      return req({ method: 'PUT', rawPath: '/k', headers: { ...headers, authorization: authHeader(signedHeaders.join(';'), signature) } });
    };
    assert.deepEqual(authenticate(mk('UNSIGNED-PAYLOAD'), store, REGION).payload, { kind: 'unsigned' });
    const signed = authenticate(mk('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', { 'x-amz-decoded-content-length': '66560' }), store, REGION).payload;
    assert.equal(signed.kind, 'chunked');
    if (signed.kind === 'chunked') {
      assert.equal(signed.signedChunks, true);
      assert.equal(signed.trailer, false);
      assert.equal(signed.decodedLength, 66560);
      assert.equal(signed.signing?.scope, '20130524/us-east-1/s3/aws4_request');
      assert.equal(signed.signing?.amzDate, '20130524T000000Z');
      assert.deepEqual(signed.signing?.signingKey, getSigningKey(SECRET, '20130524', 'us-east-1', 's3'));
    }
    const ut = authenticate(mk('STREAMING-UNSIGNED-PAYLOAD-TRAILER', { 'x-amz-decoded-content-length': '5' }), store, REGION).payload;
    assert.deepEqual(ut, { kind: 'chunked', signedChunks: false, trailer: true, decodedLength: 5 });
    const st = authenticate(mk('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', { 'x-amz-decoded-content-length': '0' }), store, REGION).payload;
    assert.ok(st.kind === 'chunked' && st.signedChunks && st.trailer);
    expectS3(() => authenticate(mk('STREAMING-AWS4-HMAC-SHA256-PAYLOAD'), store, REGION), 'MissingContentLength');
    expectS3(() => authenticate(mk('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', { 'x-amz-decoded-content-length': '-1' }), store, REGION), 'InvalidArgument');
  });
});

describe('dispatch', () => {
  test('anonymous', () => {
    assert.deepEqual(authenticate(req({ headers: { host: HOST } }), store, REGION), { user: null, method: 'anonymous', payload: { kind: 'unsigned' } });
    assert.deepEqual(authenticate(req({ headers: { 'x-amz-content-sha256': EMPTY.toUpperCase() } }), store, REGION).payload, { kind: 'sha256', expectedHex: EMPTY });
    assert.deepEqual(authenticate(req({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }), store, REGION).payload, { kind: 'unsigned' });
  });

  test('two mechanisms', () => {
    const message = 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified';
    expectS3(() => authenticate({ ...getObject(), rawQuery: 'X-Amz-Algorithm=AWS4-HMAC-SHA256' }, store, REGION), 'InvalidArgument', message);
    expectS3(() => authenticate(req({ rawQuery: 'X-Amz-Algorithm=x&Signature=y', headers: {} }), store, REGION), 'InvalidArgument', message);
    expectS3(() => authenticate({ ...getObject(), rawQuery: 'Signature=abc' }, store, REGION), 'InvalidArgument', message);
  });

  test('unsupported Authorization type', () => {
    for (const value of ['Bearer abc', 'AWS4-HMAC-SHA512 Credential=x', 'aws AKID:sig', 'AWS4-HMAC-SHA256']) {
      expectS3(() => authenticate(req({ headers: { authorization: value } }), store, REGION), 'InvalidArgument', 'Unsupported Authorization Type',
        { ArgumentName: 'Authorization', ArgumentValue: value });
    }
  });

  test('a session token (header or presigned query) → InvalidToken: Coffer issues none', () => {
    expectS3(() => authenticate({ ...getObject(), headers: { ...getObject().headers, 'x-amz-security-token': 'FwoGZXIvYXdzE' } }, store, REGION), 'InvalidToken',
      'The provided token is malformed or otherwise invalid.');
    expectS3(() => authenticate(req({ rawQuery: 'X-Amz-Security-Token=abc', headers: {} }), store, REGION), 'InvalidToken');
  });

  test('an empty Authorization header is no signature: the request is anonymous', () => {
    for (const value of ['', '  ']) {
      const result = authenticate(req({ headers: { authorization: value } }), store, REGION);
      assert.equal(result.user, null);
      assert.equal(result.method, 'anonymous');
    }
  });

  test('garbage Authorization headers and queries throw S3Error only', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = 'AWS4-HMAC-SHA256 Credential=SignedHeaders=Signature=,;/:=%&?\r\n\t \u0000\u00e9\u{1F600}abcdef0123456789';
    const chars = [...alphabet];
    const prefixes = ['', 'AWS ', 'AWS4-HMAC-SHA256 ', `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request, SignedHeaders=`, `AWS ${AKID}:`];
    for (let i = 0; i < 600; i++) {
      const len = Math.floor(rand() * 80);
      let s = prefixes[Math.floor(rand() * prefixes.length)];
      for (let j = 0; j < len; j++) s += chars[Math.floor(rand() * chars.length)];
      const headers: Record<string, string> = { authorization: s };
      if (rand() < 0.5) headers['x-amz-date'] = rand() < 0.5 ? '20130524T000000Z' : s.slice(0, 16);
      if (rand() < 0.5) headers['x-amz-content-sha256'] = rand() < 0.5 ? EMPTY : s.slice(0, 10);
      if (rand() < 0.3) headers.date = s;
      const useQuery = rand() < 0.3;
      const input = req({ rawPath: '/' + s.slice(0, 10), rawQuery: useQuery ? s.replace(/^[^ ]* ?/, rand() < 0.5 ? 'X-Amz-Algorithm=' : 'Signature=') : '', headers: useQuery ? { ...headers, authorization: undefined } : headers });
      try {
        authenticate(input, store, REGION);
      } catch (err) {
        assert.ok(err instanceof S3Error, `non-S3Error for ${JSON.stringify(s)}: ${String(err)}`);
      }
    }
  });
});

describe('canonicalisation', () => {
  test('canonical URI: no normalisation, encode once', () => {
    assert.equal(canonicalUri('/a/../b//c/./d'), '/a/../b//c/./d');
    assert.equal(canonicalUri('/f%C3%A9e%20x+y'), '/f%C3%A9e%20x%2By');
    assert.equal(canonicalUri('/fée x'), '/f%C3%A9e%20x');
    assert.equal(canonicalUri('/a%2Fb'), '/a%2Fb');
    assert.equal(canonicalUri('/%7euser/%zz'), '/~user/%25zz');
    assert.equal(canonicalUri(''), '/');
    assert.equal(canonicalUri('/a%2a!'), '/a%2A%21');
  });

  test('canonical query: decode, re-encode, sort, empty values', () => {
    assert.equal(canonicalQuery('b=2&a=1&a=0&acl&c=%7e%2F'), 'a=0&a=1&acl=&b=2&c=~%2F');
    assert.equal(canonicalQuery('x=a b&X=1'), 'X=1&x=a%20b');
    assert.equal(canonicalQuery('X-Amz-Signature=abc&z=1', new Set(['X-Amz-Signature'])), 'z=1');
    assert.equal(canonicalQuery(''), '');
  });

  test('signing key cache stays bounded', () => {
    for (let i = 0; i < 400; i++) getSigningKey(`secret${i}`, '20130524', 'us-east-1', 's3');
    assert.ok(signingKeyCacheSize() <= 256);
    const k = createHmac('sha256', createHmac('sha256', createHmac('sha256', createHmac('sha256', 'AWS4' + SECRET).update('20130524').digest()).update('us-east-1').digest()).update('s3').digest()).update('aws4_request').digest();
    assert.deepEqual(getSigningKey(SECRET, '20130524', 'us-east-1', 's3'), k);
  });

  test('cross-check with the AWS SDK signer on awkward keys and queries', async (t) => {
    let mod: typeof import('@smithy/signature-v4');
    try {
      mod = await import('@smithy/signature-v4');
    } catch {
      t.skip('@smithy/signature-v4 not installed');
      return;
    }
    class NodeSha256 {
      private readonly h;
      constructor(secret?: unknown) {
        this.h = secret ? createHmac('sha256', secret as Buffer) : createHash('sha256');
      }
      update(data: Uint8Array | string): void { this.h.update(data); }
      async digest(): Promise<Uint8Array> { return this.h.digest(); }
    }
    const signer = new mod.SignatureV4({
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET }, region: REGION, service: 's3',
      sha256: NodeSha256 as never, uriEscapePath: false, applyChecksum: false,
    });
    const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
    const keys = ['a b/c+d', 'x/../y//z', 'ünïcødé/😀', "!'()*~._-", 'q?=&#%', 'sp  ace/'];
    for (const key of keys) {
      const path = '/bucket/' + key.split('/').map(enc).join('/');
      const query = { prefix: key, 'max-keys': '5', empty: '' };
      const signed = await mod.SignatureV4.prototype.sign.call(signer, {
        method: 'GET', protocol: 'https:', hostname: 's3.example.com', path, query,
        headers: { host: 's3.example.com', 'x-amz-content-sha256': EMPTY },
      } as never, { signingDate: NOW }) as { headers: Record<string, string> };
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
      const rawQuery = Object.entries(query).map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
      const r = authenticate(req({ rawPath: path, rawQuery, headers }), store, REGION);
      assert.equal(r.user?.accessKeyId, AKID, key);
    }
  });
});
