import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { decodeAwsChunked } from '../../../src/auth/sigv4/chunked-reader.js';
import { verifiedBody } from '../../../src/auth/payload.js';
import { getSigningKey } from '../../../src/auth/sigv4/signing-key.js';
import type { ChunkSigningContext, PayloadMode } from '../../../src/auth/types.js';
import { S3Error } from '../../../src/errors.js';

type Chunked = Extract<PayloadMode, { kind: 'chunked' }>;
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SCOPE = '20130524/us-east-1/s3/aws4_request';
const AMZ_DATE = '20130524T000000Z';
const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const EXAMPLE_SIGS = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];
const signing: ChunkSigningContext = { seedSignature: SEED, signingKey: getSigningKey(SECRET, '20130524', 'us-east-1', 's3'), amzDate: AMZ_DATE, scope: SCOPE };
const sha = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const EMPTY = sha('');

/** The AWS documentation example body: 64 KiB + 1 KiB of 'a'. */
function exampleBody(): Buffer {
  const c1 = Buffer.alloc(65536, 'a');
  const c2 = Buffer.alloc(1024, 'a');
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${EXAMPLE_SIGS[0]}\r\n`), c1, Buffer.from('\r\n'),
    Buffer.from(`400;chunk-signature=${EXAMPLE_SIGS[1]}\r\n`), c2, Buffer.from('\r\n'),
    Buffer.from(`0;chunk-signature=${EXAMPLE_SIGS[2]}\r\n\r\n`),
  ]);
}

/** Independent builder of signed (optionally trailer) bodies. */
function signedBody(chunks: Buffer[], trailers?: Record<string, string>): Buffer {
  const key = signing.signingKey;
  let prev = SEED;
  const parts: Buffer[] = [];
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${AMZ_DATE}\n${SCOPE}\n${prev}\n${EMPTY}\n${sha(data)}`;
    prev = createHmac('sha256', key).update(sts).digest('hex');
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${prev}\r\n`), data);
    if (data.length > 0) parts.push(Buffer.from('\r\n'));
  }
  if (trailers) {
    const lines = Object.entries(trailers).map(([k, v]) => `${k}:${v}\n`).join('');
    const sts = `AWS4-HMAC-SHA256-TRAILER\n${AMZ_DATE}\n${SCOPE}\n${prev}\n${sha(lines)}`;
    const tsig = createHmac('sha256', key).update(sts).digest('hex');
    parts.push(Buffer.from(Object.entries(trailers).map(([k, v]) => `${k}:${v}\r\n`).join('') + `x-amz-trailer-signature:${tsig}\r\n\r\n`));
  } else {
    parts.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

function split(buf: Buffer, sizes: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length;) {
    const n = Math.max(1, sizes());
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

async function run(pieces: Buffer[], mode: Chunked | PayloadMode, viaPayload = false): Promise<{ data: Buffer; trailers: Readonly<Record<string, string>> }> {
  const source = Readable.from(pieces, { objectMode: false });
  const r = viaPayload ? verifiedBody(source, mode as PayloadMode) : decodeAwsChunked(source, mode as Chunked);
  const out: Buffer[] = [];
  for await (const c of r.body) out.push(c as Buffer);
  return { data: Buffer.concat(out), trailers: r.trailers() };
}

async function rejects(p: Promise<unknown>, code: string): Promise<S3Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof S3Error, `expected S3Error ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const SIGNED: Chunked = { kind: 'chunked', signedChunks: true, trailer: false, signing, decodedLength: 66560 };

describe('aws-chunked, signed (AWS example)', () => {
  test('whole body', async () => {
    const { data } = await run([exampleBody()], SIGNED);
    assert.equal(data.length, 66560);
    assert.ok(data.every((b) => b === 0x61));
  });

  test('byte by byte', async () => {
    const { data } = await run(split(exampleBody(), () => 1), SIGNED);
    assert.equal(data.length, 66560);
  });

  test('random splits', async () => {
    for (let i = 0; i < 30; i++) {
      const { data } = await run(split(exampleBody(), () => Math.floor(rand() * (i % 2 ? 7 : 9000))), SIGNED);
      assert.equal(data.length, 66560);
    }
  });

  test('via verifiedBody', async () => {
    const { data } = await run([exampleBody()], SIGNED, true);
    assert.equal(data.length, 66560);
  });

  test('tampered data / signature / reordered → SignatureDoesNotMatch', async () => {
    const body = exampleBody();
    const t1 = Buffer.from(body); t1[200] = 0x62;
    await rejects(run([t1], SIGNED), 'SignatureDoesNotMatch');
    const t2 = Buffer.from(body.toString('latin1').replace(EXAMPLE_SIGS[2], '0'.repeat(64)), 'latin1');
    await rejects(run([t2], SIGNED), 'SignatureDoesNotMatch');
    const t3 = Buffer.from(body.toString('latin1').replace(`;chunk-signature=${EXAMPLE_SIGS[1]}`, ''), 'latin1');
    await rejects(run([t3], SIGNED), 'SignatureDoesNotMatch');
    await rejects(run([body], { ...SIGNED, signing: { ...signing, seedSignature: '1'.repeat(64) } }), 'SignatureDoesNotMatch');
  });

  test('truncated / wrong decoded length → IncompleteBody', async () => {
    const body = exampleBody();
    await rejects(run([body.subarray(0, body.length - 2)], SIGNED), 'IncompleteBody');
    await rejects(run([body.subarray(0, 1000)], SIGNED), 'IncompleteBody');
    await rejects(run([body], { ...SIGNED, decodedLength: 66561 }), 'IncompleteBody');
    await rejects(run([body], { ...SIGNED, decodedLength: 100 }), 'IncompleteBody');
    await rejects(run([], SIGNED), 'IncompleteBody');
  });

  test('small non-final signed chunk → InvalidChunkSizeError', async () => {
    await rejects(run([signedBody([Buffer.alloc(100, 1), Buffer.alloc(100, 2)])], { ...SIGNED, decodedLength: undefined }), 'InvalidChunkSizeError');
    const ok = await run([signedBody([Buffer.alloc(100, 1)])], { ...SIGNED, decodedLength: 100 });
    assert.equal(ok.data.length, 100);
  });
});

describe('aws-chunked, trailers', () => {
  const UT: Chunked = { kind: 'chunked', signedChunks: false, trailer: true, decodedLength: 11 };
  const utBody = Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');

  test('unsigned trailer, any split', async () => {
    for (let i = 0; i < 40; i++) {
      const pieces = i === 0 ? split(utBody, () => 1) : split(utBody, () => Math.floor(rand() * 12));
      const { data, trailers } = await run(pieces, UT);
      assert.equal(data.toString(), 'hello world');
      assert.deepEqual(trailers, { 'x-amz-checksum-crc32': 'DUoRhQ==' });
    }
  });

  test('unsigned trailer: header names lowercased, no trailers, via verifiedBody', async () => {
    const { trailers } = await run([Buffer.from('0\r\nX-Amz-Checksum-SHA256: abc= \r\n\r\n')], { ...UT, decodedLength: 0 }, true);
    assert.deepEqual(trailers, { 'x-amz-checksum-sha256': 'abc=' });
    const none = await run([Buffer.from('3\r\nabc\r\n0\r\n\r\n')], { ...UT, decodedLength: 3 });
    assert.deepEqual(none.trailers, {});
  });

  test('signed trailer', async () => {
    const body = signedBody([Buffer.alloc(9000, 'x'), Buffer.alloc(10, 'y')], { 'x-amz-checksum-crc32c': 'sOO8/Q==' });
    const mode: Chunked = { kind: 'chunked', signedChunks: true, trailer: true, signing, decodedLength: 9010 };
    for (const pieces of [[body], split(body, () => 1), split(body, () => Math.floor(rand() * 50))]) {
      const { data, trailers } = await run(pieces, mode);
      assert.equal(data.length, 9010);
      assert.deepEqual(trailers, { 'x-amz-checksum-crc32c': 'sOO8/Q==' });
    }
    const tampered = Buffer.from(body.toString('latin1').replace('sOO8/Q==', 'AAAAAA=='), 'latin1');
    await rejects(run([tampered], mode), 'SignatureDoesNotMatch');
    const noSig = Buffer.from(body.toString('latin1').replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ''), 'latin1');
    await rejects(run([noSig], mode), 'SignatureDoesNotMatch');
  });

  test('malformed framing never crashes or hangs', async () => {
    const bad: Array<[string, string]> = [
      ['zz\r\nabc\r\n0\r\n\r\n', 'InvalidRequest'],
      ['3\r\nabcX\r\n0\r\n\r\n', 'InvalidRequest'],
      ['3\nabc\r\n0\r\n\r\n', 'InvalidRequest'],
      ['3\rxabc', 'InvalidRequest'],
      ['3\r\nabc\r\n0\r\nno-colon\r\n\r\n', 'InvalidRequest'],
      ['3\r\nabc\r\n0\r\nx:y\r\n\r\nextra', 'InvalidRequest'],
      ['3\r\nabc\r\n0\r\nx:y\r\n', 'IncompleteBody'],
      ['3\r\nab', 'IncompleteBody'],
      ['f'.repeat(5000), 'InvalidRequest'],
      ['3\r\nabc\r\n0\r\n' + 'x-a:' + 'v'.repeat(20000) + '\r\n\r\n', 'InvalidRequest'],
      ['ffffffffffffffffff\r\n', 'InvalidRequest'],
    ];
    for (const [body, code] of bad) {
      await rejects(run(split(Buffer.from(body), () => 1 + Math.floor(rand() * 3)), { ...UT, decodedLength: undefined }), code);
    }
  });
});

describe('verifiedBody', () => {
  test('unsigned is a passthrough', async () => {
    const { data } = await run([Buffer.from('abc')], { kind: 'unsigned' }, true);
    assert.equal(data.toString(), 'abc');
  });

  test('sha256 match and mismatch', async () => {
    const { data } = await run([Buffer.from('Welcome to '), Buffer.from('Amazon S3.')], { kind: 'sha256', expectedHex: '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072' }, true);
    assert.equal(data.toString(), 'Welcome to Amazon S3.');
    const err = await rejects(run([Buffer.from('tampered')], { kind: 'sha256', expectedHex: EMPTY }, true), 'XAmzContentSHA256Mismatch');
    assert.deepEqual(err.detail, { ClientComputedContentSHA256: EMPTY, S3ComputedContentSHA256: sha('tampered') });
  });

  test('a source error propagates', async () => {
    const source = new Readable({ read() { this.destroy(new Error('socket reset')); } });
    const { body } = verifiedBody(source, { kind: 'sha256', expectedHex: EMPTY });
    await assert.rejects(async () => { for await (const _ of body) void _; }, /socket reset/);
  });
});
