import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

describe('objects: put, get, head, delete', () => {
  let server: TestServer;
  let s3: S3Client;
  let other: S3Client;
  let host: string;
  before(async () => {
    server = await startServer();
    s3 = server.client();
    other = server.otherClient();
    host = new URL(server.endpoint).host;
  });
  after(() => server.stop());

  async function signedRaw(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string) {
    const signed = signV4({ method, path: encodePath(path), host, headers, body, ...ROOT_KEYS });
    return rawRequest(server.endpoint, { method, path: encodePath(path), headers: signed, body });
  }

  test('PutObject.ETag is the quoted MD5; GetObject returns the bytes and representation headers', async () => {
    const bucket = await server.newBucket('put-get');
    const body = 'this is a test';
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'hello.txt', Body: body }));
    assert.equal(put.ETag, `"${md5(body)}"`);
    assert.equal(put.VersionId, undefined);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'hello.txt' }));
    assert.equal(await got.Body!.transformToString(), body);
    assert.equal(got.ETag, `"${md5(body)}"`);
    assert.equal(got.ContentLength, body.length);
    assert.equal(got.AcceptRanges, 'bytes');
    assert.ok(got.LastModified instanceof Date);
    assert.ok(Math.abs(got.LastModified.getTime() - Date.now()) < 5000);
  });

  test('PutObject.without Content-Type → binary/octet-stream', async () => {
    const bucket = await server.newBucket('default-type');
    const put = await signedRaw('PUT', `/${bucket}/k`, {}, 'data');
    assert.equal(put.status, 200);
    assert.equal(put.headers.etag, `"${md5('data')}"`);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }))).ContentType, 'binary/octet-stream');
  });

  test('PutObject.Content-Encoding is kept as sent; only the aws-chunked framing token is dropped', async () => {
    const bucket = await server.newBucket('encoding');
    for (const [sent, stored] of [['deflate, gzip', 'deflate, gzip'], ['gzip,br', 'gzip,br'], ['gzip, aws-chunked', 'gzip'], ['aws-chunked', undefined]] as const) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'encoded', Body: 'x', ContentEncoding: sent }));
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'encoded' }))).ContentEncoding, stored, sent);
    }
  });

  test('PutObject.stores Content-Type, Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires, storage class, redirect and x-amz-meta-*', async () => {
    const bucket = await server.newBucket('headers');
    const expires = new Date('2030-01-02T03:04:05Z');
    await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: 'doc', Body: 'content',
      ContentType: 'text/plain; charset=utf-8', CacheControl: 'max-age=60', ContentDisposition: 'attachment; filename="a.txt"',
      ContentEncoding: 'identity', ContentLanguage: 'de-DE', Expires: expires, StorageClass: 'STANDARD_IA',
      WebsiteRedirectLocation: '/elsewhere', Metadata: { title: 'my title', Mixed: 'Case' },
    }));
    for (const out of [
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'doc' })),
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'doc' })),
    ]) {
      assert.equal(out.ContentType, 'text/plain; charset=utf-8');
      assert.equal(out.CacheControl, 'max-age=60');
      assert.equal(out.ContentDisposition, 'attachment; filename="a.txt"');
      assert.equal(out.ContentEncoding, 'identity');
      assert.equal(out.ContentLanguage, 'de-DE');
      assert.equal(out.Expires?.getTime(), expires.getTime());
      assert.equal(out.StorageClass, 'STANDARD_IA');
      assert.equal(out.WebsiteRedirectLocation, '/elsewhere');
      assert.deepEqual(out.Metadata, { title: 'my title', mixed: 'Case' });
      assert.equal(out.ContentLength, 7);
    }
  });

  test('PutObject.user metadata over 2 KB → MetadataTooLarge', async () => {
    const bucket = await server.newBucket('meta-large');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ok', Body: 'x', Metadata: { a: 'v'.repeat(2000) } }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: 'x', Metadata: { a: 'v'.repeat(1100), b: 'w'.repeat(1100) } })),
      'MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size.');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big' })), 'NotFound', 404);
  });

  test('PutObject.invalid storage class → InvalidStorageClass', async () => {
    const bucket = await server.newBucket('storage-class');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', StorageClass: 'PLATINUM' as never })),
      'InvalidStorageClass', 400, 'The storage class you specified is not valid');
  });

  test('PutObject.zero-byte object', async () => {
    const bucket = await server.newBucket('empty');
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'empty', Body: '' }));
    assert.equal(put.ETag, '"d41d8cd98f00b204e9800998ecf8427e"');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'empty' }));
    assert.equal(got.ContentLength, 0);
    assert.equal((await got.Body!.transformToByteArray()).length, 0);
  });

  test('PutObject.streamed body of unknown content (aws-chunked with a trailing checksum)', async () => {
    const bucket = await server.newBucket('stream');
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big.bin', Body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]), ContentLength: data.length }));
    assert.equal(put.ETag, `"${md5(data)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(data));
  });

  test('PutObject.keys are stored exactly: slashes, spaces, +, %, unicode, .. segments, trailing slashes', async () => {
    const bucket = await server.newBucket('keys');
    const keys = [
      'a/b/c.txt', 'with space', 'plus+sign', '100%', 'percent%20literal', 'ünïcödé/日本語/😀', '../up', 'a/../b', 'a/./b', 'dir/',
      'dir//double', ' leading', '?question', '#hash', '&amp=;', 'tab\there', "quote'\"", '~tilde', '*', '\u{10FFFF}',
    ];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
    for (const key of keys) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(await got.Body!.transformToString(), `body of ${key}`, key);
    }
    // Raw HTTP with the path exactly as sent: `..` is not resolved, a trailing slash is kept.
    const res = await signedRaw('GET', `/${bucket}/a/../b`);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'body of a/../b');
    assert.equal((await signedRaw('GET', `/${bucket}/dir/`)).text, 'body of dir/');
  });

  test('PutObject.1024-byte keys are fine; 1025 bytes → KeyTooLongError', async () => {
    const bucket = await server.newBucket('key-length');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k'.repeat(1024), Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'é'.repeat(512), Body: 'x' }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k'.repeat(1025), Body: 'x' })), 'KeyTooLongError', 400, 'Your key is too long');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${'é'.repeat(512)}x`, Body: 'x' })), 'KeyTooLongError', 400, 'Your key is too long');
  });

  test('PutObject.correct Content-MD5 → stored; wrong → BadDigest; malformed → InvalidDigest', async () => {
    const bucket = await server.newBucket('md5');
    const good = createHash('md5').update('data').digest('base64');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'data', ContentMD5: good }));
    const wrong = createHash('md5').update('other').digest('base64');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad', Body: 'data', ContentMD5: wrong })), 'BadDigest', 400,
      'The Content-MD5 you specified did not match what we received.');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad', Body: 'data', ContentMD5: 'not-base64' })), 'InvalidDigest', 400,
      'The Content-MD5 you specified is not valid.');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'bad' })), 'NotFound', 404);
  });

  test('PutObject.Transfer-Encoding: chunked without Content-Length → 501 NotImplemented naming the header', async () => {
    const bucket = await server.newBucket('no-length');
    const res = await signedRaw('PUT', `/${bucket}/k`, { 'transfer-encoding': 'chunked' }, 'data');
    assert.equal(res.status, 501);
    assert.equal(errorCode(res.text), 'NotImplemented');
    assert.match(res.text, /<Message>A header you provided implies functionality that is not implemented.<\/Message><Header>Transfer-Encoding<\/Header>/);
  });

  test('PutObject.more than 5 GiB → EntityTooLarge before reading the body', async () => {
    const bucket = await server.newBucket('too-large');
    const path = `/${bucket}/k`;
    const signed = signV4({ method: 'PUT', path, host, headers: {}, body: '', ...ROOT_KEYS });
    const size = 5 * 1024 ** 3 + 1;
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers: { ...signed, 'content-length': size } });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res.text), 'EntityTooLarge');
    assert.match(res.text, /<ProposedSize>5368709121<\/ProposedSize><MaxSizeAllowed>5368709120<\/MaxSizeAllowed>/);
  });

  test('PutObject.overwrite replaces the object', async () => {
    const bucket = await server.newBucket('overwrite');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'first', Metadata: { v: '1' } }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'second' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'second');
    assert.deepEqual(got.Metadata, {});
  });

  test('GetObject.a small object read again and again (its plaintext then kept in memory) answers its own bytes, whole and by range; overwritten with as many bytes, the new ones; deleted, NoSuchKey', async () => {
    const bucket = await server.newBucket('hot-small');
    const read = async (range?: string) => (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: range }))).Body!.transformToString());
    const first = 'a'.repeat(2000) + 'first';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: first }));
    for (let i = 0; i < 4; i++) {
      assert.equal(await read(), first);
      assert.equal(await read('bytes=2000-2004'), 'first');
    }
    const second = 'b'.repeat(2000) + 'other';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: second }));
    for (let i = 0; i < 4; i++) {
      assert.equal(await read(), second);
      assert.equal(await read('bytes=1998-2004'), 'bbother');
    }
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'NoSuchKey', 404, 'The specified key does not exist.');
  });

  test("PutObject.another user's bucket → AccessDenied; missing bucket → NoSuchBucket", async () => {
    const bucket = await server.newBucket('put-other');
    await expectS3Error(other.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(other.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: uniqueBucket('none'), Key: 'k', Body: 'x' })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
  });

  test('GetObject.response-* parameters override the stored headers', async () => {
    const bucket = await server.newBucket('overrides');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ContentType: 'text/plain' }));
    const expires = new Date('2031-05-06T07:08:09Z');
    const got = await s3.send(new GetObjectCommand({
      Bucket: bucket, Key: 'k', ResponseContentType: 'application/json', ResponseContentLanguage: 'fr', ResponseExpires: expires,
      ResponseCacheControl: 'no-store', ResponseContentDisposition: 'attachment; filename="x.json"', ResponseContentEncoding: 'identity',
    }));
    assert.equal(got.ContentType, 'application/json');
    assert.equal(got.ContentLanguage, 'fr');
    assert.equal(got.Expires?.getTime(), expires.getTime());
    assert.equal(got.CacheControl, 'no-store');
    assert.equal(got.ContentDisposition, 'attachment; filename="x.json"');
    assert.equal(got.ContentEncoding, 'identity');
  });

  test('GetObject.response-* with control or non-Latin-1 characters → 400 InvalidArgument', async () => {
    const bucket = await server.newBucket('overrides', { keys: ['k'] });
    for (const [param, value] of [['ResponseContentType', 'text/plain\r\nx-injected: 1'], ['ResponseContentDisposition', 'a\nb'], ['ResponseCacheControl', 'a\u0000b'], ['ResponseContentLanguage', 'en\u2028x']] as const) {
      await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', [param]: value })), 'InvalidArgument', 400, 'Header value cannot be represented using ISO-8859-1.');
    }
    const ok = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', ResponseContentDisposition: 'attachment; filename="caf\u00e9.txt"' }));
    assert.equal(ok.$metadata.httpStatusCode, 200);
  });

  test('GetObject.Range → 206 with Content-Range', async () => {
    const bucket = await server.newBucket('range');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: '0123456789' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: 'bytes=2-5' }));
    assert.equal(got.$metadata.httpStatusCode, 206);
    assert.equal(got.ContentRange, 'bytes 2-5/10');
    assert.equal(await got.Body!.transformToString(), '2345');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: 'bytes=10-' })), 'InvalidRange', 416, 'The requested range is not satisfiable');
  });

  test('GetObject.missing key → NoSuchKey with the key', async () => {
    const bucket = await server.newBucket('nokey');
    const error = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'no/such key' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    assert.equal(error.Key, 'no/such key');
  });

  test('HeadObject.same headers as GET, no body; missing → 404 without a body', async () => {
    const bucket = await server.newBucket('head');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'twelve bytes', ContentType: 'text/x' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(head.ContentLength, 12);
    assert.equal(head.ETag, `"${md5('twelve bytes')}"`);
    assert.equal(head.ContentType, 'text/x');
    assert.equal(head.AcceptRanges, 'bytes');
    assert.ok(head.LastModified instanceof Date);
    const raw = await signedRaw('HEAD', `/${bucket}/k`);
    assert.equal(raw.status, 200);
    assert.equal(raw.headers['content-length'], '12');
    assert.equal(raw.body.length, 0);
    const missing = await signedRaw('HEAD', `/${bucket}/missing`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.length, 0);
    assert.ok(missing.headers['x-amz-request-id']);
  });

  test('DeleteObject.existing → 204 and gone; missing key → 204', async () => {
    const bucket = await server.newBucket('delete');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    assert.equal((await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }))).$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    assert.equal((await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'never-was' }))).$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: uniqueBucket('none'), Key: 'k' })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
  });

  test('PutObject.virtual-hosted-style addressing (bucket.localhost)', async () => {
    const bucket = await server.newBucket('vhost');
    const port = new URL(server.endpoint).port;
    // Resolve every name to the server, as *.localhost would with a resolver that supports it.
    const agent = new Agent({ lookup: ((_host: string, options: unknown, cb: (...args: unknown[]) => void) => {
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      if (all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    }) as never });
    const vhost = server.client({ endpoint: `http://localhost:${port}`, forcePathStyle: false, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
    await vhost.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/v host+key', Body: 'virtual' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/v host+key' }));
    assert.equal(await got.Body!.transformToString(), 'virtual');
    assert.equal(await (await vhost.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/v host+key' }))).Body!.transformToString(), 'virtual');
    agent.destroy();
  });
});

/** Percent-encodes each path segment as SigV4 wants it (unreserved kept, `/` kept). */
function encodePath(path: string): string {
  return path.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}
