/**
 * Property: ListObjectsV2, page by page, lists exactly what a model of S3 listing says — keys in
 * UTF-8 byte order, under the prefix, rolled up into CommonPrefixes at the delimiter — for random
 * key sets, prefixes, delimiters and page sizes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { startServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let s3: S3Client;
before(async () => {
  server = await startServer();
  s3 = server.client();
});
after(() => server.stop());

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The model: what one full listing holds, in order (keys and common prefixes interleaved). */
function modelListing(keys: readonly string[], prefix: string, delimiter: string): Array<{ key?: string; prefix?: string }> {
  const entries = new Map<string, { key?: string; prefix?: string }>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    if (cut >= 0) {
      const common = key.slice(0, cut + delimiter.length);
      entries.set(common, { prefix: common });
    } else {
      entries.set(key, { key });
    }
  }
  return [...entries.keys()].sort(byteOrder).map((name) => entries.get(name)!);
}

const segment = fc.constantFrom('a', 'b', 'ab', 'é', '/', '//', 'z', '0', '-', '.', '\u{1F600}', 'a/b');
const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join(''));

test('ListObjectsV2.property: every page sequence lists what the model lists (prefix, delimiter, max-keys)', async () => {
  await fc.assert(fc.asyncProperty(
    fc.uniqueArray(key, { minLength: 1, maxLength: 25 }),
    fc.constantFrom('', 'a', 'a/', 'b', 'é', '/'),
    fc.constantFrom('', '/', 'b', '//', 'é'),
    fc.integer({ min: 1, max: 7 }),
    async (keys, prefix, delimiter, maxKeys) => {
      const bucket = await server.newBucket('listprop', { keys });
      const listed: Array<{ key?: string; prefix?: string }> = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, Delimiter: delimiter || undefined, MaxKeys: maxKeys, ContinuationToken: token }));
        const onPage: Array<{ key?: string; prefix?: string }> = [...(page.Contents ?? []).map((o) => ({ key: o.Key! })), ...(page.CommonPrefixes ?? []).map((p) => ({ prefix: p.Prefix! }))];
        assert.ok(onPage.length <= maxKeys, `a page holds at most max-keys entries (${onPage.length} > ${maxKeys})`);
        onPage.sort((x, y) => byteOrder(x.key ?? x.prefix!, y.key ?? y.prefix!));
        listed.push(...onPage);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        assert.ok(++pages <= keys.length + 1, 'the listing ends');
      } while (token);
      assert.deepEqual(listed, modelListing(keys, prefix, delimiter));
    },
  ), { numRuns: 40 });
});
