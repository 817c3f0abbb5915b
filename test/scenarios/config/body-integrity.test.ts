/**
 * The bodies of configuration writes are checked against the Content-MD5 or x-amz-checksum-*
 * header they carry, as AWS checks them: a body that does not match is refused (400 BadDigest)
 * and nothing is applied. PutBucketCors, PutBucketLifecycleConfiguration and PutBucketTagging
 * also require one of them, as AWS does (the SDKs send a CRC32 on their own).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { crc32 } from '@node-rs/crc32';
import { contentMd5, errorCode, signedRequest, type RawResponse } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';

const WRONG_MD5 = contentMd5('not the body');
const crc32Of = (body: string) => {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(body) >>> 0);
  return value.toString('base64');
};

/** A configuration write, and a read that shows whether it was applied. */
interface Write {
  readonly query: string;
  readonly key?: string;
  readonly body: string;
  /** Something the read answers only once the write was applied. */
  readonly applied: string;
}

const WRITES: readonly Write[] = [
  { query: 'cors', body: '<CORSConfiguration><CORSRule><AllowedOrigin>https://applied.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>', applied: 'https://applied.example' },
  { query: 'lifecycle', body: '<LifecycleConfiguration><Rule><ID>applied-rule</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>', applied: 'applied-rule' },
  { query: 'tagging', body: '<Tagging><TagSet><Tag><Key>applied</Key><Value>1</Value></Tag></TagSet></Tagging>', applied: '<Key>applied</Key>' },
  { query: 'versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>', applied: '<Status>Enabled</Status>' },
  { query: 'website', body: '<WebsiteConfiguration><IndexDocument><Suffix>applied.html</Suffix></IndexDocument></WebsiteConfiguration>', applied: 'applied.html' },
  { query: 'publicAccessBlock', body: '<PublicAccessBlockConfiguration><BlockPublicAcls>false</BlockPublicAcls></PublicAccessBlockConfiguration>', applied: '<BlockPublicAcls>false</BlockPublicAcls>' },
  { query: 'ownershipControls', body: '<OwnershipControls><Rule><ObjectOwnership>BucketOwnerPreferred</ObjectOwnership></Rule></OwnershipControls>', applied: 'BucketOwnerPreferred' },
  { query: 'policy', body: '{"Version":"2012-10-17","Statement":[{"Sid":"applied","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/none/*"}]}', applied: '"Sid":"applied"' },
  { query: 'tagging', key: 'k', body: '<Tagging><TagSet><Tag><Key>applied</Key><Value>1</Value></Tag></TagSet></Tagging>', applied: '<Key>applied</Key>' },
];

describe('configuration bodies: Content-MD5 and x-amz-checksum-* are checked', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  const send = (method: string, bucket: string, write: Write, body = '', headers: Record<string, string> = {}): Promise<RawResponse> =>
    signedRequest(server.endpoint, ROOT_KEYS, { method, path: write.key ? `/${bucket}/${write.key}` : `/${bucket}`, query: write.query, body, headers });

  async function bucketFor(write: Write): Promise<string> {
    const bucket = await server.newBucket('integrity');
    if (write.key) await signedRequest(server.endpoint, ROOT_KEYS, { method: 'PUT', path: `/${bucket}/${write.key}`, body: 'x' });
    return bucket;
  }

  async function applied(bucket: string, write: Write): Promise<boolean> {
    return (await send('GET', bucket, write)).text.includes(write.applied);
  }

  for (const write of WRITES) {
    const name = `${write.key ? 'object' : 'bucket'} ?${write.query}`;

    test(`${name}: a wrong Content-MD5 → 400 BadDigest, a malformed one → 400 InvalidDigest, a wrong CRC32 → 400 BadDigest; nothing applied`, async () => {
      const bucket = await bucketFor(write);
      const body = write.body.replace('BUCKET', bucket);
      const wrongMd5 = await send('PUT', bucket, write, body, { 'content-md5': WRONG_MD5 });
      assert.equal(wrongMd5.status, 400, wrongMd5.text);
      assert.equal(errorCode(wrongMd5.text), 'BadDigest');
      const malformedMd5 = await send('PUT', bucket, write, body, { 'content-md5': 'not-base64' });
      assert.equal(malformedMd5.status, 400, malformedMd5.text);
      assert.equal(errorCode(malformedMd5.text), 'InvalidDigest');
      const wrongCrc = await send('PUT', bucket, write, body, { 'x-amz-checksum-crc32': crc32Of('not the body'), 'x-amz-sdk-checksum-algorithm': 'CRC32' });
      assert.equal(wrongCrc.status, 400, wrongCrc.text);
      assert.equal(errorCode(wrongCrc.text), 'BadDigest');
      assert.equal(await applied(bucket, write), false);

      const right = await send('PUT', bucket, write, body, { 'x-amz-checksum-crc32': crc32Of(body) });
      assert.ok(right.status === 200 || right.status === 204, right.text);
      assert.equal(await applied(bucket, write), true);
    });
  }

  test('PutBucketCors, PutBucketLifecycleConfiguration, PutBucketTagging without Content-MD5 or a checksum → 400 InvalidRequest; other writes need none', async () => {
    for (const write of WRITES) {
      const bucket = await bucketFor(write);
      const response = await send('PUT', bucket, write, write.body.replace('BUCKET', bucket));
      if (!write.key && ['cors', 'lifecycle', 'tagging'].includes(write.query)) {
        assert.equal(response.status, 400, `${write.query}: ${response.text}`);
        assert.equal(errorCode(response.text), 'InvalidRequest');
        assert.match(response.text, /<Message>Missing required header for this request: Content-MD5<\/Message>/);
        assert.equal(await applied(bucket, write), false);
      } else {
        assert.ok(response.status === 200 || response.status === 204, `${write.query}: ${response.text}`);
      }
    }
  });
});
