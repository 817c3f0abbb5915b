/**
 * The request fuzzer: random and mutated S3 requests, sent as raw bytes to a live Coffer process,
 * one connection each. Most are signed (after mutation) so that they get past authentication into
 * the operations; some are then mutated byte by byte. Every response is classified; a 5xx other
 * than 501 NotImplemented, a server that dies, or file descriptors / memory that grow are failures.
 * Used by `npm run fuzz` (100,000 requests) and test/fuzz/requests.test.ts (~10 s).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { signV4 } from '../helpers/raw-request.js';
import { prng } from '../helpers/prng.js';
import { ROOT_KEYS } from '../helpers/start-server.js';

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

export interface Outcome {
  /** The status of the first response, or 'closed' (no response) or 'timeout'. */
  readonly status: number | 'closed' | 'timeout';
  readonly code?: string;
}

export const FUZZ_BUCKETS = ['fuzz-versioned', 'fuzz-plain'] as const;

/** What the generator draws from: the fixture's buckets, keys and an open upload. */
export interface FuzzState { uploadId: string; versionId: string }

const KEYS = ['k', 'dir/k2', 'a b', 'ü/ñ€', '%25', 'x'.repeat(1024), 'y'.repeat(1025), '../etc/passwd', 'ctl\u0001\u001f', 'q?x=1', 'emoji-\u{1F600}', ' lead', 'trail ', 'a//b', '~!@$&*()=:,;', ''];
const VALUES = ['', '0', '-1', '1', '2', '1000', '1001', '10000', '10001', '99999999999999999999', 'abc', '%FF', '%', 'null', 'true', 'ü', '\u{1F600}', 'a'.repeat(300), 'bytes=0-0', 'url', '/', 'STANDARD', 'Enabled', '*'];
const SUBRESOURCES = ['', 'uploads', 'uploadId', 'partNumber', 'tagging', 'versioning', 'versions', 'list-type', 'delete', 'acl', 'policy', 'cors',
  'lifecycle', 'location', 'attributes', 'versionId', 'response-content-type', 'response-content-disposition', 'response-expires', 'continuation-token',
  'max-keys', 'prefix', 'delimiter', 'encoding-type', 'marker', 'key-marker', 'version-id-marker', 'upload-id-marker', 'part-number-marker', 'max-parts',
  'max-uploads', 'start-after', 'fetch-owner', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature',
  'AWSAccessKeyId', 'Signature', 'Expires', 'website', 'notification', 'object-lock', 'retention', 'legal-hold', 'restore', 'select', 'torrent'];
const DATES = ['Mon, 30 Nov 2026 12:00:00 GMT', 'Thu, 01 Jan 1970 00:00:00 GMT', '2026-11-30T12:00:00Z', 'yesterday', '', 'Fri, 31 Dec 9999 23:59:59 GMT'];
const HEADERS: Record<string, readonly string[]> = {
  range: ['bytes=0-0', 'bytes=0-', 'bytes=-1', 'bytes=5-2', 'bytes=0-1,3-4', 'bytes=99999999999999999999-', 'bytes=-0', 'items=0-1', 'bytes=', 'bytes=1-2-3'],
  'if-match': ['*', '"d41d8cd98f00b204e9800998ecf8427e"', 'x', '"a", "b"', ''],
  'if-none-match': ['*', '"d41d8cd98f00b204e9800998ecf8427e"', 'W/"x"', ''],
  'if-modified-since': DATES,
  'if-unmodified-since': DATES,
  'x-amz-copy-source': ['/fuzz-plain/k', 'fuzz-versioned/k?versionId=null', '/fuzz-plain/%FF', '/', 'nobucket/k', '/fuzz-plain/dir%2Fk2', '/fuzz-plain/' + 'z'.repeat(2000)],
  'x-amz-copy-source-range': ['bytes=0-0', 'bytes=0-5368709120', 'x'],
  'x-amz-copy-source-if-match': ['*', '"x"'],
  'x-amz-copy-source-if-modified-since': DATES,
  'x-amz-metadata-directive': ['COPY', 'REPLACE', 'OTHER'],
  'x-amz-tagging-directive': ['COPY', 'REPLACE', 'x'],
  'x-amz-tagging': ['a=b', 'a=b&c', '=x', 'a=b&a=c', '%FF=1', 'k='.padEnd(400, 'v')],
  'x-amz-meta-fuzz': ['v', 'ü', 'x'.repeat(3000), ''],
  'content-md5': ['1B2M2Y8AsgTpgAmY5PhCfg==', 'xx', '', 'AAAAAAAAAAAAAAAAAAAAAA=='],
  'x-amz-checksum-crc32': ['AAAAAA==', 'x', ''],
  'x-amz-checksum-sha256': ['47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', 'x'],
  'x-amz-checksum-crc64nvme': ['AAAAAAAAAAA=', '='],
  'x-amz-sdk-checksum-algorithm': ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME', 'MD5', 'x'],
  'x-amz-checksum-algorithm': ['CRC32', 'crc32c', 'x'],
  'x-amz-checksum-type': ['COMPOSITE', 'FULL_OBJECT', 'x'],
  'x-amz-checksum-mode': ['ENABLED', 'x'],
  'content-type': ['text/plain', 'application/xml', '', 'x/y; charset=ü'],
  'x-amz-storage-class': ['STANDARD', 'GLACIER', 'X'],
  'x-amz-acl': ['private', 'public-read', 'bogus'],
  'x-amz-server-side-encryption': ['AES256', 'aws:kms', 'x'],
  'x-amz-object-attributes': ['ETag', 'ETag,Checksum,ObjectParts,StorageClass,ObjectSize', 'Bogus', ''],
  'x-amz-max-parts': ['0', '1', '-1', 'x'],
  'x-amz-part-number-marker': ['0', '1', 'x'],
  expect: ['100-continue', 'bogus'],
  'x-amz-expected-bucket-owner': ['123456789012', 'x'],
  'x-amz-bucket-object-lock-enabled': ['true', 'x'],
  'x-amz-object-lock-mode': ['GOVERNANCE', 'x'],
  'x-amz-website-redirect-location': ['/x', 'http://e'],
  'x-amz-request-payer': ['requester'],
  'x-amz-mp-object-size': ['1', 'x'],
  'x-amz-write-offset-bytes': ['0', 'x'],
  'cache-control': ['no-cache', ''],
  'content-encoding': ['gzip', 'aws-chunked', 'aws-chunked,gzip'],
  'content-disposition': ['attachment; filename="ü"'],
};

