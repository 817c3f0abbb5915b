import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { runKeyCommand } from '../../../src/cli/key.js';
import { MASTER_KEYS_FILE } from '../../../src/crypto/key-ring.js';
import { startServer } from '../../helpers/start-server.js';

async function bytesOf(response: { Body?: unknown }): Promise<Buffer> {
  return Buffer.from(await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/** Every blob file's path and content hash. */
async function blobDigests(dataDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.set(path, createHash('sha256').update(await readFile(path)).digest('hex'));
    }
  };
  await walk(join(dataDir, 'blobs'));
  return out;
}

describe('master key', () => {
  it('KeyRotateMaster.rewrapsWithoutRewritingData: objects (SSE-S3 and SSE-KMS) read back under the new key, blob files unchanged, old key dropped', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'coffer-rotate-'));
    try {
      const single = randomBytes(200_000);
      const part = randomBytes(5 * 1024 * 1024);
      // SQLite in the data dir, whatever COFFER_TEST_METADATA says: the data must outlive the server.
      let server = await startServer({ dataDir, metadata: 'sqlite' });
      const bucket = await server.newBucket('rot');
      const s3 = server.client();
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'single', Body: single }));
      // The KMS key ring's key material is wrapped by the master key too: rotation rewraps it.
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kms', Body: single, ServerSideEncryption: 'aws:kms' }));
      const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }));
      const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: upload.UploadId, PartNumber: 1, Body: part }));
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }));
      // An upload still in progress: its part is rewrapped too.
      const open = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'open' }));
      const o1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'open', UploadId: open.UploadId, PartNumber: 1, Body: part }));
      await server.stop();

      const ringBefore = JSON.parse(await readFile(join(dataDir, MASTER_KEYS_FILE), 'utf8')) as { current: string; keys: string[] };
      assert.equal((await stat(join(dataDir, MASTER_KEYS_FILE))).mode & 0o777, 0o600);
      const blobsBefore = await blobDigests(dataDir);
      const log = console.log;
      console.log = () => {};
      try {
        assert.equal(await runKeyCommand(['rotate-master', '--data-dir', dataDir], {}), 0);
      } finally {
        console.log = log;
      }
      const ringAfter = JSON.parse(await readFile(join(dataDir, MASTER_KEYS_FILE), 'utf8')) as { current: string; keys: string[] };
      assert.notEqual(ringAfter.current, ringBefore.current);
      assert.equal(ringAfter.keys.length, 1);
      assert.ok(!ringAfter.keys.includes(ringBefore.keys[0]!), 'the old master key is gone');
      assert.deepEqual(await blobDigests(dataDir), blobsBefore);

      server = await startServer({ dataDir, metadata: 'sqlite' });
      const s3b = server.client();
      assert.deepEqual(await bytesOf(await s3b.send(new GetObjectCommand({ Bucket: bucket, Key: 'single' }))), single);
      assert.deepEqual(await bytesOf(await s3b.send(new GetObjectCommand({ Bucket: bucket, Key: 'kms' }))), single);
      assert.deepEqual(await bytesOf(await s3b.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp' }))), part);
      await s3b.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'open', UploadId: open.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: o1.ETag }] } }));
      assert.deepEqual(await bytesOf(await s3b.send(new GetObjectCommand({ Bucket: bucket, Key: 'open', Range: 'bytes=1000-2000' }))), part.subarray(1000, 2001));
      await server.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('MasterKeyFile.given: no key is generated into the data dir; objects round-trip under it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'coffer-mkf-'));
    const keyFile = join(dataDir, 'external.key');
    try {
      await writeFile(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
      const server = await startServer({ dataDir, masterKeyFile: keyFile });
      const bucket = await server.newBucket('mkf');
      const data = randomBytes(70_000);
      await server.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: data }));
      assert.deepEqual(await bytesOf(await server.client().send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))), data);
      await server.stop();
      await assert.rejects(stat(join(dataDir, MASTER_KEYS_FILE)), { code: 'ENOENT' });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
