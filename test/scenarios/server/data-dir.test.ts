import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startCoffer } from '../../../src/coffer.js';
import { uniqueBucket } from '../../helpers/start-server.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/** Every file and folder under `dir`, with its mode. */
async function modesUnder(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out.set(path.slice(dir.length + 1), await modeOf(path));
  }
  return out;
}

/**
 * Starts Coffer on `dataDir` with generated root keys, writes one object, calls `whileRunning`
 * (SQLite removes its -wal and -shm files at a clean close), stops. Returns the warnings.
 */
async function runOnce(dataDir: string, whileRunning: () => Promise<void> = async () => {}): Promise<string[]> {
  const warnings: string[] = [];
  const coffer = await startCoffer({ host: '127.0.0.1', port: 0, dataDir, warn: (message) => warnings.push(message) });
  const s3 = new S3Client({ endpoint: coffer.endpoint, region: coffer.region, forcePathStyle: true, credentials: coffer.rootUser });
  try {
    const bucket = uniqueBucket('modes');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'secret data' })); // inline: in the metadata
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: Buffer.alloc(70_000, 's') })); // a blob file
    await whileRunning();
  } finally {
    s3.destroy();
    await coffer.close();
  }
  return warnings;
}

describe('data dir permissions', () => {
  test('DataDir.everyFileCofferCreatesIsPrivate', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'coffer-modes-'));
    dirs.push(parent);
    const dataDir = join(parent, 'data');
    let modes = new Map<string, number>();
    assert.deepEqual(await runOnce(dataDir, async () => void (modes = await modesUnder(dataDir))), []);
    assert.equal(await modeOf(dataDir), 0o700);
    for (const name of ['metadata.sqlite', 'metadata.sqlite-wal', 'metadata.sqlite-shm', 'root-credentials.json', 'blobs', 'tmp']) {
      assert.ok(modes.has(name), `${name} exists`);
    }
    const loose = [...modes].filter(([, mode]) => (mode & 0o077) !== 0).map(([name, mode]) => `${name} ${mode.toString(8)}`);
    assert.deepEqual(loose, [], 'nothing readable by other users');
    assert.ok([...modes.keys()].some((name) => /^blobs\/..\/..\/[0-9a-f]{32}$/.test(name)), 'a blob was written');
  });

  test('DataDir.existingLooseDirIsTightenedWithAWarning', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'coffer-loose-'));
    dirs.push(dataDir);
    await runOnce(dataDir);
    await chmod(dataDir, 0o755);
    await chmod(join(dataDir, 'metadata.sqlite'), 0o644);
    await chmod(join(dataDir, 'blobs'), 0o755);
    await mkdir(join(dataDir, 'tmp'), { recursive: true });
    await chmod(join(dataDir, 'tmp'), 0o777);
    const warnings = await runOnce(dataDir);
    assert.deepEqual(warnings, [
      `${dataDir} was accessible to other users (mode 0755): tightened to 0700`,
      `${join(dataDir, 'blobs')} was accessible to other users (mode 0755): tightened to 0700`,
      `${join(dataDir, 'tmp')} was accessible to other users (mode 0777): tightened to 0700`,
      `${join(dataDir, 'metadata.sqlite')} was accessible to other users (mode 0644): tightened to 0600`,
    ]);
    assert.equal(await modeOf(dataDir), 0o700);
    assert.equal(await modeOf(join(dataDir, 'metadata.sqlite')), 0o600);
    assert.equal(await modeOf(join(dataDir, 'blobs')), 0o700);
  });
});
