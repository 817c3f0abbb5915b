import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expectS3Error } from '../helpers/expect-s3-error.js';
import { startServer, type TestServer } from '../helpers/start-server.js';

const logged: Array<{ requestId: string; error: unknown }> = [];
let server: TestServer;
let s3: S3Client;
before(async () => {
  server = await startServer({ logError: (requestId, error) => logged.push({ requestId, error }) });
  s3 = server.client({ maxAttempts: 1 });
});
after(() => server.stop());

async function blobFiles(): Promise<string[]> {
  const entries = await readdir(join(server.dataDir, 'blobs'), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

// 'small': read in one buffer (≤ 128 KiB), yet over the inline threshold (64 KiB), so in a file.
for (const [label, size] of [['small', 100 * 1024], ['streamed', 512 * 1024]] as const) {
  test(`GetObject.blobFileGone (${label}) → 500 InternalError, logged once with the request id`, async () => {
    const bucket = await server.newBucket('gone');
    const before = new Set(await blobFiles());
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.alloc(size, 1) }));
    const [blob] = (await blobFiles()).filter((f) => !before.has(f));
    await rm(blob!);
    const error = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'InternalError', 500, 'We encountered an internal error. Please try again.');
    const requestId = (error as { $metadata: { requestId?: string } }).$metadata.requestId;
    assert.equal(logged.filter((l) => l.requestId === requestId).length, 1);
    // The connection and the server go on.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k2', Body: 'fine' }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k2' }))).Body!.transformToString(), 'fine');
  });
}
