/**
 * Properties of the request parsers: the aws-chunked decoder (random chunkings and arrival splits,
 * single-byte corruptions), Range and conditional headers, and XML documents (build → parse).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { decodeAwsChunked } from '../../src/auth/sigv4/chunked-reader.js';
import { S3Error } from '../../src/errors.js';
import { checkReadPreconditions } from '../../src/ops/objects/conditionals.js';
import { parseRange } from '../../src/ops/objects/ranges.js';
import { buildXml, parseXml, type XmlObject } from '../../src/xml/codec.js';

// ---- aws-chunked ----

interface Encoding { readonly payload: Buffer; readonly bytes: Buffer; readonly trailer: boolean }

/** aws-chunked framing of `payload` cut into `sizes` (the rest in a last chunk), as SDKs send it. */
function encode(payload: Buffer, sizes: number[], trailer: boolean): Encoding {
  const parts: Buffer[] = [];
  const extension = trailer ? '' : `;chunk-signature=${'0'.repeat(64)}`;
  let at = 0;
  for (const size of [...sizes, payload.length]) {
    const chunk = payload.subarray(at, Math.min(at + size, payload.length));
    if (chunk.length === 0) continue;
    parts.push(Buffer.from(`${chunk.length.toString(16)}${extension}\r\n`), chunk, Buffer.from('\r\n'));
    at += chunk.length;
  }
  parts.push(Buffer.from(`0${extension}\r\n`));
  parts.push(Buffer.from(trailer ? 'x-amz-checksum-crc32:AAAAAA==\r\n\r\n' : '\r\n'));
  return { payload, bytes: Buffer.concat(parts), trailer };
}

/** Feeds `bytes` in pieces cut at `cuts`; resolves with the decoded body and trailers, or the error. */
function decode(bytes: Buffer, cuts: number[], trailer: boolean, decodedLength: number): Promise<{ body?: Buffer; trailers?: Record<string, string>; error?: unknown }> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    if (point > from) pieces.push(bytes.subarray(from, point));
    from = Math.max(from, point);
  }
  const { body, trailers } = decodeAwsChunked(Readable.from(pieces), { kind: 'chunked', signedChunks: false, trailer, decodedLength });
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const timer = setTimeout(() => resolve({ error: new Error('the decoder neither ended nor failed within 5 s') }), 5000);
    body.on('data', (c: Buffer) => out.push(c));
    body.once('end', () => {
      clearTimeout(timer);
      resolve({ body: Buffer.concat(out), trailers: { ...trailers() } });
    });
    body.once('error', (error) => {
      clearTimeout(timer);
      resolve({ error });
    });
  });
}

const encodings = fc.record({
  payload: fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
  sizes: fc.array(fc.integer({ min: 1, max: 1200 }), { maxLength: 8 }),
  trailer: fc.boolean(),
}).map(({ payload, sizes, trailer }) => encode(payload, sizes, trailer));

test('aws-chunked.property: any chunking, arriving in any pieces, decodes to the payload (and its trailer)', async () => {
  await fc.assert(fc.asyncProperty(encodings, fc.array(fc.nat(), { maxLength: 10 }), async (encoding, cuts) => {
    const result = await decode(encoding.bytes, cuts, encoding.trailer, encoding.payload.length);
    assert.equal(result.error, undefined);
    assert.ok(result.body!.equals(encoding.payload));
    if (encoding.trailer) assert.deepEqual(result.trailers, { 'x-amz-checksum-crc32': 'AAAAAA==' });
  }), { numRuns: 300 });
});

test('aws-chunked.property: one corrupted, dropped or truncated byte → the body still decodes or fails with an S3 error; never a hang or another error', async () => {
  const mutation = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('replace', 'drop', 'truncate') });
  await fc.assert(fc.asyncProperty(encodings, mutation, fc.array(fc.nat(), { maxLength: 4 }), async (encoding, m, cuts) => {
    const at = m.at % encoding.bytes.length;
    const bytes = Buffer.from(encoding.bytes);
    const mutated = m.kind === 'replace' ? (bytes[at] = m.byte, bytes) : m.kind === 'drop' ? Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]) : bytes.subarray(0, at);
    const result = await decode(mutated, cuts, encoding.trailer, encoding.payload.length);
    if (result.error !== undefined) assert.ok(result.error instanceof S3Error, `not an S3 error: ${String(result.error)}`);
    else assert.ok(result.body!.length <= encoding.payload.length + 1, 'a corruption does not invent data');
  }), { numRuns: 400 });
});

