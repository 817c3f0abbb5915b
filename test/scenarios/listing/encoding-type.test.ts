/** `encoding-type=url` encodes the same way in every listing: one encoder (api/parameters.ts). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';

const KEY = 'dir one/a b+c~ü';
const ENCODED = 'dir%20one/a%20b%2Bc%7E%C3%BC';

describe('listing encoding-type=url', () => {
  let server: TestServer;
  let bucket: string;
  before(async () => {
    server = await startServer();
    bucket = await server.newBucket('enc', { keys: [KEY] });
    await server.client().send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: KEY }));
  });
  after(() => server.stop());

  async function list(query: string): Promise<string> {
    const host = new URL(server.endpoint).host;
    const res = await rawRequest(server.endpoint, { method: 'GET', path: `/${bucket}?${query}`, headers: signV4({ method: 'GET', path: `/${bucket}`, query, host, ...ROOT_KEYS }) });
    assert.equal(res.status, 200, res.text);
    return res.text;
  }

  for (const [operation, query] of [
    ['ListObjects', 'encoding-type=url'],
    ['ListObjectsV2', 'list-type=2&encoding-type=url'],
    ['ListObjectVersions', 'versions&encoding-type=url'],
    ['ListMultipartUploads', 'uploads&encoding-type=url'],
  ] as const) {
    it(`${operation}.encodingTypeUrl: space %20, + %2B, as AWS`, async () => {
      assert.match(await list(query), new RegExp(`<Key>${ENCODED.replace(/\+/g, '\\+')}</Key>`));
      const prefixes = await list(`${query}&delimiter=%2F`);
      assert.match(prefixes, /<CommonPrefixes><Prefix>dir%20one\/<\/Prefix><\/CommonPrefixes>/);
    });
  }

  it('ListObjects.encodingTypeUrl: the Prefix element of version 1 comes as given (AWS encodes it in version 2 only)', async () => {
    assert.match(await list('encoding-type=url&prefix=dir%20one%2F'), /<Prefix>dir one\/<\/Prefix>/);
    assert.match(await list('list-type=2&encoding-type=url&prefix=dir%20one%2F'), /<Prefix>dir%20one\/<\/Prefix>/);
  });
});
