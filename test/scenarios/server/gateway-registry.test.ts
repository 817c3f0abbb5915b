/**
 * The gateway registry from a server's side: a gateway on PostgreSQL is registered while it runs
 * (its id ends the blobs it writes) and leaves the registry when it closes; an expiry shorter
 * than two heartbeats is refused at start-up.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startCoffer } from '../../../src/coffer.js';
import { createTestDatabase, postgresSkipReason } from '../../helpers/postgres.js';
import { ROOT_KEYS, startServer } from '../../helpers/start-server.js';

const skip = await postgresSkipReason();
const keys = { accessKeyId: ROOT_KEYS.accessKeyId, secretAccessKey: ROOT_KEYS.secretAccessKey };
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-registry-'));
  dirs.push(dir);
  return dir;
}
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('server: gateway registry', () => {
  test('startCoffer.an expiry shorter than two heartbeats is refused', async () => {
    await assert.rejects(startCoffer({ port: 0, dataDir: await tempDir(), metadata: 'memory', ...keys, gatewayHeartbeatSeconds: 10, gatewayExpirySeconds: 15 }), {
      message: 'the gateway expiry (15 s) must be at least twice the heartbeat (10 s)',
    });
  });

  test('Gateway.registered while it runs, its id ending each blob it writes; gone from the registry once closed', { skip }, async () => {
    const db = await createTestDatabase();
    try {
      const dataDir = await tempDir();
      const server = await startServer({ metadata: db.url, dataDir });
      try {
        const registered = (await db.query('SELECT id FROM gateways')).rows.map((row) => row.id as string);
        assert.equal(registered.length, 1);
        const bucket = await server.newBucket('registry');
        // Longer than what is stored inline: a blob file.
        await server.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.alloc(128 * 1024, 'r') }));
        const blobs = (await readdir(join(dataDir, 'blobs'), { recursive: true })).filter((path) => /[0-9a-f]{32}$/.test(path));
        assert.equal(blobs.length, 1);
        assert.ok(blobs[0]!.endsWith(registered[0]!), `${blobs[0]} does not end with ${registered[0]}`);
      } finally {
        await server.stop();
      }
      assert.deepEqual((await db.query('SELECT id FROM gateways')).rows, []);
    } finally {
      await db.drop();
    }
  });
});
