/**
 * minio-js (the `minio` npm package) against a real Coffer process: bucket calls, put/get/stat,
 * ranged get, listing (v1 and v2), copy, multipart put (5 MiB parts), presigned GET and PUT
 * (fetched with a plain HTTP client), removeObjects, removeBucket.
 */
import { after, before, describe, test } from 'node:test';
import { Readable } from 'node:stream';
import type { BucketItem, Client } from 'minio';
import { md5, multipartEtag, payload } from './helpers/files.js';
import { bucketName, finishInterop, startInterop, type InteropContext } from './helpers/suite.js';
import { expectSame, InteropFailure, unavailableAs } from './helpers/tool.js';

let minio: typeof import('minio') | undefined;
let missing: string | undefined;
try {
  minio = await import('minio');
} catch (error) {
  missing = `cannot import the 'minio' npm package (${(error as Error).message}); it is a devDependency: run npm ci`;
}
const tool = unavailableAs('minio-js', 'node_modules/minio', missing);
const PART = 5 * 1024 * 1024;

/** Runs one client call; a failure names the tool, the call and the S3 error it got. */
async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const e = error as { code?: string; message?: string; statusCode?: number };
    throw new InteropFailure(`[minio-js] ${what} failed: ${e.code ?? (error as Error).name} ${e.statusCode ?? ''}: ${e.message}`);
  }
}

function same(what: string, expected: unknown, actual: unknown): void {
  expectSame(undefined, `[minio-js] ${what}`, expected, actual);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function collect<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item as T);
  return items;
}

