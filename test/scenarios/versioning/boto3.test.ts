import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../../helpers/coffer-entry.js';
import { boto3, PYTHON } from '../../helpers/external-tools.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

const SCRIPT = join(REPO_ROOT, 'test/scenarios/versioning/boto3_versions.py');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('boto3 resource API', { skip: boto3.skip }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.stop());

  test('ObjectVersion.lifecycleThroughBoto3', async () => {
    const result = await run([server.endpoint, ROOT_KEYS.accessKeyId, ROOT_KEYS.secretAccessKey, uniqueBucket('boto')]);
    assert.equal(result.code, 0, `boto3 script failed:\n${result.stdout}\n${result.stderr}`);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { ok: boolean; versions: number; pages: number };
    assert.equal(out.ok, true);
    assert.equal(out.versions, 4);
    assert.equal(out.pages, 6);
  });
});
