/**
 * The wire format of Amazon S3's 2006 Getting Started Guide (shared/seeds/000_98a3f24eb71b33bb.txt):
 * raw HTTP/1.0 requests, signed with SigV2 in the Authorization header exactly as the guide's
 * samples are (`Date`, `Authorization: AWS <key>:<signature>`, `Host`), sent over a plain socket to
 * a real Coffer process. Create a bucket, put an object with `x-amz-meta-title`, get it, list with
 * prefix / marker / max-keys, delete it.
 *
 * The signer here is written from the guide's definition (HMAC-SHA1 over
 * `VERB\nContent-MD5\nContent-Type\nDate\nCanonicalizedAmzHeaders CanonicalizedResource`), not
 * taken from src/auth, so the two implementations check each other.
 */
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:net';
import { createHmac } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { bucketName, finishInterop, startInterop, type InteropContext } from './helpers/suite.js';
import { expectSame, InteropFailure, unavailableAs } from './helpers/tool.js';

const TOOL = 'http/1.0 SigV2 (2006 guide)';
const tool = unavailableAs(TOOL, 'node:net', undefined);

interface WireResponse {
  readonly statusLine: string;
  readonly status: number;
  /** Lower-cased header names; repeated headers joined with ', '. */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly raw: Buffer;
}