// ---- Range ----

test('Range.property: any header against any size → the whole object, one satisfiable range within it, or 416 InvalidRange', () => {
  const header = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.tuple(fc.constantFrom('bytes', 'BYTES', ' bytes ', 'items'), fc.option(fc.nat({ max: 5000 })), fc.option(fc.nat({ max: 5000 })))
      .map(([unit, a, b]) => `${unit}=${a ?? ''}-${b ?? ''}`),
  );
  fc.assert(fc.property(header, fc.nat({ max: 4000 }), (value, size) => {
    let range;
    try {
      range = parseRange(value, size);
    } catch (error) {
      assert.ok(error instanceof S3Error && error.code === 'InvalidRange', String(error));
      assert.equal(error.headers?.['content-range'], `bytes */${size}`);
      return;
    }
    if (range === undefined) return;
    assert.ok(range.start >= 0 && range.start < range.end && range.end <= size, JSON.stringify({ value, size, range }));
    const first = /^\s*bytes\s*=\s*(\d+)-(\d+)\s*$/i.exec(value);
    if (first && Number(first[2]) < size) assert.deepEqual(range, { start: Number(first[1]), end: Number(first[2]) + 1 });
  }), { numRuns: 3000 });
});

// ---- conditional headers ----

test('Conditionals.property: any If-* values → pass, 412 PreconditionFailed or 304 NotModified; an ETag list holding the object\'s ETag always satisfies If-Match', () => {
  const etag = fc.stringMatching(/^[0-9a-f]{32}$/);
  const date = fc.oneof(fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toUTCString()), fc.string({ maxLength: 20 }));
  const list = (own: string) => fc.array(fc.oneof(fc.constant(`"${own}"`), fc.constant('*'), etag.map((e) => `"${e}"`), fc.string({ maxLength: 10 })), { maxLength: 4 }).map((l) => l.join(', '));
  fc.assert(fc.property(etag, fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }), fc.nat(), fc.nat(), date, date, (own, lastModified, seed1, seed2, since, unmodifiedSince) => {
    const ifMatch = fc.sample(fc.option(list(own)), { seed: seed1, numRuns: 1 })[0] ?? undefined;
    const ifNoneMatch = fc.sample(fc.option(list(own)), { seed: seed2, numRuns: 1 })[0] ?? undefined;
    const headers = { 'if-match': ifMatch, 'if-none-match': ifNoneMatch, 'if-modified-since': since, 'if-unmodified-since': unmodifiedSince };
    try {
      checkReadPreconditions(headers, { etag: own, lastModified });
    } catch (error) {
      assert.ok(error instanceof S3Error && (error.code === 'PreconditionFailed' || error.code === 'NotModified'), String(error));
      if (error.code === 'PreconditionFailed' && ifMatch !== undefined) {
        assert.ok(!ifMatch.includes(`"${own}"`) && !ifMatch.split(',').some((e) => e.trim() === '*'), `If-Match ${ifMatch} holds ${own}`);
      }
    }
  }), { numRuns: 2000 });
});

// ---- XML documents ----

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,11}$/;
/** Text XML 1.0 can carry (the serializer writes \r and markup as references). */
const xmlText = fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '?'));

const xmlTree: fc.Arbitrary<XmlObject> = fc.letrec((tie) => ({
  node: fc.dictionary(fc.stringMatching(XML_NAME), fc.oneof(
    { weight: 3, arbitrary: xmlText },
    { weight: 1, arbitrary: tie('node') },
    { weight: 1, arbitrary: fc.array(xmlText, { minLength: 2, maxLength: 4 }) },
  ), { minKeys: 1, maxKeys: 4, noNullPrototype: true }),
})).node as fc.Arbitrary<XmlObject>;

test('XML.property: buildXml then parseXml gives the document back (text with markup characters, \\r, Unicode; nesting; repeated elements)', () => {
  fc.assert(fc.property(xmlTree, (tree) => {
    const parsed = parseXml(buildXml('Root', tree, null));
    assert.deepEqual(parsed.Root, tree);
  }), { numRuns: 1000 });
});
