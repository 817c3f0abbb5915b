import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startCoffer } from '../../../src/coffer.js';
import { LOCK_FILE } from '../../../src/data-dir-lock.js';
import { startChildServer } from '../../helpers/child-server.js';
import { createTestDatabase, postgresSkipReason } from '../../helpers/postgres.js';
import { ROOT_KEYS, uniqueBucket } from '../../helpers/start-server.js';
import { cofferEntry, REPO_ROOT } from '../../helpers/coffer-entry.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-lock-'));
  dirs.push(dir);
  return dir;
}
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const keys = { accessKeyId: ROOT_KEYS.accessKeyId, secretAccessKey: ROOT_KEYS.secretAccessKey };

describe('server: one owner per embedded data dir', () => {
  test('startCoffer.a second server on a data dir in use fails with the holder; after close the dir can be opened again', async () => {
    const dataDir = await tempDir();
    const first = await startCoffer({ port: 0, dataDir, ...keys });
    try {
      await assert.rejects(startCoffer({ port: 0, dataDir, ...keys }), {
        message: `data dir ${dataDir} is in use by process ${process.pid} (this one) (lock file ${join(dataDir, LOCK_FILE)})`,
      });
    } finally {
      await first.close();
    }
    const again = await startCoffer({ port: 0, dataDir, ...keys });
    await again.close();
  });

  test('CLI.a second process on a data dir in use exits 1 naming the holder; a lock left by a killed process is taken over', async () => {
    const dataDir = await tempDir();
    const first = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir]);
    try {
      const second = spawnSync(process.execPath, [...cofferEntry(), '--address', '127.0.0.1:0', '--data-dir', dataDir], {
        cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000,
      });
      assert.equal(second.status, 1);
      assert.equal(
        second.stderr.trim(),
        `coffer: cannot start: data dir ${dataDir} is in use by process ${first.process.pid} (lock file ${join(dataDir, LOCK_FILE)})`,
      );
    } finally {
      assert.equal(await first.stop('SIGKILL'), null);
    }
    // SIGKILL left the lock behind, naming a pid that no longer runs.
    assert.equal((await readFile(join(dataDir, LOCK_FILE), 'utf8')).trim(), String(first.process.pid));
    const next = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir]);
    try {
      assert.equal((await readFile(join(dataDir, LOCK_FILE), 'utf8')).trim(), String(next.process.pid));
    } finally {
      assert.equal(await next.stop(), 0);
    }
    await assert.rejects(readFile(join(dataDir, LOCK_FILE)), { code: 'ENOENT' }, 'a clean exit removes the lock');
  });

  test('startCoffer.a lock file holding no pid (a crash while taking it) is taken over', async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, LOCK_FILE), '');
    const coffer = await startCoffer({ port: 0, dataDir, ...keys });
    await coffer.close();
  });
});

const skip = await postgresSkipReason();

describe('server: gateways on PostgreSQL', { skip }, () => {
  test('CLI.two gateways share one data dir and one database; the password in --metadata is never printed', async () => {
    const db = await createTestDatabase();
    const dataDir = await tempDir();
    // Trust authentication accepts any password: this one only has to stay unprinted.
    const url = new URL(db.url);
    url.password = 'hunter2-secret';
    const env = { COFFER_ACCESS_KEY_ID: keys.accessKeyId, COFFER_SECRET_ACCESS_KEY: keys.secretAccessKey };
    const gateways = [
      await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir, '--metadata', url.toString()], env),
      await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir], { ...env, COFFER_METADATA_URL: url.toString() }),
    ];
    const clients = gateways.map((g) => new S3Client({ endpoint: g.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: keys }));
    try {
      for (const gateway of gateways) {
        assert.ok(!gateway.stdout().includes('hunter2'), gateway.stdout());
        assert.match(gateway.stdout(), /metadata in postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/coffer_test_/);
      }
      const bucket = uniqueBucket('gw');
      await clients[0]!.send(new CreateBucketCommand({ Bucket: bucket }));
      await clients[0]!.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'written through gateway 0' }));
      const read = await clients[1]!.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
      assert.equal(await read.Body!.transformToString(), 'written through gateway 0');
    } finally {
      for (const c of clients) c.destroy();
      for (const g of gateways) await g.stop();
      await db.drop();
    }
  });
});