interface WireRequest {
  readonly method: string;
  /** Request-URI as sent (un-decoded path + query). */
  readonly uri: string;
  /** Header lines in the guide's order; Date and Authorization are added first. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer;
}

/** SigV2 per the guide: sub-resources are none of these requests' business (no ?acl etc.). */
function sign(secret: string, method: string, headers: ReadonlyArray<readonly [string, string]>, resource: string): string {
  const get = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? '';
  const amz = headers
    .filter(([n]) => n.toLowerCase().startsWith('x-amz-'))
    .map(([n, v]) => [n.toLowerCase(), v.trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, v]) => `${n}:${v}\n`)
    .join('');
  const stringToSign = `${method}\n${get('content-md5')}\n${get('content-type')}\n${get('date')}\n${amz}${resource}`;
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

describe(TOOL, { skip: tool.skip }, () => {
  let context: InteropContext;
  let bucket: string;
  const xml = new XMLParser({ isArray: (name) => name === 'Contents', parseTagValue: false });

  /** Sends one request the way the guide shows it and reads the response until the server closes. */
  async function send(request: WireRequest): Promise<{ text: string; response: WireResponse }> {
    const { server } = context;
    const date = new Date().toUTCString(); // "Wed, 08 Mar 2006 04:06:15 GMT"
    const headers: Array<readonly [string, string]> = [['Date', date], ...(request.headers ?? [])];
    const resource = request.uri.split('?')[0];
    const signature = sign(server.secretAccessKey, request.method, headers, resource);
    const lines = [
      `${request.method} ${request.uri} HTTP/1.0`,
      headers[0].join(': '),
      `Authorization: AWS ${server.accessKeyId}:${signature}`,
      `Host: ${server.host}:${server.port}`,
      ...headers.slice(1).map(([n, v]) => `${n}: ${v}`),
    ];
    const text = `${lines.join('\r\n')}\r\n\r\n`;
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(server.port, server.host);
      const chunks: Buffer[] = [];
      socket.setTimeout(30_000, () => socket.destroy(new Error('timed out waiting for the response')));
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
      socket.write(text);
      if (request.body) socket.write(request.body);
    });
    const split = raw.indexOf('\r\n\r\n');
    const head = raw.subarray(0, split < 0 ? raw.length : split).toString('latin1').split('\r\n');
    const parsed: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      parsed[name] = parsed[name] === undefined ? value : `${parsed[name]}, ${value}`;
    }
    const response: WireResponse = {
      statusLine: head[0],
      status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0])?.[1] ?? 0),
      headers: parsed,
      body: split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4),
      raw,
    };
    return { text: text + (request.body ? request.body.toString('utf8') : ''), response };
  }

  /** The failure header: tool, the request as sent (signature elided) and the response head. */
  function explain(what: string, text: string, response: WireResponse): string {
    const request = text.replace(/(Authorization: AWS [^:]+:)\S+/, '$1<signature>').trimEnd();
    const head = response.raw.toString('utf8').split('\r\n\r\n')[0];
    const body = response.body.toString('utf8').slice(0, 600);
    return `[${TOOL}] ${what}\n  request:\n    ${request.split('\r\n').join('\n    ')}\n  response:\n    ${head.split('\r\n').join('\n    ')}${body ? `\n\n    ${body}` : ''}`;
  }

  async function expectResponse(
    what: string,
    request: WireRequest,
    expected: { status: number; headers?: Record<string, string>; body?: Buffer },
  ): Promise<WireResponse> {
    const { text, response } = await send(request);
    const actual = {
      status: response.status,
      headers: Object.fromEntries(Object.keys(expected.headers ?? {}).map((n) => [n, response.headers[n.toLowerCase()]])),
      ...(expected.body ? { body: response.body } : {}),
    };
    const want = { status: expected.status, headers: expected.headers ?? {}, ...(expected.body ? { body: expected.body } : {}) };
    try {
      expectSame(undefined, what, want, actual);
    } catch (error) {
      throw new InteropFailure(`${explain(what, text, response)}\n${(error as Error).message.split('\n').slice(1).join('\n')}`);
    }
    return response;
  }

  /** A GET on the bucket: the ListBucketResult, reduced to what the guide shows. */
  async function list(uri: string, what: string): Promise<{ meta: Record<string, string>; keys: string[]; contents: any[] }> {
    const response = await expectResponse(what, { method: 'GET', uri }, { status: 200, headers: { 'Content-Type': 'application/xml' } });
    const result = xml.parse(response.body.toString('utf8')).ListBucketResult;
    if (!result) throw new InteropFailure(`[${TOOL}] ${what}: no ListBucketResult in\n${response.body.toString('utf8').slice(0, 800)}`);
    const text = (v: unknown) => (v === undefined || v === '' ? '' : String(v));
    return {
      meta: { Name: text(result.Name), Prefix: text(result.Prefix), Marker: text(result.Marker), MaxKeys: text(result.MaxKeys), IsTruncated: text(result.IsTruncated) },
      keys: (result.Contents ?? []).map((c: any) => String(c.Key)),
      contents: result.Contents ?? [],
    };
  }

  before(async () => {
    context = await startInterop(tool);
    bucket = bucketName('sigv2-2006', 'guide');
  });
  after(() => finishInterop(tool, context));

  // The steps depend on each other, in the guide's order.
  test('create bucket: PUT /[bucket-name] HTTP/1.0 → 200, Location: /[bucket-name]', async () => {
    await expectResponse(
      'create bucket',
      { method: 'PUT', uri: `/${bucket}` },
      { status: 200, headers: { Location: `/${bucket}`, 'Content-Length': '0' } },
    );
  });

  test('put object with x-amz-meta-title: my title → 200, ETag "54b0c58c7ce9f2a8b551351102ee0938"', async () => {
    await expectResponse(
      'put object',
      {
        method: 'PUT',
        uri: `/${bucket}/key-name`,
        headers: [
          ['Content-Length', '14'],
          ['x-amz-meta-title', 'my title'],
          ['Content-Type', 'text/plain'],
        ],
        body: Buffer.from('this is a test'),
      },
      { status: 200, headers: { ETag: '"54b0c58c7ce9f2a8b551351102ee0938"' } },
    );
  });

  test('get object → 200, the body, ETag, x-amz-meta-title, Content-Type, Content-Length, Last-Modified', async () => {
    const response = await expectResponse(
      'get object',
      { method: 'GET', uri: `/${bucket}/key-name` },
      {
        status: 200,
        headers: { ETag: '"54b0c58c7ce9f2a8b551351102ee0938"', 'x-amz-meta-title': 'my title', 'Content-Type': 'text/plain', 'Content-Length': '14' },
        body: Buffer.from('this is a test'),
      },
    );
    const lastModified = Date.parse(response.headers['last-modified'] ?? '');
    if (!(Math.abs(Date.now() - lastModified) < 5 * 60_000)) {
      throw new InteropFailure(`[${TOOL}] get object: Last-Modified '${response.headers['last-modified']}' is not a recent HTTP date`);
    }
  });

  test('list bucket: all, ?prefix=foo, ?marker=bar, ?max-keys=3 (the guide\'s four lists)', async () => {
    for (const key of ['bar', 'baz', 'foo', 'foo/bar', 'fooz', 'zed']) {
      await expectResponse(`put ${key}`, { method: 'PUT', uri: `/${bucket}/${key}`, headers: [['Content-Length', '3']], body: Buffer.from('abc') }, { status: 200 });
    }
    const all = await list(`/${bucket}`, 'list bucket (GET /[bucket-name])');
    expectSame(
      undefined,
      `[${TOOL}] GET /${bucket}: ListBucketResult`,
      {
        meta: { Name: bucket, Prefix: '', Marker: '', MaxKeys: '1000', IsTruncated: 'false' },
        keys: ['bar', 'baz', 'foo', 'foo/bar', 'fooz', 'key-name', 'zed'],
        first: { Key: 'key-name', ETag: '"54b0c58c7ce9f2a8b551351102ee0938"', Size: '14', StorageClass: 'STANDARD', hasOwnerId: true },
      },
      {
        meta: all.meta,
        keys: all.keys,
        first: ((c) => ({ Key: String(c?.Key), ETag: String(c?.ETag), Size: String(c?.Size), StorageClass: String(c?.StorageClass), hasOwnerId: !!c?.Owner?.ID }))(
          all.contents.find((c) => String(c.Key) === 'key-name'),
        ),
      },
    );
    const prefix = await list(`/${bucket}/?prefix=foo`, 'list only things starting with "foo"');
    expectSame(undefined, `[${TOOL}] GET /${bucket}/?prefix=foo`, { Prefix: 'foo', keys: ['foo', 'foo/bar', 'fooz'] }, { Prefix: prefix.meta.Prefix, keys: prefix.keys });
    const marker = await list(`/${bucket}/?marker=bar`, 'list only things that come after "bar"');
    expectSame(undefined, `[${TOOL}] GET /${bucket}/?marker=bar`, { Marker: 'bar', keys: ['baz', 'foo', 'foo/bar', 'fooz', 'key-name', 'zed'] }, { Marker: marker.meta.Marker, keys: marker.keys });
    const three = await list(`/${bucket}/?max-keys=3`, 'only list 3 things');
    expectSame(undefined, `[${TOOL}] GET /${bucket}/?max-keys=3`, { MaxKeys: '3', IsTruncated: 'true', keys: ['bar', 'baz', 'foo'] }, { MaxKeys: three.meta.MaxKeys, IsTruncated: three.meta.IsTruncated, keys: three.keys });
  });

  test('delete object: DELETE /[bucket-name]/[key-name] HTTP/1.0 → 204, then GET → 404 NoSuchKey', async () => {
    await expectResponse('delete object', { method: 'DELETE', uri: `/${bucket}/key-name` }, { status: 204 });
    const gone = await expectResponse('get object after delete', { method: 'GET', uri: `/${bucket}/key-name` }, { status: 404 });
    expectSame(undefined, `[${TOOL}] get object after delete: error code`, 'NoSuchKey', /<Code>([^<]*)<\/Code>/.exec(gone.body.toString())?.[1]);
  });
});
