import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

let server: TestServer;
let client: S3Client;

before(async () => {
  server = await startServer();
  client = server.client();
});
after(() => server.stop());

const bucketWith = (keys: readonly string[], label = 'list') => server.newBucket(label, { keys });

/** A signed GET on the bucket with a raw query string (for what SDKs never send, and raw XML). */
async function rawList(bucket: string, query: string) {
  const url = new URL(server.endpoint);
  const path = `/${bucket}`;
  const headers = signV4({ method: 'GET', path, query, host: url.host, ...ROOT_KEYS });
  return rawRequest(server.endpoint, { method: 'GET', path: query ? `${path}?${query}` : path, headers });
}

function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);
}

describe('ListObjectsV2', () => {
  it('ListObjectsV2.prefixAndDelimiter', async () => {
    const bucket = await bucketWith(['a/1', 'a/2', 'a/b/3', 'ab', 'b/1', 'c']);
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a', Delimiter: '/' }));
    assert.deepEqual(out.Contents?.map((c) => c.Key), ['ab']);
    assert.deepEqual(out.CommonPrefixes?.map((p) => p.Prefix), ['a/']);
    assert.equal(out.KeyCount, 2);
    assert.equal(out.Prefix, 'a');
    assert.equal(out.Delimiter, '/');
    assert.equal(out.IsTruncated, false);
    const nested = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a/', Delimiter: '/' }));
    assert.deepEqual(nested.Contents?.map((c) => c.Key), ['a/1', 'a/2']);
    assert.deepEqual(nested.CommonPrefixes?.map((p) => p.Prefix), ['a/b/']);
  });

  it('ListObjectsV2.multiCharacterDelimiter', async () => {
    const bucket = await bucketWith(['x--y--z', 'x--w', 'x-y', 'q']);
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '--' }));
    assert.deepEqual(out.Contents?.map((c) => c.Key), ['q', 'x-y']);
    assert.deepEqual(out.CommonPrefixes?.map((p) => p.Prefix), ['x--']);
    const inner = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'x--', Delimiter: '--' }));
    assert.deepEqual(inner.Contents?.map((c) => c.Key), ['x--w']);
    assert.deepEqual(inner.CommonPrefixes?.map((p) => p.Prefix), ['x--y--']);
  });

  it('ListObjectsV2.utf8ByteOrder', async () => {
    // UTF-16 order would put U+1F600 (a surrogate pair) before U+FF5E; UTF-8 byte order puts it after.
    const keys = ['\u{1F600}', '\u{FF5E}', 'é', 'z', 'Z', '0'];
    const bucket = await bucketWith(keys);
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(out.Contents?.map((c) => c.Key), ['0', 'Z', 'z', 'é', '\u{FF5E}', '\u{1F600}']);
  });

  it('ListObjectsV2.commonPrefixesCountTowardMaxKeys', async () => {
    const bucket = await bucketWith(['a/1', 'a/2', 'b', 'c/1', 'd']);
    const first = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', MaxKeys: 2 }));
    assert.deepEqual(first.CommonPrefixes?.map((p) => p.Prefix), ['a/']);
    assert.deepEqual(first.Contents?.map((c) => c.Key), ['b']);
    assert.equal(first.KeyCount, 2);
    assert.equal(first.IsTruncated, true);
    const second = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', MaxKeys: 2, ContinuationToken: first.NextContinuationToken }));
    assert.deepEqual(second.CommonPrefixes?.map((p) => p.Prefix), ['c/']);
    assert.deepEqual(second.Contents?.map((c) => c.Key), ['d']);
    assert.equal(second.IsTruncated, false);
    assert.equal(second.NextContinuationToken, undefined);
    assert.equal(second.ContinuationToken, first.NextContinuationToken);
  });

  it('ListObjectsV2.continuationTokenAfterCommonPrefix', async () => {
    const bucket = await bucketWith(['a/1', 'a/2', 'a/3', 'b/1', 'c']);
    const first = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', MaxKeys: 1 }));
    assert.deepEqual(first.CommonPrefixes?.map((p) => p.Prefix), ['a/']);
    const second = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', MaxKeys: 1, ContinuationToken: first.NextContinuationToken }));
    assert.deepEqual(second.CommonPrefixes?.map((p) => p.Prefix), ['b/']);
    const third = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', MaxKeys: 1, ContinuationToken: second.NextContinuationToken }));
    assert.deepEqual(third.Contents?.map((c) => c.Key), ['c']);
    assert.equal(third.IsTruncated, false);
  });

  it('ListObjectsV2.startAfter', async () => {
    const bucket = await bucketWith(['a', 'b', 'c', 'd']);
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'b' }));
    assert.deepEqual(out.Contents?.map((c) => c.Key), ['c', 'd']);
    assert.equal(out.StartAfter, 'b');
    const between = await client.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'bb' }));
    assert.deepEqual(between.Contents?.map((c) => c.Key), ['c', 'd']);
    // The token wins over start-after.
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    const next = await client.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'c', ContinuationToken: page.NextContinuationToken }));
    assert.deepEqual(next.Contents?.map((c) => c.Key), ['b', 'c', 'd']);
  });

  it('ListObjectsV2.emptyContinuationToken', async () => {
    const bucket = await bucketWith(['a', 'b']);
    const raw = await rawList(bucket, 'continuation-token=&list-type=2');
    assert.equal(raw.status, 200, raw.text);
    assert.deepEqual(elements(raw.text, 'Key'), ['a', 'b']);
    assert.match(raw.text, /<ContinuationToken><\/ContinuationToken>/);
    assert.doesNotMatch(raw.text, /<NextContinuationToken>/);
  });

  it('ListObjectsV2.keysWithControlCharacters', async () => {
    const keys = ['a\u0001b', 'a\rb', 'a\u007fb', 'a\u2028b'];
    const bucket = await bucketWith(keys);
    // Without encoding-type, characters XML text cannot hold raw are written as character
    // references (as S3 does); with encoding-type=url every key is percent-encoded.
    const plain = await rawList(bucket, 'list-type=2');
    assert.equal(plain.status, 200);
    assert.deepEqual(elements(plain.text, 'Key'), ['a&#1;b', 'a&#13;b', 'a\u007fb', 'a\u2028b']);
    const encoded = await rawList(bucket, 'encoding-type=url&list-type=2');
    assert.deepEqual(elements(encoded.text, 'Key'), ['a%01b', 'a%0Db', 'a%7Fb', 'a%E2%80%A8b']);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(listed.Contents?.map((c) => c.Key), keys);
  });

  it('ListObjectsV2.fetchOwner', async () => {
    const bucket = await bucketWith(['k']);
    const without = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.equal(without.Contents?.[0]?.Owner, undefined);
    const withOwner = await client.send(new ListObjectsV2Command({ Bucket: bucket, FetchOwner: true }));
    assert.equal(withOwner.Contents?.[0]?.Owner?.ID, server.coffer.rootUser.id);
    assert.equal(withOwner.Contents?.[0]?.Owner?.DisplayName, server.coffer.rootUser.displayName);
  });

  it('ListObjectsV2.contentsFields', async () => {
    const bucket = uniqueBucket('fields');
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    // The SDK adds a CRC32 by default; without one the object has no checksum to list.
    await server.client({ requestChecksumCalculation: 'WHEN_REQUIRED' }).send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'hello' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'summed', Body: 'hello', ChecksumAlgorithm: 'CRC32' }));
    const res = await rawList(bucket, 'list-type=2');
    assert.equal(res.status, 200);
    assert.deepEqual(elements(res.text, 'Key'), ['plain', 'summed']);
    assert.deepEqual(elements(res.text, 'ETag'), ['&quot;5d41402abc4b2a76b9719d911017c592&quot;', '&quot;5d41402abc4b2a76b9719d911017c592&quot;']);
    for (const lastModified of elements(res.text, 'LastModified')) assert.match(lastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(elements(res.text, 'Size'), ['5', '5']);
    assert.deepEqual(elements(res.text, 'StorageClass'), ['STANDARD', 'STANDARD']);
    assert.deepEqual(elements(res.text, 'ChecksumAlgorithm'), ['CRC32']);
    assert.deepEqual(elements(res.text, 'KeyCount'), ['2']);
    const sdk = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.equal(sdk.Contents?.[0]?.ETag, '"5d41402abc4b2a76b9719d911017c592"');
    assert.deepEqual(sdk.Contents?.[1]?.ChecksumAlgorithm, ['CRC32']);
  });

  it('ListObjectsV2.maxKeysZero', async () => {
    const bucket = await bucketWith(['a', 'b']);
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }));
    assert.equal(out.Contents, undefined);
    assert.equal(out.KeyCount, 0);
    assert.equal(out.MaxKeys, 0);
    assert.equal(out.IsTruncated, false);
  });

  it('ListObjectsV2.maxKeysAboveLimitIsCapped', async () => {
    const bucket = await bucketWith(['a', 'b']);
    const res = await rawList(bucket, 'list-type=2&max-keys=5000');
    assert.equal(res.status, 200);
    assert.deepEqual(elements(res.text, 'MaxKeys'), ['1000']);
    assert.deepEqual(elements(res.text, 'Key'), ['a', 'b']);
  });

  it('ListObjectsV2.maxKeysInvalid', async () => {
    const bucket = await bucketWith([]);
    for (const [value, message, argument] of [
      ['abc', 'Provided max-keys not an integer or within integer range', 'max-keys'],
      ['1.5', 'Provided max-keys not an integer or within integer range', 'max-keys'],
      ['99999999999', 'Provided max-keys not an integer or within integer range', 'max-keys'],
      ['-1', 'Argument maxKeys must be an integer between 0 and 2147483647', 'maxKeys'],
    ] as const) {
      const res = await rawList(bucket, `list-type=2&max-keys=${value}`);
      assert.equal(res.status, 400, value);
      assert.equal(errorCode(res.text), 'InvalidArgument');
      assert.deepEqual(elements(res.text, 'Message'), [message]);
      assert.deepEqual(elements(res.text, 'ArgumentName'), [argument]);
    }
  });

  it('ListObjectsV2.forgedContinuationToken', async () => {
    const bucket = await bucketWith(['a', 'b']);
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    const genuine = page.NextContinuationToken!;
    const bytes = Buffer.from(genuine, 'base64url');
    bytes[bytes.length - 1] ^= 1; // points at another key: the tag no longer matches
    for (const token of ['not-a-token', Buffer.from('a').toString('base64url'), bytes.toString('base64url'), '!!!']) {
      await expectS3Error(
        client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token })),
        'InvalidArgument',
        400,
        'The continuation token provided is incorrect',
      );
    }
    // An empty token is no forgery: it lists from the start (ListObjectsV2.emptyContinuationToken).
  });

  it('ListObjectsV2.staleContinuationToken', async () => {
    // A token from another bucket, or from a bucket since deleted and re-created, is refused.
    const first = await bucketWith(['a', 'b'], 'stale');
    const other = await bucketWith(['a', 'b'], 'stale');
    const page = await client.send(new ListObjectsV2Command({ Bucket: first, MaxKeys: 1 }));
    await expectS3Error(client.send(new ListObjectsV2Command({ Bucket: other, ContinuationToken: page.NextContinuationToken })), 'InvalidArgument', 400, 'The continuation token provided is incorrect');

    const recreated = await bucketWith(['a', 'b'], 'stale');
    const old = await client.send(new ListObjectsV2Command({ Bucket: recreated, MaxKeys: 1 }));
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await client.send(new DeleteObjectCommand({ Bucket: recreated, Key: 'a' }));
    await client.send(new DeleteObjectCommand({ Bucket: recreated, Key: 'b' }));
    await client.send(new DeleteBucketCommand({ Bucket: recreated }));
    await new Promise((r) => setTimeout(r, 5));
    await client.send(new CreateBucketCommand({ Bucket: recreated }));
    await expectS3Error(client.send(new ListObjectsV2Command({ Bucket: recreated, ContinuationToken: old.NextContinuationToken })), 'InvalidArgument', 400, 'The continuation token provided is incorrect');
  });

  it('ListObjectsV2.encodingTypeUrl', async () => {
    const keys = ['a b/c+d', 'a b/e', 'ü&<x>', 'tilde~', 'x*y.z_-'];
    const bucket = await bucketWith(keys);
    const res = await rawList(bucket, `list-type=2&encoding-type=url&delimiter=${encodeURIComponent('/')}&prefix=&start-after=${encodeURIComponent('a ')}`);
    assert.equal(res.status, 200);
    assert.deepEqual(elements(res.text, 'EncodingType'), ['url']);
    assert.deepEqual(elements(res.text, 'Key'), ['tilde%7E', 'x*y.z_-', '%C3%BC%26%3Cx%3E']);
    assert.deepEqual(elements(res.text, 'Prefix').slice(1), ['a%20b/']);
    assert.deepEqual(elements(res.text, 'Delimiter'), ['/']);
    assert.deepEqual(elements(res.text, 'StartAfter'), ['a%20']);
    // Everything decodes back, with decodeURIComponent as with boto3's unquote_plus.
    assert.deepEqual(elements(res.text, 'Key').map(decodeURIComponent), ['tilde~', 'x*y.z_-', 'ü&<x>']);
    assert.deepEqual(elements(res.text, 'Key').map((s) => decodeURIComponent(s.replace(/\+/g, ' '))), ['tilde~', 'x*y.z_-', 'ü&<x>']);
  });

  it('ListObjectsV2.encodingTypeInvalid', async () => {
    const bucket = await bucketWith([]);
    const res = await rawList(bucket, 'list-type=2&encoding-type=base64');
    assert.equal(res.status, 400);
    assert.equal(errorCode(res.text), 'InvalidArgument');
    assert.deepEqual(elements(res.text, 'Message'), ['Invalid Encoding Method specified in Request']);
  });

  it('ListObjectsV2.noSuchBucket', async () => {
    await expectS3Error(client.send(new ListObjectsV2Command({ Bucket: uniqueBucket('missing') })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
  });

  it('ListObjectsV2.otherUserAccessDenied', async () => {
    const bucket = await bucketWith([]);
    await expectS3Error(server.otherClient().send(new ListObjectsV2Command({ Bucket: bucket })), 'AccessDenied', 403, 'Access Denied');
  });
});

