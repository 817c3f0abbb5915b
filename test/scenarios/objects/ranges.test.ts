import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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

const BODY = '0123456789';

async function objectWith(body: string): Promise<{ bucket: string; key: string }> {
  const bucket = uniqueBucket('range');
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'obj', Body: body }));
  return { bucket, key: 'obj' };
}

async function rawGet(bucket: string, key: string, headers: Record<string, string>, method = 'GET') {
  const path = `/${bucket}/${key}`;
  const signed = signV4({ method, path, host: new URL(server.endpoint).host, headers, ...ROOT_KEYS });
  return rawRequest(server.endpoint, { method, path, headers: signed });
}

describe('GetObject ranges', () => {
  for (const [range, body, contentRange] of [
    ['bytes=0-4', '01234', 'bytes 0-4/10'],
    ['bytes=5-', '56789', 'bytes 5-9/10'],
    ['bytes=-3', '789', 'bytes 7-9/10'],
    ['bytes=8-100', '89', 'bytes 8-9/10'],
    ['bytes=-100', BODY, 'bytes 0-9/10'],
    ['bytes=9-9', '9', 'bytes 9-9/10'],
  ] as const) {
    it(`GetObject.range ${range}`, async () => {
      const { bucket, key } = await objectWith(BODY);
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
      assert.equal(out.$metadata.httpStatusCode, 206);
      assert.equal(await out.Body!.transformToString(), body);
      assert.equal(out.ContentRange, contentRange);
      assert.equal(out.ContentLength, body.length);
      assert.equal(out.AcceptRanges, 'bytes');
    });
  }

  for (const range of ['bytes=10-', 'bytes=20-30', 'bytes=-0', 'bytes=10-10']) {
    it(`GetObject.unsatisfiableRange ${range}`, async () => {
      const { bucket, key } = await objectWith(BODY);
      await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range })), 'InvalidRange', 416, 'The requested range is not satisfiable');
      const raw = await rawGet(bucket, key, { range });
      assert.equal(raw.status, 416);
      assert.equal(raw.headers['content-range'], 'bytes */10');
      assert.equal(errorCode(raw.text), 'InvalidRange');
      assert.match(raw.text, /<RangeRequested>bytes=[^<]*<\/RangeRequested><ActualObjectSize>10<\/ActualObjectSize>/);
    });
  }

  it('GetObject.rangeOfEmptyObject', async () => {
    const { bucket, key } = await objectWith('');
    for (const range of ['bytes=0-', 'bytes=0-0', 'bytes=-1']) {
      const raw = await rawGet(bucket, key, { range });
      assert.equal(raw.status, 416, range);
      assert.equal(raw.headers['content-range'], 'bytes */0');
    }
    const whole = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(whole.$metadata.httpStatusCode, 200);
  });

  // What AWS ignores (serving the whole object with 200): reversed, multiple, other units, junk.
  for (const range of ['bytes=5-2', 'bytes=0-1,3-4', 'items=0-1', 'bytes=abc', 'bytes=-', 'bytes 0-1']) {
    it(`GetObject.ignoredRange ${range}`, async () => {
      const { bucket, key } = await objectWith(BODY);
      const raw = await rawGet(bucket, key, { range });
      assert.equal(raw.status, 200);
      assert.equal(raw.text, BODY);
      assert.equal(raw.headers['content-range'], undefined);
      assert.equal(raw.headers['content-length'], '10');
    });
  }

  it('HeadObject.range', async () => {
    const { bucket, key } = await objectWith(BODY);
    const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=2-5' }));
    assert.equal(out.$metadata.httpStatusCode, 206);
    assert.equal(out.ContentLength, 4);
    assert.equal(out.ContentRange, 'bytes 2-5/10');
    const raw = await rawGet(bucket, key, { range: 'bytes=20-' }, 'HEAD');
    assert.equal(raw.status, 416);
    assert.equal(raw.text, '');
  });
});
