import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type ListObjectVersionsCommandInput,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { signedRequest } from './helpers.js';

/** One listing entry as the tests compare them. */
interface Entry {
  readonly key: string;
  readonly versionId?: string;
  readonly isLatest?: boolean;
  readonly marker?: boolean;
  readonly prefix?: boolean;
}
const md5 = (s: string) => `"${createHash('md5').update(s).digest('hex')}"`;
const id = (e: Entry) => (e.prefix ? `P:${e.key}` : `${e.marker ? 'M' : 'V'}:${e.key}:${e.versionId}:${e.isLatest}`);

function entriesOf(page: ListObjectVersionsCommandOutput): Entry[] {
  return [
    ...(page.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, isLatest: v.IsLatest!, marker: false })),
    ...(page.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, versionId: m.VersionId!, isLatest: m.IsLatest!, marker: true })),
    ...(page.CommonPrefixes ?? []).map((p) => ({ key: p.Prefix!, prefix: true })),
  ];
}

/** The whole listing S3 would give, in order: keys ascending, newest version first. */
function expectedListing(history: Map<string, Entry[]>, prefix: string, delimiter: string): Entry[] {
  const out: Entry[] = [];
  const seen = new Set<string>();
  for (const key of [...history.keys()].filter((k) => k.startsWith(prefix)).sort()) {
    const at = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    if (at >= 0) {
      const common = key.slice(0, at + delimiter.length);
      if (!seen.has(common)) out.push({ key: common, prefix: true });
      seen.add(common);
      continue;
    }
    out.push(...history.get(key)!);
  }
  return out;
}

/**
 * @aws-sdk/client-s3 ships no ListObjectVersions paginator (its paginators carry one token; this
 * listing needs two), so this is the one an application writes: KeyMarker + VersionIdMarker from
 * NextKeyMarker + NextVersionIdMarker until IsTruncated is false.
 */
