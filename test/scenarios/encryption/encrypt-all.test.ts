import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { CompleteMultipartUploadCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { loadMasterKeyRing, MasterKeyRing } from '../../../src/crypto/key-ring.js';
import { ENCRYPT_JOURNAL_FILE, encryptAll } from '../../../src/jobs/encrypt-all.js';
import { FsBlobStore } from '../../../src/store/blob/fs-blob-store.js';
import type { Extent, MetadataStore } from '../../../src/store/meta/metadata-store.js';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';
import { layout } from '../../helpers/data-dir.js';
import { assertNoPlaintextAtRest, body, bytesOf, md5Hex } from '../../helpers/encryption.js';
import { startServer } from '../../helpers/start-server.js';
import { cofferEntry, REPO_ROOT } from '../../helpers/coffer-entry.js';

const OBJECTS = 150;

/** `coffer encrypt --all` as a child process. */
function encryptRun(dataDir: string) {
  const child = spawn(process.execPath, [...cofferEntry(), 'encrypt', '--all', '--data-dir', dataDir], {
    cwd: REPO_ROOT, env: { ...process.env, COFFER_MASTER_KEY_FILE: '', COFFER_METADATA_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function versionsInClear(meta: MetadataStore): Promise<number> {
  let clear = 0;
  for await (const data of meta.scanData()) if (data.kind === 'version' && data.version.manifest.some((e) => !e.sealing)) clear++;
  return clear;
}

async function partsInClear(meta: MetadataStore): Promise<number> {
  let clear = 0;
  for await (const data of meta.scanData()) if (data.kind === 'part' && data.part.manifest.some((e) => !e.sealing)) clear++;
  return clear;
}

/** An upload as Coffer stored it before encryption at rest: no encryption, its parts' blobs in clear. */
async function legacyUpload(meta: MetadataStore, blobs: FsBlobStore, bucket: string, key: string, ownerId: string, parts: readonly Buffer[]): Promise<string> {
  const uploadId = `legacy-${key}`;
  await meta.createUpload({ uploadId, bucket, key, initiated: new Date(), ownerId, headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [] });
  for (const [i, data] of parts.entries()) {
    const { blobId } = await blobs.write((async function* () { yield data; })());
    await meta.putPart(bucket, uploadId, { partNumber: i + 1, size: data.length, etag: md5Hex(data), lastModified: new Date(), manifest: [{ blobId, offset: 0, length: data.length }] });
  }
  return uploadId;
}

describe('coffer encrypt --all', () => {
  it('EncryptAll.resumesAfterSigkill: killed mid-run beside a serving server and run again, every object is sealed and reads back; overwrites made meanwhile win', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'coffer-encrypt-'));
    // SQLite in the data dir, whatever COFFER_TEST_METADATA says: the child opens the same store.
    const server = await startServer({ dataDir, metadata: 'sqlite' });
    try {
      const bucket = await server.newBucket('legacy');
      const s3 = server.client();
      // Versions as Coffer stored them before encryption at rest: blobs in clear, no sealing.
      const blobs = await FsBlobStore.open(dataDir);
      const meta = await server.openMetadataStore();
      const expected = new Map<string, Buffer>();
      const write = async (data: Buffer) => (await blobs.write((async function* () { yield data; })())).blobId;
      const putLegacy = async (key: string, manifest: Extent[], data: Buffer) => {
        await meta.putVersion({
          bucket, key, versionId: 'null', isDeleteMarker: false, size: data.length, etag: md5Hex(data), lastModified: new Date(),
          ownerId: server.coffer.rootUser.id, headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest,
        });
        expected.set(key, data);
      };
      for (let i = 0; i < OBJECTS; i++) {
        const data = body(1000 + (i % 7) * 300, i);
        await putLegacy(`k${String(i).padStart(3, '0')}`, [{ blobId: await write(data), offset: 0, length: data.length }], data);
      }
      // Two extents of one object (as a multipart upload stored them), and a blob two objects share (a copy).
      const [a, b] = [body(5000, 901), body(3000, 902)];
      const [blobA, blobB] = [await write(a), await write(b)];
      await putLegacy('two-extents', [{ blobId: blobA, offset: 100, length: 4900 }, { blobId: blobB, offset: 0, length: 3000 }], Buffer.concat([a.subarray(100), b]));
      await putLegacy('shares-a', [{ blobId: blobA, offset: 0, length: 5000 }], a);
      assert.equal(await versionsInClear(meta), OBJECTS + 2);
      for (let u = 0; u < 2; u++) await legacyUpload(meta, blobs, bucket, `upload${u}`, server.coffer.rootUser.id, Array.from({ length: 10 }, (_, i) => body(700, 500 + u * 10 + i)));
      assert.equal(await partsInClear(meta), 20);

      const first = encryptRun(dataDir);
      // While it runs, the server overwrites some keys: the new data must win.
      const overwrite = async (keys: readonly string[]) => {
        for (const key of keys) {
          const data = Buffer.from(`overwritten ${key}`);
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }));
          expected.set(key, data);
        }
      };
      await overwrite(['k000', 'k075']);
      // Killed once its first batch is journaled (sealed copies written, the swap maybe committed).
      const journal = join(dataDir, ENCRYPT_JOURNAL_FILE);
      const started = Date.now();
      while (await access(journal).then(() => false, () => true)) {
        assert.ok(Date.now() - started < 60_000, `encrypt never started: ${first.output()}`);
        await sleep(2);
      }
      first.child.kill('SIGKILL');
      assert.equal(await first.exited, null, 'killed, not finished');
      await access(journal); // left behind: the run was cut short
      assert.ok((await versionsInClear(meta)) > 0, 'killed mid-way');

      const second = encryptRun(dataDir);
      await overwrite(['k149', 'k010']);
      assert.equal(await second.exited, 0, second.output());
      assert.match(second.output(), /^encrypted \d+ object versions and \d+ parts of uploads in progress/m);
      assert.equal(await versionsInClear(meta), 0);
      assert.equal(await partsInClear(meta), 0);
      await meta.close();
      await assert.rejects(access(journal), { code: 'ENOENT' });

      // The four keys overwritten meanwhile hold small bodies, now kept inline: no blob files.
      await assertNoPlaintextAtRest(dataDir, OBJECTS - 4);
      for (const [key, data] of expected) {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        assert.equal(got.ServerSideEncryption, 'AES256', key);
        assert.equal(got.ETag, `"${md5Hex(data)}"`, key);
        assert.deepEqual(await bytesOf(got), data, key);
      }
    } finally {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('EncryptAll.partsOfUploadsInProgress: parts stored in clear are sealed; the upload completes into an SSE-S3 object that reads back', async () => {
    const server = await startServer({ metadata: 'sqlite' });
    try {
      const bucket = await server.newBucket('legacy-mp');
      const s3 = server.client();
      const blobs = await FsBlobStore.open(server.dataDir);
      const meta = await server.openMetadataStore();
      const parts = [body(5 * 1024 * 1024, 71), body(2000, 72)];
      const uploadId = await legacyUpload(meta, blobs, bucket, 'mp', server.coffer.rootUser.id, parts);
      const result = await encryptAll({ meta, blobs, masterKeys: await loadMasterKeyRing(server.dataDir), dataDir: server.dataDir });
      assert.deepEqual(result, { encrypted: 0, partsEncrypted: 2, superseded: 0 });
      assert.equal(await partsInClear(meta), 0);
      assert.deepEqual((await meta.getUpload(bucket, uploadId))?.encryption, { mode: 'AES256' });
      await meta.close();
      await assertNoPlaintextAtRest(server.dataDir, 2);

      const done = await s3.send(new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: 'mp', UploadId: uploadId, MultipartUpload: { Parts: parts.map((data, i) => ({ PartNumber: i + 1, ETag: `"${md5Hex(data)}"` })) },
      }));
      assert.equal(done.ServerSideEncryption, 'AES256');
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp' }));
      assert.equal(got.ServerSideEncryption, 'AES256');
      assert.ok((await bytesOf(got)).equals(Buffer.concat(parts)));
    } finally {
      await server.stop();
    }
  });

  it('EncryptAll.journal: a crash after a swap committed leaves the blob in clear unreferenced; the next run deletes what its journal names and nothing references', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'coffer-encrypt-journal-'));
    try {
      const blobs = await FsBlobStore.open(dataDir);
      const write = async (data: Buffer) => (await blobs.write((async function* () { yield data; })())).blobId;
      const meta = new SqliteMetadataStore({ path: join(dataDir, 'metadata.sqlite') });
      await meta.createBucket({ name: 'b', ownerId: 'o', createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
      const kept = await write(body(100, 1));
      await meta.putVersion({
        bucket: 'b', key: 'k', versionId: 'null', isDeleteMarker: false, size: 100, etag: 'e', lastModified: new Date(),
        ownerId: 'o', headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest: [{ blobId: kept, offset: 0, length: 100 }],
      });
      // As a run killed between its swap and its deletes leaves things: an unreferenced blob in clear, journaled.
      const leftOver = await write(body(100, 2));
      await writeFile(join(dataDir, ENCRYPT_JOURNAL_FILE), JSON.stringify([leftOver, kept]));
      const masterKey = Buffer.alloc(32, 7);
      const result = await encryptAll({ meta, blobs, masterKeys: MasterKeyRing.of([masterKey], masterKey), dataDir });
      assert.deepEqual(result, { encrypted: 1, partsEncrypted: 0, superseded: 0 });
      await meta.close();
      await assertNoPlaintextAtRest(dataDir, 1);
      assert.equal((await layout(dataDir).blobs()).length, 1, 'only the sealed copy is left');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
