/**
 * Generated from the operation table: a user with no grant, and an anonymous caller, get
 * 403 AccessDenied on every operation of every scope — implemented or not, since authorization
 * comes before NotImplemented — on a bucket and object they do not own. DeleteObjects, which
 * AWS authorizes key by key, answers 200 with the key's AccessDenied.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { OPERATION_NAMES, type OperationName } from '../../../src/api/operations.js';
import { errorCode, rawRequest, signV4, type RawResponse } from '../../helpers/raw-request.js';
import { OTHER_USER, ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';
import { EXAMPLES, parseExample } from '../../unit/api/operation-examples.js';

/** What any authenticated user may do today without a grant: list its own buckets, create one. */
const ALLOWED_TO_EVERY_USER: ReadonlySet<OperationName> = new Set(['ListBuckets', 'CreateBucket']);

describe('access.deny by default', () => {
  let server: TestServer;
  let bucket: string;
  before(async () => {
    server = await startServer();
    bucket = await server.newBucket('deny', { keys: ['k'] });
  });
  after(() => server.stop());

  async function send(name: OperationName, signed: boolean): Promise<RawResponse> {
    if (name === 'PostObject') return sendForm(signed);
    if (name === 'DeleteObjects') return sendDelete(signed);
    const example = parseExample(EXAMPLES[name]);
    const path = example.path.replace(/^\/b(?=\/|$)/, `/${bucket}`);
    const headers: Record<string, string> = {};
    for (const header of example.headers) headers[header] = header === 'x-amz-copy-source' ? `${bucket}/k` : 'route';
    const host = new URL(server.endpoint).host;
    const query = example.query;
    const all = signed ? signV4({ method: example.method, path, query, host, headers, ...OTHER_USER }) : { ...headers, host };
    return rawRequest(server.endpoint, { method: example.method, path: query ? `${path}?${query}` : path, headers: all });
  }

  /**
   * PostObject names its caller in the form, not the headers: a well-formed form upload, signed
   * by the user without a grant (createPresignedPost), or anonymous.
   */
  async function sendForm(signed: boolean): Promise<RawResponse> {
    const fields = signed ? (await createPresignedPost(server.otherClient(), { Bucket: bucket, Key: 'k' })).fields : { key: 'k' };
    const boundary = 'deny-by-default-boundary';
    const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    const body = `${parts.join('')}--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="f"\r\n\r\noverwritten\r\n--${boundary}--\r\n`;
    const headers = { host: new URL(server.endpoint).host, 'content-type': `multipart/form-data; boundary=${boundary}` };
    return rawRequest(server.endpoint, { method: 'POST', path: `/${bucket}`, headers, body });
  }

  /** DeleteObjects authorizes each key: a well-formed request for the object, its refusal reported for that key. */
  function sendDelete(signed: boolean): Promise<RawResponse> {
    const body = '<Delete><Object><Key>k</Key></Object></Delete>';
    const headers = { 'content-md5': createHash('md5').update(body).digest('base64') };
    const host = new URL(server.endpoint).host;
    const all = signed ? signV4({ method: 'POST', path: `/${bucket}`, query: 'delete', host, headers, body, ...OTHER_USER }) : { ...headers, host };
    return rawRequest(server.endpoint, { method: 'POST', path: `/${bucket}?delete`, headers: all, body });
  }

  function assertDenied(name: OperationName, res: RawResponse): void {
    if (name === 'DeleteObjects') {
      assert.equal(res.status, 200, `${name}: HTTP ${res.status} ${res.text}`);
      assert.match(res.text, /<DeleteResult[^>]*><Error><Key>k<\/Key><Code>AccessDenied<\/Code><Message>Access Denied<\/Message><\/Error><\/DeleteResult>/, name);
      return;
    }
    assert.equal(res.status, 403, `${name}: HTTP ${res.status} ${res.text}`);
    if (name === 'HeadBucket' || name === 'HeadObject') return; // HEAD answers carry no body
    assert.equal(errorCode(res.text), 'AccessDenied', `${name}: ${res.text}`);
    assert.match(res.text, /<Message>Access Denied<\/Message>/, name);
  }

  it('everyOperation.userWithoutGrant → AccessDenied', async () => {
    for (const name of OPERATION_NAMES) {
      if (ALLOWED_TO_EVERY_USER.has(name)) continue;
      assertDenied(name, await send(name, true));
    }
  });

  it('everyOperation.anonymous → AccessDenied', async () => {
    for (const name of OPERATION_NAMES) assertDenied(name, await send(name, false));
  });

  it('everyOperation.the object and bucket are untouched afterwards', async () => {
    const res = await rawRequest(server.endpoint, {
      method: 'GET',
      path: `/${bucket}/k`,
      headers: signV4({ method: 'GET', path: `/${bucket}/k`, host: new URL(server.endpoint).host, ...ROOT_KEYS }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'k');
  });
});