describe('ListObjects', () => {
  it('ListObjects.ownerAlwaysPresent', async () => {
    const bucket = await bucketWith(['k']);
    const out = await client.send(new ListObjectsCommand({ Bucket: bucket }));
    assert.equal(out.Contents?.[0]?.Owner?.ID, server.coffer.rootUser.id);
    assert.equal(out.Contents?.[0]?.StorageClass, 'STANDARD');
  });

  it('ListObjects.nextMarkerOnlyWithDelimiter', async () => {
    const bucket = await bucketWith(['a/1', 'a/2', 'b', 'c']);
    const flat = await client.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 2 }));
    assert.equal(flat.IsTruncated, true);
    assert.equal(flat.NextMarker, undefined);
    assert.deepEqual(flat.Contents?.map((c) => c.Key), ['a/1', 'a/2']);
    const grouped = await client.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 1, Delimiter: '/' }));
    assert.equal(grouped.IsTruncated, true);
    assert.equal(grouped.NextMarker, 'a/');
    const next = await client.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 1, Delimiter: '/', Marker: grouped.NextMarker }));
    assert.deepEqual(next.Contents?.map((c) => c.Key), ['b']);
    assert.equal(next.NextMarker, 'b');
    assert.equal(next.Marker, 'a/');
    const last = await client.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 1, Delimiter: '/', Marker: 'b' }));
    assert.deepEqual(last.Contents?.map((c) => c.Key), ['c']);
    assert.equal(last.IsTruncated, false);
    assert.equal(last.NextMarker, undefined);
  });

  it('ListObjects.markerInsideCommonPrefix', async () => {
    const bucket = await bucketWith(['a/1', 'a/2', 'b']);
    const out = await client.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', Marker: 'a/1' }));
    assert.equal(out.CommonPrefixes, undefined);
    assert.deepEqual(out.Contents?.map((c) => c.Key), ['b']);
  });

  it('ListObjects.encodingTypeUrlMarkers', async () => {
    const bucket = await bucketWith(['a b/1', 'a b/2', 'c d', 'e f']);
    const res = await rawList(bucket, `encoding-type=url&delimiter=%2F&max-keys=2&marker=${encodeURIComponent('a')}`);
    assert.equal(res.status, 200);
    assert.deepEqual(elements(res.text, 'Marker'), ['a']);
    assert.deepEqual(elements(res.text, 'NextMarker'), ['c%20d']);
    assert.deepEqual(elements(res.text, 'Key'), ['c%20d']);
    assert.deepEqual(elements(res.text, 'Prefix'), ['', 'a%20b/']);
  });

  it('ListObjects.emptyBucketElements', async () => {
    const bucket = await bucketWith([]);
    const res = await rawList(bucket, '');
    assert.equal(res.status, 200);
    assert.match(res.text, /<ListBucketResult xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/">/);
    assert.match(res.text, /<Name>[^<]+<\/Name><Prefix><\/Prefix><Marker><\/Marker><MaxKeys>1000<\/MaxKeys><IsTruncated>false<\/IsTruncated>/);
    assert.doesNotMatch(res.text, /<Contents>|<CommonPrefixes>/);
  });

  it('ListObjects.maxKeysInvalid', async () => {
    const bucket = await bucketWith([]);
    const res = await rawList(bucket, 'max-keys=ten');
    assert.equal(res.status, 400);
    assert.equal(errorCode(res.text), 'InvalidArgument');
  });
});
