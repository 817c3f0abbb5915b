/**
 * Small objects are stored inline, in their version's row, encrypted like blob files: no blob file
 * is written, and every read, copy, version and SSE-C path works on them as on file objects. The
 * threshold is 64 KiB (one encryption segment); one byte more is a blob file.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

const INLINE_MAX = 64 * 1024;

async function countBlobFiles(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) n++;
  return n;
}

async function bytesOf(response: { Body?: unknown }): Promise<Buffer> {
  return Buffer.from(await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

describe('inline small objects', () => {
  let server: TestServer;
  let client: S3Client;
  let blobsDir: string;
  before(async () => {
    server = await startServer({ allowInsecureSseC: true });
    client = server.client();
    blobsDir = join(server.dataDir, 'blobs');
  });
  after(() => server.stop());

  it('PutObject.inline: up to 64 KiB no blob file is written; GET, ranges and HEAD read the row; one byte more is a file', async () => {
    const bucket = await server.newBucket('inline');
    const data = randomBytes(INLINE_MAX);
    const before = await countBlobFiles(blobsDir);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: data, ChecksumAlgorithm: 'SHA256' }));
    assert.equal(put.ETag, `"${createHash('md5').update(data).digest('hex')}"`);
    assert.equal(put.ServerSideEncryption, 'AES256');
    assert.equal(await countBlobFiles(blobsDir), before, 'an inline object has no blob file');
    assert.ok(data.equals(await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })))));
    const ranged = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: 'bytes=1000-1999' }));
    assert.equal(ranged.ContentRange, `bytes 1000-1999/${INLINE_MAX}`);
    assert.ok(data.subarray(1000, 2000).equals(await bytesOf(ranged)));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ContentLength, INLINE_MAX);
    assert.equal(head.ChecksumSHA256, createHash('sha256').update(data).digest('base64'));

    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'file', Body: randomBytes(INLINE_MAX + 1) }));
    assert.equal(await countBlobFiles(blobsDir), before + 1, 'over the threshold: a blob file');
  });

  it('CopyObject.inline: the copy carries the bytes; it outlives its source; versions each keep their own', async () => {
    const bucket = await server.newBucket('inlinecopy', { versioning: 'Enabled' });
    const before = await countBlobFiles(blobsDir);
    const v1 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'first' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'second' }));
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src?versionId=${v1.VersionId}` }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'src', VersionId: v1.VersionId }));
    assert.equal((await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'dst' })))).toString(), 'first');
    assert.equal((await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'src' })))).toString(), 'second');
    assert.equal(await countBlobFiles(blobsDir), before);
  });

  it('SSE-C.inline: an inline object sealed with a customer key needs that key to be read', async () => {
    const bucket = await server.newBucket('inlinessec');
    const customerKey = () => {
      const key = randomBytes(32);
      return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
    };
    const sse = customerKey();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'c', Body: 'customer bytes', ...sse }));
    assert.equal((await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', ...sse })))).toString(), 'customer bytes');
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'c' })), 'InvalidRequest', 400, 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', ...customerKey() })), 'AccessDenied', 403, 'Access Denied');
  });
});
