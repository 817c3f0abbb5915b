import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:net';
import { DeletePublicAccessBlockCommand, GetObjectCommand, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { rawSocket, signedRequestText, splitResponses } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';

let server: TestServer;
let client: S3Client;
before(async () => {
  server = await startServer();
  client = server.client();
});
after(() => server.stop());

const request = (options: Parameters<typeof signedRequestText>[2]) => signedRequestText(server.endpoint, ROOT_KEYS, options);
const BAD_KEYS = { accessKeyId: ROOT_KEYS.accessKeyId, secretAccessKey: 'not-the-secret' };

/** Writes `first`, waits for the first bytes of an answer (or `waitMs`), returns them and the open socket. */
function firstAnswer(bytes: string, waitMs = 1000): Promise<{ text: string; socket: ReturnType<typeof connect> }> {
  const url = new URL(server.endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const timer = setTimeout(() => resolve({ text: '', socket }), waitMs);
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve({ text: chunk.toString('utf8'), socket });
    });
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('HTTP/1.1 pipelining', () => {
  test('HTTP.pipelinedPutThenGet → the GET sees the PUT', async () => {
    const bucket = await server.newBucket('pipe');
    for (let round = 0; round < 5; round++) {
      const body = `round-${round}-${'x'.repeat(round * 1000)}`;
      const text = await rawSocket(server.endpoint,
        request({ method: 'PUT', path: `/${bucket}/k${round}`, body }) +
        request({ method: 'GET', path: `/${bucket}/k${round}`, headers: { connection: 'close' } }));
      const responses = splitResponses(text);
      assert.deepEqual(responses.map((r) => r.status), [200, 200], text.slice(0, 400));
      assert.equal(responses[1]!.body, body);
    }
  });

  test('HTTP.pipelinedDeleteThenGet → the GET finds no object', async () => {
    const bucket = await server.newBucket('pipe', { keys: ['k1', 'k2', 'k3'] });
    for (const key of ['k1', 'k2', 'k3']) {
      const text = await rawSocket(server.endpoint,
        request({ method: 'DELETE', path: `/${bucket}/${key}` }) +
        request({ method: 'GET', path: `/${bucket}/${key}`, headers: { connection: 'close' } }));
      const responses = splitResponses(text);
      assert.deepEqual(responses.map((r) => r.status), [204, 404], text.slice(0, 400));
      assert.match(responses[1]!.body, /<Code>NoSuchKey<\/Code>/);
    }
  });

  test('HTTP.pipelinedRequestsAnsweredInOrder', async () => {
    const bucket = await server.newBucket('pipe', { keys: ['a', 'b', 'c'] });
    const text = await rawSocket(server.endpoint,
      request({ method: 'GET', path: `/${bucket}/a` }) +
      request({ method: 'GET', path: `/${bucket}/missing` }) +
      request({ method: 'GET', path: `/${bucket}/b` }) +
      request({ method: 'GET', path: `/${bucket}/c`, headers: { connection: 'close' } }));
    const responses = splitResponses(text);
    assert.deepEqual(responses.map((r) => `${r.status} ${r.status === 200 ? r.body : ''}`), ['200 a', '404 ', '200 b', '200 c']);
  });

  test('HTTP.bytesThatParseAsNoRequestAfterOne → its answer first, then 400 BadRequest (the answer was dropped)', async () => {
    const bucket = await server.newBucket('pipe', { keys: ['a'] });
    // A GET followed by garbage, and a PUT whose body is one byte longer than its Content-Length.
    for (const [first, status] of [[request({ method: 'GET', path: `/${bucket}/a` }), 200], [request({ method: 'PUT', path: `/${bucket}/b`, body: 'ba' }), 200]] as const) {
      const text = await rawSocket(server.endpoint, `${first}${first.startsWith('PUT') ? 'r' : ''}garbage\r\n\r\n`);
      const responses = splitResponses(text);
      assert.deepEqual(responses.map((r) => r.status), [status, 400], text.slice(0, 600));
      assert.match(responses[1]!.body, /<Code>BadRequest<\/Code><Message>An error occurred when parsing the HTTP request.<\/Message>/);
    }
  });
});

describe('a body cut short', () => {
  test('PutObject.clientEndsItsSideBeforeTheBody → 400 IncompleteBody', async () => {
    const bucket = await server.newBucket('short');
    const whole = request({ method: 'PUT', path: `/${bucket}/k`, body: 'four' });
    const { socket } = await firstAnswer(whole.slice(0, -1), 200);
    const text = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.end();
    });
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(text, /<Code>IncompleteBody<\/Code><Message>You did not provide the number of bytes specified by the Content-Length HTTP header.<\/Message>/);
  });
});

describe('Expect', () => {
  test('PutObject.expectOtherThan100ContinueIsIgnored', async () => {
    const bucket = await server.newBucket('expect');
    const text = await rawSocket(server.endpoint, request({ method: 'PUT', path: `/${bucket}/k`, body: 'hello', headers: { expect: 'something-else', connection: 'close' } }));
    assert.equal(splitResponses(text)[0]?.status, 200, text.slice(0, 300));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'hello');
  });

  test('PutObject.expect100ContinueAfterAuthentication', async () => {
    const bucket = await server.newBucket('expect');
    const put = request({ method: 'PUT', path: `/${bucket}/k`, body: 'hello', headers: { expect: '100-continue', connection: 'close' }, withBody: false });
    const { text, socket } = await firstAnswer(put);
    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n/);
    const rest = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [Buffer.from(text.slice(text.indexOf('\r\n\r\n') + 4))];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.write('hello');
    });
    assert.equal(splitResponses(rest)[0]?.status, 200, rest.slice(0, 300));
  });

  test('PutObject.expect100ContinueForAnAllowedAnonymousRequest', async () => {
    const bucket = await server.newBucket('expect');
    await client.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` }] };
    await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    const host = new URL(server.endpoint).host;
    const { text, socket } = await firstAnswer(`PUT /${bucket}/anon HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n/, text.slice(0, 200));
    socket.write('hello');
    await new Promise((resolve) => socket.on('close', resolve));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'anon' }));
    assert.equal(await got.Body!.transformToString(), 'hello');
  });

  test('PutObject.expect100ContinueUnauthenticatedGets403Without100', async () => {
    const bucket = await server.newBucket('expect');
    const put = signedRequestText(server.endpoint, BAD_KEYS, { method: 'PUT', path: `/${bucket}/k`, body: 'hello', headers: { expect: '100-continue' }, withBody: false });
    const { text, socket } = await firstAnswer(put);
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 403 Forbidden\r\n/, text.slice(0, 200));
    assert.match(text, /<Code>SignatureDoesNotMatch<\/Code>/);
  });
});
