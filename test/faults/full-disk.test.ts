/**
 * The fault the matrix injects, on a real file system: a data dir on a 20 MiB tmpfs filled by PUTs.
 * Needs `mount` (root, or a container allowed to mount); skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startServer } from '../helpers/start-server.js';

test('PutObject.fullFileSystem → 503 ServiceUnavailable, logged; space freed → writes succeed again', async (t) => {
  const mountPoint = await mkdtemp(join(tmpdir(), 'coffer-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', mountPoint], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    await rm(mountPoint, { recursive: true, force: true });
    t.skip(`needs a small file system (mount -t tmpfs): ${mounted.stderr.trim() || mounted.error?.message}`);
    return;
  }
  const logged: string[] = [];
  const server = await startServer({ dataDir: join(mountPoint, 'data'), logError: (requestId) => logged.push(requestId) });
  try {
    const s3 = server.client({ maxAttempts: 1 });
    const bucket = await server.newBucket('full');
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    const stored: string[] = [];
    let refused: { name?: string; $metadata?: { httpStatusCode?: number; requestId?: string } } | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: body }));
        stored.push(`k${i}`);
      } catch (error) {
        refused = error as typeof refused;
      }
    }
    assert.ok(refused, 'a 20 MiB file system took 30 MiB');
    assert.equal(`${refused.name} ${refused.$metadata?.httpStatusCode}`, 'ServiceUnavailable 503');
    assert.deepEqual(logged.filter((id) => id === refused!.$metadata?.requestId).length, 1);
    assert.deepEqual(await readdir(join(server.dataDir, 'tmp')), [], 'the partial temp file is gone');
    // What was stored is intact; freeing space lets writes through again.
    const first = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: stored[0]! }));
    assert.ok(Buffer.from(await first.Body!.transformToByteArray()).equals(body));
    for (const key of stored) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'after', Body: body }));
  } finally {
    await server.stop();
    spawnSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
});
