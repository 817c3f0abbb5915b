/**
 * Users, access keys and identity policies: a read-only key for one bucket and prefix, explicit
 * denies binding a bucket's owner, keys disabled or deleted refused at once, and the
 * `coffer user|key` commands on a running and on a stopped server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { cofferEntry, REPO_ROOT } from '../../helpers/coffer-entry.js';

const INVALID_KEY = 'The AWS Access Key Id you provided does not exist in our records.';

/** `coffer ARGS…` as a child process (never blocking this process, which may be serving). */
async function coffer(args: string[], rootKeys?: typeof ROOT_KEYS): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...cofferEntry(), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, COFFER_ACCESS_KEY_ID: rootKeys?.accessKeyId ?? '', COFFER_SECRET_ACCESS_KEY: rootKeys?.secretAccessKey ?? '', COFFER_DATA_DIR: '', COFFER_METADATA_URL: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function keysFrom(stdout: string): { accessKeyId: string; secretAccessKey: string } {
  const accessKeyId = /AccessKeyId:\s+(\S+)/.exec(stdout)?.[1];
  const secretAccessKey = /SecretAccessKey:\s+(\S+)/.exec(stdout)?.[1];
  assert.ok(accessKeyId && secretAccessKey, stdout);
  return { accessKeyId, secretAccessKey };
}