describe('minio-js', { skip: tool.skip, concurrency: 3 }, () => {
  let context: InteropContext;
  let client: Client;
  before(async () => {
    context = await startInterop(tool);
    const { server } = context;
    client = new minio!.Client({
      endPoint: server.host,
      port: server.port,
      useSSL: false,
      accessKey: server.accessKeyId,
      secretKey: server.secretAccessKey,
      region: server.region,
      pathStyle: true,
      partSize: PART,
    });
  });
  after(() => finishInterop(tool, context));

  test('minio-js makeBucket, bucketExists, putObject, statObject, getObject, getPartialObject, removeObject, removeBucket', async () => {
    const bucket = bucketName('minio', 'basic');
    await call(`makeBucket('${bucket}')`, () => client.makeBucket(bucket, context.server.region));
    same('bucketExists after makeBucket', true, await call('bucketExists', () => client.bucketExists(bucket)));
    const data = payload(123_456);
    const put = await call('putObject(buffer, metadata)', () =>
      client.putObject(bucket, 'dir/obj.bin', data, data.length, { 'Content-Type': 'application/x-coffer', 'X-Amz-Meta-Title': 'my title' }),
    );
    same('putObject etag', md5(data), put.etag);
    const stat = await call('statObject', () => client.statObject(bucket, 'dir/obj.bin'));
    same(
      'statObject',
      { size: data.length, etag: md5(data), type: 'application/x-coffer', title: 'my title' },
      { size: stat.size, etag: stat.etag, type: stat.metaData['content-type'], title: stat.metaData['title'] },
    );
    const got = await readAll(await call('getObject', () => client.getObject(bucket, 'dir/obj.bin')));
    same('getObject bytes', data, got);
    const part = await readAll(await call('getPartialObject(1000, 500)', () => client.getPartialObject(bucket, 'dir/obj.bin', 1000, 500)));
    same('getPartialObject(offset 1000, length 500) bytes', data.subarray(1000, 1500), part);
    await call('removeObject', () => client.removeObject(bucket, 'dir/obj.bin'));
    try {
      await client.statObject(bucket, 'dir/obj.bin');
      throw new InteropFailure('[minio-js] statObject after removeObject succeeded');
    } catch (error) {
      if (error instanceof InteropFailure) throw error;
      same('statObject after removeObject: error code', 'NotFound', (error as { code?: string }).code);
    }
    await call('removeBucket', () => client.removeBucket(bucket));
    same('bucketExists after removeBucket', false, await call('bucketExists', () => client.bucketExists(bucket)));
  });

  test('minio-js listObjects / listObjectsV2 (recursive and by prefix), copyObject, removeObjects', async () => {
    const bucket = bucketName('minio', 'list');
    await call('makeBucket', () => client.makeBucket(bucket, context.server.region));
    const keys = ['a/1', 'a/2', 'b', 'c/d/e'];
    for (const key of keys) await call(`putObject('${key}')`, () => client.putObject(bucket, key, Buffer.from(key)));
    const v2 = await call('listObjectsV2(recursive)', () => collect<BucketItem>(client.listObjectsV2(bucket, '', true)));
    same('listObjectsV2(recursive): names and sizes', keys.map((k) => [k, k.length]), v2.map((o) => [o.name, o.size]));
    const top = await call('listObjectsV2(non-recursive)', () => collect<BucketItem>(client.listObjectsV2(bucket, '', false)));
    // minio-js emits a page's objects before its prefixes: compare as sets.
    same('listObjectsV2(non-recursive): names / prefixes', ['a/', 'b', 'c/'], top.map((o) => o.name ?? o.prefix).sort());
    const v1 = await call("listObjects('a/')", () => collect<BucketItem>(client.listObjects(bucket, 'a/', true)));
    same("listObjects(prefix 'a/', recursive)", ['a/1', 'a/2'], v1.map((o) => o.name));
    await call('copyObject', () => client.copyObject(bucket, 'b-copy', `/${bucket}/b`, new minio!.CopyConditions()));
    same('getObject of the copy', Buffer.from('b'), await readAll(await client.getObject(bucket, 'b-copy')));
    const errors = await call('removeObjects', () => client.removeObjects(bucket, [...keys, 'b-copy']));
    same('removeObjects: per-key errors', [], errors.filter((e) => (e as { Code?: string }).Code));
    const left = await call('listObjectsV2 after removeObjects', () => collect<BucketItem>(client.listObjectsV2(bucket, '', true)));
    same('listObjectsV2 after removeObjects', [], left.map((o) => o.name));
  });

  test('minio-js putObject of 11 MiB (multipart, 5 MiB parts) and getObject', async () => {
    const bucket = bucketName('minio', 'multipart');
    await call('makeBucket', () => client.makeBucket(bucket, context.server.region));
    const data = payload(11 * 1024 * 1024);
    // A stream in 64 KiB chunks: minio-js 8.0.7 turns a Buffer into a one-chunk stream, and its block
    // splitter then sends the whole 11 MiB as a single part.
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; at += 65_536) chunks.push(data.subarray(at, at + 65_536));
    const put = await call('putObject(11 MiB stream)', () => client.putObject(bucket, 'big.bin', Readable.from(chunks), data.length));
    same('putObject(11 MiB) etag (multipart: md5 of part md5s, -3)', multipartEtag(data, PART), put.etag);
    const got = await readAll(await call('getObject', () => client.getObject(bucket, 'big.bin')));
    same('getObject of the multipart object: bytes', data, got);
    const stat = await call('statObject', () => client.statObject(bucket, 'big.bin'));
    same('statObject of the multipart object: size, etag', { size: data.length, etag: put.etag }, { size: stat.size, etag: stat.etag });
  });

  test('minio-js presignedGetObject and presignedPutObject, fetched with an HTTP client', async () => {
    const bucket = bucketName('minio', 'presign');
    await call('makeBucket', () => client.makeBucket(bucket, context.server.region));
    const data = payload(20_000);
    await call('putObject', () => client.putObject(bucket, 'shared/file name.bin', data));
    const getUrl = await call('presignedGetObject', () => client.presignedGetObject(bucket, 'shared/file name.bin', 300));
    const response = await fetch(getUrl);
    same(`GET ${getUrl}`, { status: 200, body: data }, { status: response.status, body: Buffer.from(await response.arrayBuffer()) });

    const putUrl = await call('presignedPutObject', () => client.presignedPutObject(bucket, 'uploaded.bin', 300));
    const upload = payload(30_000);
    const put = await fetch(putUrl, { method: 'PUT', body: new Uint8Array(upload) });
    same(`PUT ${putUrl}: status`, 200, put.status);
    same('getObject after the presigned PUT', upload, await readAll(await client.getObject(bucket, 'uploaded.bin')));
    const tampered = await fetch(getUrl.replace('X-Amz-Expires=300', 'X-Amz-Expires=301'));
    same('GET of the presigned URL with X-Amz-Expires changed: status', 403, tampered.status);
  });
});
