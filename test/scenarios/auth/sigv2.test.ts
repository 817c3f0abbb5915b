/**
 * SigV2 (header and query) with the requests of the 2006 "Getting Started" guide
 * (/work/shared/seeds/000_98a3f24eb71b33bb.txt), sent byte for byte over HTTP/1.0, Host s3.amazonaws.com.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { elementText } from '../../helpers/xml-text.js';

interface Http10Response {
  readonly statusLine: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends one HTTP/1.0 request exactly as written and reads until the server closes. */
function http10(endpoint: string, head: string[], body = ''): Promise<Http10Response> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      resolve({ statusLine: lines[0]!, status: Number(lines[0]!.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    // No half-close: HTTP/1.0 without keep-alive, so the server closes after its response.
    socket.write(`${head.join("\r\n")}\r\n\r\n${body}`);
  });
}

const sign = (stringToSign: string, secret = ROOT_KEYS.secretAccessKey) => createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
const auth = (stringToSign: string) => `Authorization: AWS ${ROOT_KEYS.accessKeyId}:${sign(stringToSign)}`;

describe('auth: SigV2', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  test('SigV2.the 2006 guide: create bucket, put with x-amz-meta-title, get, delete over HTTP/1.0', async () => {
    const bucket = uniqueBucket('guide2006');
    const date = new Date().toUTCString();

    // # create bucket request
    const create = await http10(server.endpoint, [
      `PUT /${bucket} HTTP/1.0`, `Date: ${date}`, auth(`PUT\n\n\n${date}\n/${bucket}`), 'Host: s3.amazonaws.com', 'Content-Length: 0',
    ]);
    assert.equal(create.status, 200, create.body);
    assert.equal(create.headers.location, `/${bucket}`);
    assert.equal(create.headers['content-length'], '0');
    assert.ok(create.headers['x-amz-request-id'] && create.headers['x-amz-id-2']);

    // # put object request
    const put = await http10(server.endpoint, [
      `PUT /${bucket}/key-name HTTP/1.0`, `Date: ${date}`,
      auth(`PUT\n\ntext/plain\n${date}\nx-amz-meta-title:my title\n/${bucket}/key-name`),
      'Host: s3.amazonaws.com', 'Content-Length: 14', 'x-amz-meta-title: my title', 'Content-Type: text/plain',
    ], 'this is a test');
    assert.equal(put.status, 200, put.body);
    assert.equal(put.headers.etag, '"54b0c58c7ce9f2a8b551351102ee0938"');

    // # get object request
    const get = await http10(server.endpoint, [
      `GET /${bucket}/key-name HTTP/1.0`, `Date: ${date}`, auth(`GET\n\n\n${date}\n/${bucket}/key-name`), 'Host: s3.amazonaws.com',
    ]);
    assert.equal(get.status, 200);
    assert.equal(get.body, 'this is a test');
    assert.equal(get.headers.etag, '"54b0c58c7ce9f2a8b551351102ee0938"');
    assert.equal(get.headers['x-amz-meta-title'], 'my title');
    assert.equal(get.headers['content-type'], 'text/plain');
    assert.equal(get.headers['content-length'], '14');
    assert.ok(!Number.isNaN(Date.parse(get.headers['last-modified']!)));

    // # delete object request
    const del = await http10(server.endpoint, [
      `DELETE /${bucket}/key-name HTTP/1.0`, `Date: ${date}`, auth(`DELETE\n\n\n${date}\n/${bucket}/key-name`), 'Host: s3.amazonaws.com',
    ]);
    assert.equal(del.status, 204);
    const gone = await http10(server.endpoint, [
      `GET /${bucket}/key-name HTTP/1.0`, `Date: ${date}`, auth(`GET\n\n\n${date}\n/${bucket}/key-name`), 'Host: s3.amazonaws.com',
    ]);
    assert.equal(gone.status, 404);
    assert.equal(elementText(gone.body, 'Code'), 'NoSuchKey');
  });

  test('SigV2.the 2006 guide: list with prefix, marker and max-keys over HTTP/1.0',
    async () => {
      const bucket = uniqueBucket('guide2006-list');
      const date = new Date().toUTCString();
      const send = (method: string, path: string, extra: string[] = [], body = '', sts = `${method}\n\n\n${date}\n${path.split('?')[0]}`) =>
        http10(server.endpoint, [`${method} ${path} HTTP/1.0`, `Date: ${date}`, auth(sts), 'Host: s3.amazonaws.com', ...extra], body);
      assert.equal((await send('PUT', `/${bucket}`, ['Content-Length: 0'])).status, 200);
      for (const key of ['bar', 'baz', 'foo1', 'foo2', 'foo3', 'zed']) {
        assert.equal((await send('PUT', `/${bucket}/${key}`, ['Content-Length: 1'], 'x')).status, 200);
      }
      const keysOf = (xml: string) => [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
      const all = await send('GET', `/${bucket}`);
      assert.equal(all.status, 200);
      assert.deepEqual(keysOf(all.body), ['bar', 'baz', 'foo1', 'foo2', 'foo3', 'zed']);
      assert.equal(elementText(all.body, 'MaxKeys'), '1000');
      assert.deepEqual(keysOf((await send('GET', `/${bucket}?prefix=foo`)).body), ['foo1', 'foo2', 'foo3']);
      assert.deepEqual(keysOf((await send('GET', `/${bucket}?marker=bar`)).body), ['baz', 'foo1', 'foo2', 'foo3', 'zed']);
      const three = await send('GET', `/${bucket}?max-keys=3`);
      assert.deepEqual(keysOf(three.body), ['bar', 'baz', 'foo1']);
      assert.equal(elementText(three.body, 'IsTruncated'), 'true');
    });

  test('SigV2.wrong secret → SignatureDoesNotMatch with the StringToSign', async () => {
    const date = new Date().toUTCString();
    const res = await http10(server.endpoint, [
      'GET / HTTP/1.0', `Date: ${date}`, `Authorization: AWS ${ROOT_KEYS.accessKeyId}:${sign(`GET\n\n\n${date}\n/`, 'wrong')}`, 'Host: s3.amazonaws.com',
    ]);
    assert.equal(res.status, 403);
    assert.equal(elementText(res.body, 'Code'), 'SignatureDoesNotMatch');
    assert.equal(elementText(res.body, 'StringToSign'), `GET\n\n\n${date}\n/`);
  });

  test('SigV2.unknown access key → InvalidAccessKeyId; stale Date → RequestTimeTooSkewed', async () => {
    const date = new Date().toUTCString();
    const unknown = await http10(server.endpoint, ['GET / HTTP/1.0', `Date: ${date}`, 'Authorization: AWS NOSUCHKEY:abc=', 'Host: s3.amazonaws.com']);
    assert.equal(unknown.status, 403);
    assert.equal(elementText(unknown.body, 'Code'), 'InvalidAccessKeyId');
    const old = 'Wed, 08 Mar 2006 04:06:15 GMT';
    const skewed = await http10(server.endpoint, ['PUT /bucket-name HTTP/1.0', `Date: ${old}`, auth(`PUT\n\n\n${old}\n/bucket-name`), 'Host: s3.amazonaws.com']);
    assert.equal(skewed.status, 403);
    assert.equal(elementText(skewed.body, 'Code'), 'RequestTimeTooSkewed');
  });

  test('SigV2.query string authentication (Expires) for GET; expired → AccessDenied', async () => {
    const bucket = uniqueBucket('sigv2-query');
    const date = new Date().toUTCString();
    assert.equal((await http10(server.endpoint, [`PUT /${bucket} HTTP/1.0`, `Date: ${date}`, auth(`PUT\n\n\n${date}\n/${bucket}`), 'Content-Length: 0'])).status, 200);
    assert.equal((await http10(server.endpoint, [`PUT /${bucket}/obj HTTP/1.0`, `Date: ${date}`, auth(`PUT\n\n\n${date}\n/${bucket}/obj`), 'Content-Length: 5'], 'hello')).status, 200);
    const url = (expires: number) =>
      `/${bucket}/obj?AWSAccessKeyId=${ROOT_KEYS.accessKeyId}&Expires=${expires}&Signature=${encodeURIComponent(sign(`GET\n\n\n${expires}\n/${bucket}/obj`))}`;
    const ok = await http10(server.endpoint, [`GET ${url(Math.floor(Date.now() / 1000) + 60)} HTTP/1.0`, 'Host: s3.amazonaws.com']);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'hello');
    const expired = await http10(server.endpoint, [`GET ${url(Math.floor(Date.now() / 1000) - 60)} HTTP/1.0`, 'Host: s3.amazonaws.com']);
    assert.equal(expired.status, 403);
    assert.equal(elementText(expired.body, 'Code'), 'AccessDenied');
    assert.equal(elementText(expired.body, 'Message'), 'Request has expired');
  });
});