async function* paginateListObjectVersions(config: { client: S3Client; pageSize: number }, input: ListObjectVersionsCommandInput) {
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await config.client.send(new ListObjectVersionsCommand({ ...input, MaxKeys: config.pageSize, KeyMarker, VersionIdMarker }));
    yield page;
    if (!page.IsTruncated) return;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

describe('ListObjectVersions', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  async function versionedBucket(): Promise<string> {
    const name = uniqueBucket('lov');
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    return name;
  }

  test('ListObjectVersions.versionsAndMarkersNewestFirst', async () => {
    const b = await versionedBucket();
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: '1' }))).VersionId!;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: '22' }))).VersionId!;
    const m3 = (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'a' }))).VersionId!;
    const w1 = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'b', Body: 'x' }))).VersionId!;
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    assert.equal(out.IsTruncated, false);
    assert.equal(out.Name, b);
    assert.equal(out.MaxKeys, 1000);
    assert.deepEqual(out.Versions!.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size, v.ETag]), [
      ['a', v2, false, 2, md5('22')],
      ['a', v1, false, 1, md5('1')],
      ['b', w1, true, 1, md5('x')],
    ]);
    assert.deepEqual(out.DeleteMarkers!.map((m) => [m.Key, m.VersionId, m.IsLatest]), [['a', m3, true]]);
    assert.equal(out.Versions![0].StorageClass, 'STANDARD');
    assert.equal(out.Versions![0].Owner?.ID, server.coffer.rootUser.id);
    assert.equal(out.DeleteMarkers![0].Owner?.ID, server.coffer.rootUser.id);
    assert.ok(out.Versions![0].LastModified instanceof Date);
  });

  test('ListObjectVersions.unversionedShowsNullVersions', async () => {
    const b = uniqueBucket('lov-null');
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    assert.deepEqual(out.Versions!.map((v) => [v.Key, v.VersionId, v.IsLatest]), [['k', 'null', true]]);
  });

  test('ListObjectVersions.versionIdMarkerWithoutKeyMarker', async () => {
    const b = await versionedBucket();
    const e = await expectS3Error(s3.send(new ListObjectVersionsCommand({ Bucket: b, VersionIdMarker: 'null' })), 'InvalidArgument', 400,
      'A version-id marker cannot be specified without a key marker.');
    assert.equal(e.ArgumentName, 'version-id-marker');
    await expectS3Error(s3.send(new ListObjectVersionsCommand({ Bucket: b, KeyMarker: 'a', VersionIdMarker: 'bogus' })), 'InvalidArgument', 400,
      'Invalid version id specified');
  });

  test('ListObjectVersions.badArguments', async () => {
    const b = await versionedBucket();
    for (const [query, message] of [
      ['versions=&max-keys=-1', 'Argument maxKeys must be an integer between 0 and 2147483647'],
      ['versions=&max-keys=abc', 'Provided max-keys not an integer or within integer range'],
      ['versions=&encoding-type=base64', 'Invalid Encoding Method specified in Request'],
    ]) {
      const res = await signedRequest(server, { method: 'GET', path: `/${b}`, query });
      assert.equal(res.status, 400, query);
      assert.match(res.text, new RegExp(`<Code>InvalidArgument</Code><Message>${message}</Message>`), query);
    }
  });

  test('ListObjectVersions.maxKeysZeroAndClamp', async () => {
    const b = await versionedBucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    const zero = await s3.send(new ListObjectVersionsCommand({ Bucket: b, MaxKeys: 0 }));
    assert.equal(zero.IsTruncated, false);
    assert.equal(zero.Versions, undefined);
    const big = await s3.send(new ListObjectVersionsCommand({ Bucket: b, MaxKeys: 5000 }));
    assert.equal(big.MaxKeys, 1000);
  });

  test('ListObjectVersions.encodingTypeUrl', async () => {
    const b = await versionedBucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'dir one/ключ&x', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'top\u0001 key', Body: 'x' }));
    const res = await signedRequest(server, { method: 'GET', path: `/${b}`, query: 'versions=&encoding-type=url&delimiter=%2F' });
    assert.equal(res.status, 200);
    assert.match(res.text, /<CommonPrefixes><Prefix>dir%20one\/<\/Prefix><\/CommonPrefixes>/);
    assert.match(res.text, /<Key>top%01%20key<\/Key>/);
    assert.match(res.text, /<Delimiter>\/<\/Delimiter>/);
    assert.match(res.text, /<EncodingType>url<\/EncodingType>/);
    // The SDK decodes them back.
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: 'dir one/', EncodingType: 'url' }));
    assert.equal(decodeURIComponent(out.Versions![0].Key!), 'dir one/ключ&x');
  });

  describe('10,000 versions of 1,000 keys', () => {
    let bucket: string;
    const history = new Map<string, Entry[]>();

    before(async () => {
      bucket = await versionedBucket();
      // 10,000 PUT/DELETE round trips cost minutes of fsyncs on a shared machine, so the versions
      // are seeded through a second connection to the server's own metadata store (on SQLite, one
      // group-commit batch), exactly as putVersion would record them; the listing is then read over HTTP.
      const seed = await server.openMetadataStore();
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 1000; i++) {
        const key = i < 600 ? `dir-${String(i % 30).padStart(2, '0')}/obj-${String(i).padStart(4, '0')}` : `top-${String(i).padStart(4, '0')}`;
        const entries: Entry[] = [];
        for (let v = 0; v < 10; v++) {
          // Every 7th key gets a delete marker among its versions; every 13th ends with one.
          const marker = (i % 7 === 0 && v === 4) || (i % 13 === 0 && v === 9);
          const versionId = randomBytes(24).toString('base64url');
          writes.push(seed.putVersion({
            bucket, key, versionId, isDeleteMarker: marker, size: 0, etag: marker ? '' : md5('').slice(1, -1),
            lastModified: new Date(), ownerId: server.coffer.rootUser.id, headers: {}, userMetadata: {},
            storageClass: 'STANDARD', tags: [], manifest: [],
          }));
          entries.unshift({ key, versionId, marker, isLatest: false });
        }
        entries[0] = { ...entries[0], isLatest: true };
        history.set(key, entries);
      }
      await Promise.all(writes);
      await seed.close();
      // A few through the API too, so seeded and served versions list alike: per key, the two
      // oldest versions are deleted for good and a version and a delete marker added (still 10).
      for (const key of ['top-0999', 'dir-00/obj-0000']) {
        const old = history.get(key)!;
        for (const gone of old.slice(8)) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: gone.versionId }));
        const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '' }));
        const del = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        history.set(key, [
          { key, versionId: del.VersionId!, marker: true, isLatest: true },
          { key, versionId: put.VersionId!, marker: false, isLatest: false },
          ...old.slice(0, 8).map((e) => ({ ...e, isLatest: false })),
        ]);
      }
    });

    /** Pages by hand: each page is exactly the next slice of the full listing, markers at its end. */
    async function manualLoop(maxKeys: number, prefix = '', delimiter = '') {
      const expected = expectedListing(history, prefix, delimiter);
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      let offset = 0;
      let pages = 0;
      for (;;) {
        const page = await s3.send(new ListObjectVersionsCommand({
          Bucket: bucket, MaxKeys: maxKeys, Prefix: prefix || undefined, Delimiter: delimiter || undefined,
          KeyMarker: keyMarker, VersionIdMarker: versionIdMarker,
        }));
        pages++;
        const got = entriesOf(page);
        const slice = expected.slice(offset, offset + maxKeys);
        assert.deepEqual(got.map(id).sort(), slice.map(id).sort(), `page ${pages} at ${offset}`);
        assert.equal(page.KeyMarker ?? '', keyMarker ?? '');
        offset += got.length;
        if (!page.IsTruncated) {
          assert.equal(page.NextKeyMarker, undefined);
          break;
        }
        assert.equal(got.length, maxKeys, 'a truncated page is full');
        const last = slice.at(-1)!;
        assert.equal(page.NextKeyMarker, last.key);
        assert.equal(page.NextVersionIdMarker, last.prefix ? undefined : last.versionId);
        keyMarker = page.NextKeyMarker;
        versionIdMarker = page.NextVersionIdMarker;
      }
      assert.equal(offset, expected.length);
      assert.equal(pages, Math.max(1, Math.ceil(expected.length / maxKeys)));
      return expected.length;
    }

    async function paginator(pageSize: number, prefix = '', delimiter = '') {
      const expected = expectedListing(history, prefix, delimiter);
      const got: Entry[] = [];
      let pages = 0;
      for await (const page of paginateListObjectVersions(
        { client: s3, pageSize },
        { Bucket: bucket, Prefix: prefix || undefined, Delimiter: delimiter || undefined },
      )) {
        pages++;
        const entries = entriesOf(page);
        assert.deepEqual(entries.map(id).sort(), expected.slice(got.length, got.length + pageSize).map(id).sort());
        got.push(...entries);
      }
      assert.equal(got.length, expected.length);
      assert.equal(pages, Math.max(1, Math.ceil(expected.length / pageSize)));
    }

    test('ListObjectVersions.paginatorMaxKeys1000', async () => {
      await paginator(1000);
    });

    // Small pages: a page size prime to a key's 10 entries ends pages at every position within a
    // key's versions, as 7 did in 1,429 requests; 37 does in 271.
    test('ListObjectVersions.manualLoopMaxKeys37', async () => {
      assert.equal(await manualLoop(37), 10_000);
    });

    test('ListObjectVersions.manualLoopMaxKeys1000', async () => {
      assert.equal(await manualLoop(1000), 10_000);
    });

    test('ListObjectVersions.delimiterMaxKeys13', async () => {
      // 30 common prefixes + 400 top-level keys × 10 versions, in 311 pages ending at every position within a key.
      assert.equal(await manualLoop(13, '', '/'), 4030);
    });

    test('ListObjectVersions.delimiterMaxKeys1000', async () => {
      assert.equal(await manualLoop(1000, '', '/'), 4030);
      await paginator(1000, '', '/');
    });

    test('ListObjectVersions.prefixAndDelimiterSmallPages', async () => {
      assert.equal(await manualLoop(1, 'dir-07/', '/'), 200);
      assert.equal(await manualLoop(4, 'dir-0', '/'), 10);
      await paginator(9, 'dir-1', '');
    });

    test('ListObjectVersions.keyMarkerAloneSkipsAllVersionsOfKey', async () => {
      const key = 'top-0700';
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: key, MaxKeys: 3 }));
      const next = expectedListing(history, '', '').filter((e) => e.key > key).slice(0, 3);
      assert.deepEqual(entriesOf(page).map(id).sort(), next.map(id).sort());
    });

    test('ListObjectVersions.keyMarkerWithNullVersionId', async () => {
      // A marker naming a version that does not exist resumes after the whole key.
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: 'top-0700', VersionIdMarker: 'null', MaxKeys: 1 }));
      assert.equal(entriesOf(page)[0].key, 'top-0701');
    });
  });
});