async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('access.identities', () => {
  let server: TestServer;
  const clients: S3Client[] = [];
  const clientFor = (keys: { accessKeyId: string; secretAccessKey: string }) => {
    const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: keys });
    clients.push(client);
    return client;
  };
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await server.stop();
  });

  it('GetObject.an identity policy gives a read-only key for one bucket and prefix, nothing else', async () => {
    const bucket = await server.newBucket('ro', { keys: ['reports/a', 'private/b'] });
    const { identities } = server.coffer;
    await identities.addUser('reader');
    const reader = clientFor(await identities.addKey('reader'));
    await identities.setPolicy('reader', JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/reports/*` },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}`, Condition: { StringLike: { 's3:prefix': 'reports/*' } } },
      ],
    }));
    const got = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: 'reports/a' }));
    assert.equal(await got.Body!.transformToString(), 'reports/a');
    const listed = await reader.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'reports/' }));
    assert.deepEqual(listed.Contents?.map((c) => c.Key), ['reports/a']);
    await expectS3Error(reader.send(new GetObjectCommand({ Bucket: bucket, Key: 'private/b' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(reader.send(new PutObjectCommand({ Bucket: bucket, Key: 'reports/new', Body: 'x' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(reader.send(new ListObjectsV2Command({ Bucket: bucket })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(reader.send(new CreateBucketCommand({ Bucket: uniqueBucket('ro-new') })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(reader.send(new ListBucketsCommand({})), 'AccessDenied', 403, 'Access Denied');
  });

  it('DeleteObject.an explicit Deny in an identity policy binds the user even in its own bucket', async () => {
    const { identities } = server.coffer;
    await identities.addUser('owner-user');
    const owner = clientFor(await identities.addKey('owner-user'));
    const bucket = uniqueBucket('own');
    await owner.send(new CreateBucketCommand({ Bucket: bucket }));
    await owner.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'k' }));
    await identities.setPolicy('owner-user', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }] }));
    await expectS3Error(owner.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' })), 'AccessDenied', 403, 'Access Denied');
    await owner.send(new PutObjectCommand({ Bucket: bucket, Key: 'k2', Body: 'k' }));
    await identities.setPolicy('owner-user', undefined);
    await owner.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
  });

  it('ListBuckets.a disabled or deleted key is refused at once; another key of the user keeps working', async () => {
    const { identities } = server.coffer;
    await identities.addUser('rotating');
    const first = await identities.addKey('rotating');
    const second = await identities.addKey('rotating');
    await clientFor(first).send(new ListBucketsCommand({}));
    await identities.setKeyStatus(first.accessKeyId, 'Inactive');
    await expectS3Error(clientFor(first).send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403, INVALID_KEY);
    await clientFor(second).send(new ListBucketsCommand({}));
    await identities.setKeyStatus(first.accessKeyId, 'Active');
    await clientFor(first).send(new ListBucketsCommand({}));
    await identities.removeKey(first.accessKeyId);
    await expectS3Error(clientFor(first).send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403, INVALID_KEY);
    await identities.removeUser('rotating');
    await expectS3Error(clientFor(second).send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403, INVALID_KEY);
  });

  it('CLI.user add, key disable and user policy on a running server take effect within a second or so', async () => {
    // The root's keys (as the server was given them) let the CLI show the account's ARNs.
    const added = await coffer(['user', 'add', 'carol', '--email', 'carol@example.com', '--data-dir', server.dataDir], ROOT_KEYS);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, new RegExp(`arn:aws:iam::${server.coffer.accountId}:user/carol`));
    const keys = keysFrom(added.stdout);
    const carol = clientFor(keys);
    await eventually(async () => void (await carol.send(new ListBucketsCommand({}))));

    const listed = await coffer(['user', 'list', '--data-dir', server.dataDir]);
    assert.match(listed.stdout, /^carol\t.*\tcarol@example\.com\tno policy$/m);
    const keyList = await coffer(['key', 'list', 'carol', '--data-dir', server.dataDir]);
    assert.match(keyList.stdout, new RegExp(`^${keys.accessKeyId}\tcarol\tActive\t`, 'm'));
    assert.doesNotMatch(keyList.stdout + listed.stdout, new RegExp(keys.secretAccessKey.replace(/[+/]/g, '.')), 'secrets are shown once');

    const policyFile = join(server.dataDir, 'deny-list.json');
    await writeFile(policyFile, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:ListAllMyBuckets', Resource: '*' }] }));
    assert.equal((await coffer(['user', 'policy', 'set', 'carol', policyFile, '--data-dir', server.dataDir])).code, 0);
    await eventually(() => expectS3Error(carol.send(new ListBucketsCommand({})), 'AccessDenied', 403, 'Access Denied'));
    const shown = await coffer(['user', 'policy', 'get', 'carol', '--data-dir', server.dataDir]);
    assert.match(shown.stdout, /"Deny"/);

    await writeFile(policyFile, '{"Statement": "nope"');
    const malformed = await coffer(['user', 'policy', 'set', 'carol', policyFile, '--data-dir', server.dataDir]);
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /MalformedPolicyDocument/);

    assert.equal((await coffer(['key', 'disable', keys.accessKeyId, '--data-dir', server.dataDir])).code, 0);
    await eventually(() => expectS3Error(carol.send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403, INVALID_KEY));
    const missing = await coffer(['key', 'rm', 'NOSUCHKEY', '--data-dir', server.dataDir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such access key/);
    assert.equal((await coffer(['user', 'rm', 'carol', '--data-dir', server.dataDir])).code, 0);
    assert.doesNotMatch((await coffer(['user', 'list', '--data-dir', server.dataDir])).stdout, /^carol\t/m);
  });

  it('CLI.a user added while the server is stopped can sign in once it starts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'coffer-users-'));
    try {
      const added = await coffer(['user', 'add', 'dave', '--data-dir', dataDir]);
      assert.equal(added.code, 0, added.stderr);
      const more = await coffer(['key', 'add', 'dave', '--data-dir', dataDir]);
      const stopped = await startServer({ dataDir });
      try {
        for (const keys of [keysFrom(added.stdout), keysFrom(more.stdout)]) {
          const dave = new S3Client({ endpoint: stopped.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: keys });
          await dave.send(new ListBucketsCommand({}));
          dave.destroy();
        }
      } finally {
        await stopped.stop();
      }
      assert.match(added.stdout, /^User dave: user\/dave, canonical id [0-9a-f]{64}$/m);
      const usage = await coffer(['user', 'frobnicate', '--data-dir', dataDir]);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /Usage:/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
