import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, ListObjectsCommand, PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { populateKeys } from './populate.js';
import { REPO_ROOT } from '../../helpers/coffer-entry.js';
import { boto3, PYTHON } from '../../helpers/external-tools.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

const KEY_COUNT = 10_000;

/** 10,000 keys: most under 40 "directories" (some nested), the rest at the top, some needing URL encoding. */
function makeKeys(): string[] {
  const keys: string[] = [];
  const specials = ['a b+c/x', 'a b+c/y', 'ü-dir/ä', 'percent%25/x', 'amp&lt;/x', 'tilde~/x', 'plus+top', 'space top', '\u{1F600}/smile', '\u{FF5E}/wide', 'q?x=1', 'star*'];
  keys.push(...specials);
  for (let i = 0; keys.length < 8_000; i++) keys.push(`dir-${String(i % 40).padStart(2, '0')}/file-${String(i).padStart(5, '0')}`);
  for (let i = 0; keys.length < 9_000; i++) keys.push(`dir-07/nested-${i % 5}/f-${i}`);
  for (let i = 0; keys.length < KEY_COUNT; i++) keys.push(`top-${String(i).padStart(4, '0')}`);
  return keys;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

type Entry = { kind: 'key' | 'prefix'; name: string };
type Page = [keys: string[], prefixes: string[], truncated: boolean];

/** AWS's pages: the rolled-up listing in byte order, cut every `pageSize` entries (prefixes count). */
function expectedPages(keys: readonly string[], delimiter: string, pageSize: number): Page[] {
  const entries: Entry[] = [];
  for (const key of [...keys].sort(byteOrder)) {
    const at = delimiter === '' ? -1 : key.indexOf(delimiter);
    if (at < 0) entries.push({ kind: 'key', name: key });
    else {
      const prefix = key.slice(0, at + delimiter.length);
      const last = entries[entries.length - 1];
      if (!(last?.kind === 'prefix' && last.name === prefix)) entries.push({ kind: 'prefix', name: prefix });
    }
  }
  const pages: Page[] = [];
  for (let i = 0; i < entries.length; i += pageSize) {
    const chunk = entries.slice(i, i + pageSize);
    pages.push([chunk.filter((e) => e.kind === 'key').map((e) => e.name), chunk.filter((e) => e.kind === 'prefix').map((e) => e.name), i + pageSize < entries.length]);
  }
  return pages;
}

describe('ListObjects pagination over 10,000 keys', () => {
  let server: TestServer;
  let client: S3Client;
  const bucket = uniqueBucket('paginate');
  const keys = makeKeys();

  before(async () => {
    server = await startServer();
    client = server.client();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await populateKeys(server, bucket, keys);
    // One real PUT among them, so the listing also shows what the HTTP path stores.
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: keys[0]!, Body: new Uint8Array(0) }));
  });
  after(() => server.stop());

  for (const delimiter of ['', '/']) {
    for (const pageSize of [1000, 337]) {
      it(`ListObjectsV2.paginator${delimiter ? 'WithDelimiter' : 'Flat'}PageSize${pageSize}`, async () => {
        const pages: Page[] = [];
        for await (const page of paginateListObjectsV2({ client, pageSize }, { Bucket: bucket, Delimiter: delimiter || undefined })) {
          const contents = page.Contents ?? [];
          const prefixes = page.CommonPrefixes ?? [];
          assert.equal(page.KeyCount, contents.length + prefixes.length);
          assert.equal(page.MaxKeys, pageSize);
          pages.push([contents.map((c) => c.Key!), prefixes.map((p) => p.Prefix!), page.IsTruncated === true]);
          // v2 leaves Owner out unless fetch-owner=true.
          assert.equal(contents[0]?.Owner, undefined);
        }
        assert.deepEqual(pages, expectedPages(keys, delimiter, pageSize));
      });

      it(`ListObjects.markerLoop${delimiter ? 'WithDelimiter' : 'Flat'}PageSize${pageSize}`, async () => {
        const pages: Page[] = [];
        let marker: string | undefined;
        for (;;) {
          const page = await client.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: delimiter || undefined, Marker: marker, MaxKeys: pageSize }));
          const contents = page.Contents ?? [];
          const prefixes = page.CommonPrefixes ?? [];
          pages.push([contents.map((c) => c.Key!), prefixes.map((p) => p.Prefix!), page.IsTruncated === true]);
          if (contents[0]) assert.equal(contents[0].Owner?.ID, server.coffer.rootUser.id);
          if (!page.IsTruncated) {
            assert.equal(page.NextMarker, undefined);
            break;
          }
          if (delimiter) {
            // v1 returns NextMarker only with a delimiter: the last key or common prefix of the page.
            const last = [...contents.map((c) => c.Key!), ...prefixes.map((p) => p.Prefix!)].sort(byteOrder).pop();
            assert.equal(page.NextMarker, last);
            marker = page.NextMarker;
          } else {
            assert.equal(page.NextMarker, undefined);
            marker = contents[contents.length - 1]!.Key;
          }
        }
        assert.deepEqual(pages, expectedPages(keys, delimiter, pageSize));
      });
    }
  }

  it('ListObjectsV2.boto3Paginators', { skip: boto3.skip }, async () => {
    const script = join(REPO_ROOT, 'test/scenarios/listing/fixtures/boto3_pages.py');
    const { stdout } = await promisify(execFile)(PYTHON, [script, server.endpoint, ROOT_KEYS.accessKeyId, ROOT_KEYS.secretAccessKey, bucket, '500'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const result = JSON.parse(stdout) as Record<string, Page[]>;
    for (const operation of ['list_objects_v2', 'list_objects']) {
      for (const delimiter of ['', '/']) {
        assert.deepEqual(result[`${operation}:${delimiter}`], expectedPages(keys, delimiter, 500), `${operation} delimiter=${JSON.stringify(delimiter)}`);
      }
    }
  });
});

/** Why the boto3 check cannot run here, or false when it can. */
