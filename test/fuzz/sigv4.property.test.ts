/**
 * Property: whatever the key, query string and headers, a request signed by the AWS SDK's own
 * signer (@smithy/signature-v4, as the S3 client configures it: paths not double-encoded) is
 * accepted by Coffer's SigV4 verification, in the header form and presigned; and one changed
 * byte in a signed part is refused with SignatureDoesNotMatch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import fc from 'fast-check';
import { SignatureV4 } from '@smithy/signature-v4';
import { authenticate } from '../../src/auth/authenticate.js';
import { StaticCredentialStore } from '../../src/auth/credentials.js';
import { S3Error } from '../../src/errors.js';

const USER = { accessKeyId: 'AKIAPROPERTYTEST0001', secretAccessKey: 'property/test/secret/0123456789abcdefghij', id: 'c'.repeat(64), displayName: 'p' };
const credentials = new StaticCredentialStore([USER]);
const NOW = new Date('2026-11-30T12:00:00Z');
const HOST = '127.0.0.1:9000';

/** The signer's hash: SHA-256, or HMAC-SHA-256 with a secret (the SDK passes this constructor). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: unknown) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret as string | Uint8Array);
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

interface Signed { readonly headers: Record<string, string>; readonly query: Record<string, string> }

const signer = new SignatureV4({ credentials: USER, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });

/** RFC 3986 encoding, as the SDK writes paths and query strings. */
const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const text = (maxLength: number) => fc.string({ unit: 'grapheme', minLength: 1, maxLength });
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).map((n) => `x-amz-meta-${n}`);
/** Header values as they arrive from Node (trimmed); inner runs of spaces are kept (SigV4 collapses them). */
const headerValue = fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((v) => v.replace(/[^\x20-\x7e]/g, 'x').trim());

const request = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'HEAD', 'DELETE', 'POST'),
  key: text(40),
  // Not `__proto__`: the SDK signer gathers the canonical query in a plain object, where that name
  // sets the prototype, so it signs `[object Object]` instead of `__proto__=` (Coffer signs what
  // arrived, as AWS does).
  query: fc.dictionary(text(12).filter((name) => name !== '__proto__'), fc.string({ unit: 'grapheme', maxLength: 20 }), { maxKeys: 5 }),
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 5 }),
});

type Generated = { method: string; key: string; query: Record<string, string>; headers: Record<string, string> };

function wire(generated: Generated) {
  const path = `/bucket/${generated.key.split('/').map(escape).join('/')}`;
  return { path, query: Object.entries(generated.query).map(([k, v]) => `${escape(k)}=${escape(v)}`).join('&') };
}

function verify(method: string, path: string, rawQuery: string, headers: Record<string, string>) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v).trim()]));
  return authenticate({ method, rawPath: path, rawQuery, headers: lower, now: NOW }, credentials, 'us-east-1');
}

test('SigV4.property: header-signed by the SDK signer → accepted (random Unicode keys, query strings, headers)', async () => {
  await fc.assert(fc.asyncProperty(request, async (generated) => {
    const { path, query } = wire(generated);
    const signed = (await signer.sign({
      method: generated.method, protocol: 'http:', hostname: '127.0.0.1', port: 9000, path,
      query: generated.query, headers: { host: HOST, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...generated.headers },
    } as never, { signingDate: NOW })) as unknown as Signed;
    const result = verify(generated.method, path, query, signed.headers);
    assert.equal(result.user?.accessKeyId, USER.accessKeyId);
  }), { numRuns: 300 });
});

test('SigV4.property: presigned by the SDK signer → accepted', async () => {
  await fc.assert(fc.asyncProperty(request, fc.integer({ min: 1, max: 604_800 }), async (generated, expiresIn) => {
    const { path } = wire(generated);
    // As @aws-sdk/s3-request-presigner does: the payload is unsigned, and says so in the signature.
    const presigned = (await signer.presign({
      method: generated.method, protocol: 'http:', hostname: '127.0.0.1', port: 9000, path,
      query: generated.query, headers: { host: HOST, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...generated.headers },
    } as never, { signingDate: NOW, expiresIn, unsignableHeaders: new Set(['x-amz-content-sha256']) })) as Signed;
    const rawQuery = Object.entries(presigned.query).map(([k, v]) => `${escape(k)}=${escape(v)}`).join('&');
    const { 'x-amz-content-sha256': _unsigned, ...sent } = presigned.headers;
    const result = verify(generated.method, path, rawQuery, sent);
    assert.equal(result.user?.accessKeyId, USER.accessKeyId);
  }), { numRuns: 200 });
});

test('SigV4.property: one signed header value changed after signing → 403 SignatureDoesNotMatch', async () => {
  await fc.assert(fc.asyncProperty(request, headerValue, async (generated, replacement) => {
    const { path, query } = wire(generated);
    const headers = { host: HOST, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-meta-signed': 'original', ...generated.headers };
    const signed = (await signer.sign({ method: generated.method, protocol: 'http:', hostname: '127.0.0.1', port: 9000, path, query: generated.query, headers } as never, { signingDate: NOW })) as unknown as Signed;
    const altered = { ...signed.headers, 'x-amz-meta-signed': replacement.replace(/\s+/g, ' ') === 'original' ? 'changed' : replacement };
    fc.pre(altered['x-amz-meta-signed']!.replace(/ +/g, ' ') !== 'original');
    assert.throws(() => verify(generated.method, path, query, altered), (error: unknown) => error instanceof S3Error && error.code === 'SignatureDoesNotMatch');
  }), { numRuns: 200 });
});
