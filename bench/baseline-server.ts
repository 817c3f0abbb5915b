/**
 * The baseline: a minimal node:http S3 subset that authenticates exactly as Coffer does
 * (src/auth/authenticate.ts + the payload check of src/auth/payload.ts) and answers from memory.
 * Objects of 8 MiB and more go to a file and are served with a plain fs read stream — the
 * reference for large GETs. `node --import tsx bench/baseline-server.ts <tmpdir>`; prints
 * `baseline listening on http://127.0.0.1:PORT`.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { authenticate } from '../src/auth/authenticate.js';
import { StaticCredentialStore } from '../src/auth/credentials.js';
import { verifiedBody } from '../src/auth/payload.js';
import { S3Error } from '../src/errors.js';
import { BENCH_CREDENTIALS } from './lib/sign.js';

const FILE_BYTES_MIN = 8 << 20;
const dir = process.argv[2] ?? '/tmp';
const credentials = new StaticCredentialStore([
  { accessKeyId: BENCH_CREDENTIALS.accessKeyId, secretAccessKey: BENCH_CREDENTIALS.secretAccessKey, id: 'a'.repeat(64), displayName: 'bench' },
]);

interface Stored {
  readonly data?: Buffer;
  readonly file?: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: string;
}
const buckets = new Map<string, Map<string, Stored>>();
let fileCounter = 0;
let requestCounter = 0;

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function send(res: ServerResponse, status: number, body?: string): void {
  res.statusCode = status;
  if (body === undefined) {
    if (status !== 204) res.setHeader('content-length', 0);
    res.end();
    return;
  }
  const bytes = Buffer.from(body);
  res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', bytes.length);
  res.end(bytes);
}

function list(res: ServerResponse, bucket: Map<string, Stored>, query: URLSearchParams): void {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = Number(query.get('max-keys') ?? 1000);
  const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix)).sort();
  const parts: string[] = [];
  const prefixes = new Set<string>();
  let count = 0;
  for (const key of keys) {
    if (count >= maxKeys) break;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const p = key.slice(0, cut + delimiter.length);
      if (!prefixes.has(p)) {
        prefixes.add(p);
        parts.push(`<CommonPrefixes><Prefix>${xmlEscape(p)}</Prefix></CommonPrefixes>`);
        count++;
      }
      continue;
    }
    const o = bucket.get(key)!;
    parts.push(`<Contents><Key>${xmlEscape(key)}</Key><LastModified>${o.lastModified}</LastModified><ETag>"${o.etag}"</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`);
    count++;
  }
  send(res, 200, `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bench</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${count}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>false</IsTruncated>${parts.join('')}</ListBucketResult>`);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('x-amz-request-id', (++requestCounter).toString(16).padStart(16, '0'));
  res.setHeader('server', 'Baseline');
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const headers = req.headers as Record<string, string | undefined>;
  const method = req.method ?? '';
  try {
    const auth = authenticate({ method, rawPath, rawQuery, headers, now: new Date() }, credentials, BENCH_CREDENTIALS.region);
    const path = decodeURIComponent(rawPath);
    const slash = path.indexOf('/', 1);
    const bucketName = slash < 0 ? path.slice(1) : path.slice(1, slash);
    const key = slash < 0 ? '' : path.slice(slash + 1);
    if (key === '') {
      if (method === 'PUT') {
        if (!buckets.has(bucketName)) buckets.set(bucketName, new Map());
        return send(res, 200);
      }
      const bucket = buckets.get(bucketName);
      if (!bucket) return send(res, 404, '<Error><Code>NoSuchBucket</Code></Error>');
      if (method === 'GET') return list(res, bucket, new URLSearchParams(rawQuery));
      return send(res, 405, '<Error><Code>MethodNotAllowed</Code></Error>');
    }
    const bucket = buckets.get(bucketName);
    if (!bucket) return send(res, 404, '<Error><Code>NoSuchBucket</Code></Error>');
    switch (method) {
      case 'PUT': {
        const body = verifiedBody(req, auth.payload).body;
        const md5 = createHash('md5');
        const declared = Number(headers['content-length'] ?? 0);
        let stored: Stored;
        const lastModified = new Date().toISOString();
        if (declared >= FILE_BYTES_MIN) {
          const file = join(dir, `baseline-${process.pid}-${++fileCounter}`);
          let size = 0;
          await pipeline(body, async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              md5.update(chunk);
              size += chunk.length;
              yield chunk;
            }
          }, createWriteStream(file));
          stored = { file, size, etag: md5.digest('hex'), lastModified };
        } else {
          const chunks: Buffer[] = [];
          for await (const chunk of body) chunks.push(chunk as Buffer);
          const data = Buffer.concat(chunks);
          stored = { data, size: data.length, etag: md5.update(data).digest('hex'), lastModified };
        }
        bucket.set(key, stored);
        res.setHeader('etag', `"${stored.etag}"`);
        return send(res, 200);
      }
      case 'GET':
      case 'HEAD': {
        const o = bucket.get(key);
        if (!o) return send(res, 404, method === 'HEAD' ? undefined : '<Error><Code>NoSuchKey</Code></Error>');
        res.statusCode = 200;
        res.setHeader('etag', `"${o.etag}"`);
        res.setHeader('last-modified', new Date(o.lastModified).toUTCString());
        res.setHeader('content-type', 'application/octet-stream');
        res.setHeader('content-length', o.size);
        if (method === 'HEAD') return void res.end();
        if (o.data) return void res.end(o.data);
        await pipeline(createReadStream(o.file!), res);
        return;
      }
      case 'DELETE':
        bucket.delete(key);
        return send(res, 204);
      default:
        return send(res, 405, '<Error><Code>MethodNotAllowed</Code></Error>');
    }
  } catch (error) {
    if (res.headersSent) return void res.destroy();
    if (error instanceof S3Error) return send(res, error.status, `<Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error>`);
    console.error(error);
    send(res, 500, '<Error><Code>InternalError</Code></Error>');
  }
}

const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => void handle(req, res));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`baseline listening on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
