import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ListObjectsV2Command, PutBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import { startServer } from '../../helpers/start-server.js';
import { cofferEntry, REPO_ROOT } from '../../helpers/coffer-entry.js';

function lifecycleRun(dataDir: string, daySeconds: number): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...cofferEntry(), 'lifecycle', 'run', '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, COFFER_LIFECYCLE_DAY_SECONDS: String(daySeconds), COFFER_DATA_DIR: '', COFFER_METADATA: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('CLI.lifecycleRun runs a pass itself when no server runs, and asks a running server otherwise', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-lifecycle-cli-'));
  try {
    // Days of a day: the server itself expires nothing while the test runs. The data dir's own
    // store (the CLI is pointed at the data dir), whatever COFFER_TEST_METADATA says.
    let server = await startServer({ dataDir, metadata: 'sqlite', lifecycleDaySeconds: 86_400 });
    const bucket = await server.newBucket('lc-cli', { keys: ['logs/a', 'logs/b', 'keep'] });
    await server.client().send(new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: { Rules: [{ ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } }] },
    }));
    await server.stop();

    // With one-second days the objects are due two seconds after their write.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const own = lifecycleRun(dataDir, 1);
    assert.equal(own.status, 0, own.stderr);
    assert.match(own.stdout, /^Lifecycle pass done: \{.*"expired":2,/);

    server = await startServer({ dataDir, metadata: 'sqlite', lifecycleDaySeconds: 86_400 });
    try {
      const left = await server.client().send(new ListObjectsV2Command({ Bucket: bucket }));
      assert.deepEqual(left.Contents?.map((c) => c.Key), ['keep']);
      const asked = lifecycleRun(dataDir, 1);
      assert.equal(asked.status, 0, asked.stderr);
      assert.equal(asked.stdout, 'A running Coffer holds the lifecycle lease: it was asked to run a pass now.\n');
    } finally {
      await server.stop();
    }
    assert.equal(lifecycleRun(dataDir, 1).status, 0);
    const usage = spawnSync(process.execPath, [...cofferEntry(), 'lifecycle', 'go'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /^Usage: coffer lifecycle run/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