function xmlDocuments(state: FuzzState): string[] {
  return [
    '<Delete><Object><Key>k</Key></Object><Object><Key>dir/k2</Key><VersionId>null</VersionId></Object><Quiet>true</Quiet></Delete>',
    `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${'0'.repeat(32)}"</ETag></Part></CompleteMultipartUpload>`,
    '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>',
    '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
    '<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>',
    '<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>',
    `<Delete>${'<Object><Key>x</Key></Object>'.repeat(1001)}</Delete>`,
    `<Delete><Object><Key>${state.versionId}</Key><VersionId>${state.versionId}</VersionId></Object></Delete>`,
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><Delete><Object><Key>&e;</Key></Object></Delete>',
    '<Tagging><TagSet><Tag><Key>&#0;</Key><Value>&nbsp;</Value></Tag></TagSet></Tagging>',
    `<a>${'<b>'.repeat(2000)}${'</b>'.repeat(2000)}</a>`,
    '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>k</Key></Object></Delete>',
  ];
}

/** A random request: method, bucket, key, subresources, headers, body; signed or not. */
export function generateRequest(random: () => number, state: FuzzState, host: string): FuzzRequest {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  const method = chance(0.95) ? pick(['GET', 'GET', 'HEAD', 'PUT', 'PUT', 'POST', 'DELETE']) : pick(['OPTIONS', 'PATCH', 'TRACE', 'FOO', 'get']);
  const bucket = chance(0.85) ? pick(FUZZ_BUCKETS) : pick(['', 'no-such-bucket-fuzz', 'UPPER', 'a', 'x'.repeat(64), 'b..c', '192.168.0.1', 'fuzz-new-' + Math.floor(random() * 5)]);
  const key = chance(0.2) ? undefined : pick(KEYS);
  const encode = (s: string) => (chance(0.9) ? encodeURIComponent(s).replace(/%2F/g, '/') : s.replace(/[ ?#\r\n]/g, (c) => encodeURIComponent(c)));
  const path = bucket === '' ? '/' : `/${bucket}${key === undefined ? '' : `/${encode(key)}`}`;

  const query: string[] = [];
  for (let i = 0, n = Math.floor(random() * 4); i < n; i++) {
    const name = pick(SUBRESOURCES);
    if (name === '') continue;
    const value = name === 'uploadId' && chance(0.7) ? state.uploadId : name === 'versionId' && chance(0.6) ? state.versionId : name === 'partNumber' ? pick(['1', '2', '0', '10001', 'x']) : pick(VALUES);
    query.push(chance(0.1) ? name : `${encodeURIComponent(name)}=${chance(0.9) ? encodeURIComponent(value) : value.replace(/[ #&\r\n]/g, '_')}`);
  }

  const headers: Array<[string, string]> = [];
  const names = Object.keys(HEADERS);
  for (let i = 0, n = Math.floor(random() * 4); i < n; i++) {
    const name = pick(names);
    if (!headers.some(([h]) => h === name)) headers.push([name, pick(HEADERS[name]!)]);
  }

  let body: Buffer = Buffer.alloc(0);
  if (method === 'PUT' || method === 'POST' || chance(0.05)) {
    const roll = random();
    if (roll < 0.5) body = Buffer.from(mutateText(pick(xmlDocuments(state)), random));
    else if (roll < 0.8) body = Buffer.from(`fuzz body ${Math.floor(random() * 1e9)}`.repeat(1 + Math.floor(random() * 50)));
    else if (roll < 0.95) body = randomBytes(random, Math.floor(random() * 3000));
  }
  if (chance(0.7) && !headers.some(([h]) => h === 'content-md5')) {
    headers.push(['content-md5', createHash('md5').update(body).digest('base64')]); // DeleteObjects needs one
  }
  headers.push(['content-length', String(body.length)]);
  const queryString = query.join('&');

  const auth = random();
  let signed: Array<[string, string]>;
  if (auth < 0.75) {
    const payloadHash = chance(0.5) ? 'UNSIGNED-PAYLOAD' : undefined;
    try {
      signed = Object.entries(signV4({ method, path, query: queryString, host, headers: Object.fromEntries(headers), body, payloadHash, ...ROOT_KEYS }));
    } catch {
      signed = [['host', host], ...headers]; // the test signer cannot canonicalize a malformed query: sent unsigned
    }
  } else if (auth < 0.85) {
    signed = [['host', host], ...headers]; // anonymous
  } else if (auth < 0.93) {
    signed = [['host', host], ...headers, ['authorization', pick([
      'AWS4-HMAC-SHA256 Credential=AKIACOFFERTESTROOT01/20261130/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=' + '0'.repeat(64),
      'AWS4-HMAC-SHA256 Credential=/, SignedHeaders=, Signature=',
      'AWS AKIACOFFERTESTROOT01:' + 'A'.repeat(28),
      'AWS :',
      'Bearer x',
      'AWS4-HMAC-SHA256 ' + 'x'.repeat(500),
    ])], ['x-amz-date', pick(['20261130T120000Z', 'x', '99991231T235959Z'])], ['x-amz-content-sha256', pick(['UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'x', '0'.repeat(64)])]];
  } else {
    signed = [['host', host], ...headers];
    query.push(`X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(`${ROOT_KEYS.accessKeyId}/20261130/us-east-1/s3/aws4_request`)}&X-Amz-Date=20261130T120000Z&X-Amz-Expires=${pick(['0', '60', '604801', 'x'])}&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}`);
  }
  return { method, path, query: query.join('&'), headers: signed, body };
}

function randomBytes(random: () => number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** Cuts, duplicates or corrupts a piece of a text (XML documents), sometimes not at all. */
function mutateText(text: string, random: () => number): string {
  const at = Math.floor(random() * text.length);
  switch (Math.floor(random() * 6)) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + text.slice(at, at + 40) + text.slice(at);
    case 2: return text.slice(0, at) + String.fromCharCode(Math.floor(random() * 0x3000)) + text.slice(at + 1);
    case 3: return text.slice(0, at) + ['<', '>', '&', '&amp;', '&#x0;', ']]>', '<![CDATA[x]]>', '<?pi?>', '<!--c-->', '\u0000'][Math.floor(random() * 10)] + text.slice(at);
    default: return text;
  }
}

/** The request as bytes; sometimes with a byte-level mutation (after signing), said in `mutated`. */
export function serialize(request: FuzzRequest, random: () => number): { bytes: Buffer; mutated: boolean } {
  const target = request.query ? `${request.path}?${request.query}` : request.path;
  const head = `${request.method} ${target} HTTP/1.1\r\n${request.headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\nconnection: close\r\n\r\n`;
  let bytes = Buffer.concat([Buffer.from(head, 'utf8'), request.body]);
  if (random() < 0.1) {
    const copy = Buffer.from(bytes);
    for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
    return { bytes: copy, mutated: true };
  } else if (random() < 0.03) {
    return { bytes: bytes.subarray(0, Math.floor(random() * bytes.length)), mutated: true };
  }
  return { bytes, mutated: false };
}

/**
 * Sends the bytes on a fresh connection (from `localAddress`) and reads the first response. A
 * mutated request may be incomplete: its sending side is closed, so that the server sees the end
 * instead of waiting for the rest (Node takes that end as the client leaving, so a well-formed
 * request keeps it open: SDKs do not half-close either).
 */
export function exchange(port: number, localAddress: string, bytes: Buffer, options: { headRequest: boolean; halfClose: boolean; timeoutMs: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (outcome: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.resetAndDestroy(); // no TIME_WAIT left behind: 100,000 connections would exhaust the ports
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ status: 'timeout' }), options.timeoutMs);
    const classify = () => {
      const text = Buffer.concat(chunks).toString('latin1').replace(/^HTTP\/1\.1 100 [^]*?\r\n\r\n/, '');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      if (!status) return finish({ status: 'closed' });
      finish({ status: Number(status[1]), code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (wholeResponse(Buffer.concat(chunks).toString('latin1'), options.headRequest)) classify();
    });
    socket.on('error', () => classify());
    socket.on('close', () => classify());
    socket.once('connect', () => (options.halfClose ? socket.end(bytes) : socket.write(bytes)));
  });
}

/** Whether `text` holds a whole first response (after any 100 Continue): headers and body. */
function wholeResponse(text: string, headRequest: boolean): boolean {
  let rest = text;
  if (rest.startsWith('HTTP/1.1 100 ')) {
    const interim = rest.indexOf('\r\n\r\n');
    if (interim < 0) return false;
    rest = rest.slice(interim + 4);
  }
  const end = rest.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = rest.slice(0, end);
  if (headRequest || /^HTTP\/1\.1 (204|304) /.test(head)) return true;
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
  if (length !== undefined) return rest.length - end - 4 >= Number(length);
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) return rest.endsWith('\r\n0\r\n\r\n');
  return false; // read until the server closes
}

export interface ProcessFootprint { readonly fds: number; readonly rssBytes: number }

export function footprint(pid: number): ProcessFootprint {
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { fds: readdirSync(`/proc/${pid}/fd`).length, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
}

export interface FuzzRun {
  readonly port: number;
  readonly host: string;
  readonly state: FuzzState;
  readonly seed: number;
  /** Stops at whichever comes first. */
  readonly requestsMax: number;
  readonly durationMs: number;
  readonly concurrency: number;
  /** The fixture is put back this often (the fuzzer may delete it). */
  readonly restoreEvery: number;
  readonly restore: () => Promise<void>;
}

export interface FuzzReport {
  requests: number;
  readonly statuses: Record<string, number>;
  /**
   * 5xx other than 501 NotImplemented, timeouts, and well-formed requests (not mutated byte by
   * byte) left without a response: each with the request that caused it.
   */
  readonly failures: Array<{ outcome: Outcome; request: string }>;
}

const SOURCE_ADDRESSES = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];
const EXCHANGE_TIMEOUT_MS = 30_000;

/** Sends random requests from `concurrency` loops until the count or the time is reached. */
export async function runFuzz(run: FuzzRun): Promise<FuzzReport> {
  const report: FuzzReport = { requests: 0, statuses: {}, failures: [] };
  const until = Date.now() + run.durationMs;
  let issued = 0;
  let restoring: Promise<void> | undefined;
  const loop = async (lane: number) => {
    const random = prng(run.seed + lane * 7919);
    while (issued < run.requestsMax && Date.now() < until) {
      if (issued % run.restoreEvery === 0) await (restoring ??= run.restore().finally(() => (restoring = undefined)));
      issued++;
      const request = generateRequest(random, run.state, run.host);
      const { bytes, mutated } = serialize(request, random);
      const outcome = await exchange(run.port, SOURCE_ADDRESSES[lane % SOURCE_ADDRESSES.length]!, bytes, {
        headRequest: request.method === 'HEAD', halfClose: mutated, timeoutMs: EXCHANGE_TIMEOUT_MS,
      });
      report.requests++;
      const label = typeof outcome.status === 'number' ? `${outcome.status}${outcome.code ? ` ${outcome.code}` : ''}` : outcome.status;
      report.statuses[label] = (report.statuses[label] ?? 0) + 1;
      const serverFault = typeof outcome.status === 'number' && outcome.status >= 500 && outcome.status !== 501;
      if (serverFault || outcome.status === 'timeout' || (outcome.status === 'closed' && !mutated)) {
        report.failures.push({ outcome, request: bytes.subarray(0, 2000).toString('latin1') });
      }
    }
  };
  await Promise.all(Array.from({ length: run.concurrency }, (_, lane) => loop(lane)));
  return report;
}
