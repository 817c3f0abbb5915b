import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { signV4 } from '../../helpers/raw-request.js';
import { startChildServer } from '../../helpers/child-server.js';
import { uniqueBucket } from '../../helpers/start-server.js';
import { cofferEntry, REPO_ROOT } from '../../helpers/coffer-entry.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-cli-'));
  dirs.push(dir);
  return dir;
}
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** The whole start-up banner (it may arrive in several chunks after the endpoint line). */
async function banner(server: { stdout(): string }): Promise<string> {
  for (let i = 0; i < 100 && !server.stdout().includes('/_admin/v1/'); i++) await new Promise((r) => setTimeout(r, 20));
  return server.stdout();
}

function client(endpoint: string, accessKeyId: string, secretAccessKey: string, region = 'us-east-1'): S3Client {
  return new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
}

describe('server: the CLI as a child process', () => {
  test('CLI.port 0, generated credentials (0600), printed endpoint and AWS CLI settings; orphans collected at start-up; SIGTERM waits for an in-flight request and exits 0', async () => {
    const dataDir = await tempDir();
    // Debris of an interrupted write, placed before start: a temp file and an unreferenced blob.
    await mkdir(join(dataDir, 'tmp'), { recursive: true });
    await writeFile(join(dataDir, 'tmp', 'deadbeef.part'), 'partial');
    const orphan = 'ab'.repeat(16);
    await mkdir(join(dataDir, 'blobs', 'ab', 'ab'), { recursive: true });
    await writeFile(join(dataDir, 'blobs', 'ab', 'ab', orphan), 'orphan');

    const server = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir]);
    try {
      const port = Number(new URL(server.endpoint).port);
      assert.ok(port > 0 && port !== 9000, `a real ephemeral port: ${server.endpoint}`);
      const saved = JSON.parse(await readFile(join(dataDir, 'root-credentials.json'), 'utf8')) as { accessKeyId: string; secretAccessKey: string };
      assert.equal((await stat(join(dataDir, 'root-credentials.json'))).mode & 0o777, 0o600);
      const out = await banner(server);
      assert.ok(out.includes(saved.accessKeyId) && out.includes(saved.secretAccessKey));
      assert.ok(out.includes(`export AWS_ACCESS_KEY_ID=${saved.accessKeyId} AWS_SECRET_ACCESS_KEY=${saved.secretAccessKey} AWS_DEFAULT_REGION=us-east-1`));
      assert.ok(out.includes(`aws --endpoint-url ${server.endpoint} s3 ls`));
      assert.ok(out.includes(`Web console: ${server.endpoint}/_console/`));

      assert.deepEqual(await readdir(join(dataDir, 'tmp')), []);
      assert.deepEqual(await readdir(join(dataDir, 'blobs', 'ab', 'ab')), []);

      const s3 = client(server.endpoint, saved.accessKeyId, saved.secretAccessKey);
      const bucket = uniqueBucket('cli');
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));

      // An upload that is still sending when SIGTERM arrives completes, then the process exits 0.
      const path = `/${bucket}/slow`;
      const body = Buffer.alloc(64 * 1024, 'z');
      const headers = signV4({ method: 'PUT', path, host: new URL(server.endpoint).host, body, ...saved });
      const inFlight = new Promise<number>((resolve, reject) => {
        const req = request(`${server.endpoint}${path}`, { method: 'PUT', headers: { ...headers, 'content-length': body.length } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.write(body.subarray(0, 1000));
        void (async () => {
          // Signal only once the server is demonstrably inside the request (writing its temp file).
          for (let i = 0; i < 250 && (await readdir(join(dataDir, 'tmp'))).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
          void server.stop('SIGTERM');
          setTimeout(() => req.end(body.subarray(1000)), 300);
        })();
      });
      assert.equal(await inFlight, 200);
      assert.equal(await server.stop(), 0);
      assert.match(server.banner(), /SIGTERM: finishing in-flight requests…\nCoffer stopped\.\n$/);
      s3.destroy();

      // The same data dir again: the saved keys are reused and the object survived.
      const again = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir]);
      try {
        const printed = await banner(again);
        assert.ok(!printed.includes('generated'));
        assert.ok(!printed.includes(saved.secretAccessKey), 'the secret is printed only when generated');
        assert.ok(printed.includes(`SecretAccessKey: <in ${join(dataDir, 'root-credentials.json')}>`));
        const s3b = client(again.endpoint, saved.accessKeyId, saved.secretAccessKey);
        const got = await s3b.send(new GetObjectCommand({ Bucket: bucket, Key: 'slow' }));
        assert.equal((await got.Body!.transformToByteArray()).length, body.length);
        s3b.destroy();
      } finally {
        assert.equal(await again.stop('SIGINT'), 0);
      }
    } finally {
      await server.stop('SIGKILL');
    }
  });

  test('CLI.environment: COFFER_ADDRESS, COFFER_DATA_DIR, COFFER_REGION and root keys', async () => {
    const dataDir = await tempDir();
    const server = await startChildServer([], {
      COFFER_ADDRESS: '127.0.0.1:0', COFFER_DATA_DIR: dataDir, COFFER_REGION: 'eu-central-1',
      COFFER_ACCESS_KEY_ID: 'ENVROOTKEY', COFFER_SECRET_ACCESS_KEY: 'env-root-secret-0123456789',
    });
    try {
      assert.match(server.stdout(), /\(region eu-central-1, data in /);
      const printed = await banner(server);
      assert.ok(!printed.includes('env-root-secret-0123456789'), 'a secret from the environment is not printed');
      assert.ok(printed.includes('AWS_SECRET_ACCESS_KEY="$COFFER_SECRET_ACCESS_KEY"'));
      await assert.rejects(stat(join(dataDir, 'root-credentials.json')), { code: 'ENOENT' });
      assert.ok((await readdir(dataDir)).includes('metadata.sqlite'));
      const s3 = client(server.endpoint, 'ENVROOTKEY', 'env-root-secret-0123456789', 'eu-central-1');
      const bucket = uniqueBucket('env');
      await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }));
      assert.equal((await s3.send(new HeadBucketCommand({ Bucket: bucket }))).BucketRegion, 'eu-central-1');
      s3.destroy();
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test('CLI.footprint: a SQLite server without notification targets loads no broker client and no PostgreSQL driver', async () => {
    const dir = await tempDir();
    const modulesFile = join(dir, 'modules.txt');
    const preload = join(dir, 'list-modules.cjs');
    // Written as the process exits: every CommonJS module it loaded (node_modules packages are CommonJS here).
    await writeFile(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(modulesFile)}, Object.keys(require.cache).join('\\n')));\n`);
    const server = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', join(dir, 'data')], {
      COFFER_ACCESS_KEY_ID: 'FOOTPRINTROOTKEY', COFFER_SECRET_ACCESS_KEY: 'footprint-root-secret-0123456789',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`,
    });
    try {
      const s3 = client(server.endpoint, 'FOOTPRINTROOTKEY', 'footprint-root-secret-0123456789');
      const bucket = uniqueBucket('footprint');
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'footprint' }));
      assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString(), 'footprint');
      s3.destroy();
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const packages = new Set((await readFile(modulesFile, 'utf8')).split('\n').map((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1]).filter(Boolean));
    assert.ok(packages.has('better-sqlite3'), `the list holds what the server loaded: ${[...packages].join(' ')}`);
    assert.deepEqual(['pg', 'nats', 'mqtt', 'ioredis', 'amqplib'].filter((name) => packages.has(name)), []);
  });

  test('CLI.startupFailure: a malformed users file ends the process with one line and exit code 1', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'coffer-cli-bad-users-'));
    const usersFile = join(dataDir, 'users.json');
    await writeFile(usersFile, '{"users": 3}');
    const child = spawnSync(process.execPath, [...cofferEntry(), '--address', '127.0.0.1:0', '--data-dir', dataDir, '--users', usersFile], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    await rm(dataDir, { recursive: true, force: true });
    assert.equal(child.status, 1);
    assert.equal(child.stderr.trim(), `coffer: cannot start: ${usersFile}: expected {"users": [...]}`);
  });

  test('CLI.readOnlyDataDir: one line naming the read-only file system, exit code 1', async (t) => {
    const mountPoint = await tempDir();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      t.skip(`needs a read-only mount (mount -t tmpfs -o ro): ${mounted.stderr.trim() || mounted.error?.message}`);
      return;
    }
    try {
      const dataDir = join(mountPoint, 'data');
      const child = spawnSync(process.execPath, [...cofferEntry(), '--address', '127.0.0.1:0', '--data-dir', dataDir], {
        cwd: REPO_ROOT,
        env: { ...process.env, COFFER_ACCESS_KEY_ID: '', COFFER_SECRET_ACCESS_KEY: '' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(child.status, 1);
      assert.equal(child.stderr.trim(), `coffer: cannot start: data dir ${dataDir} is not usable: ${mountPoint} is on a read-only file system`);
    } finally {
      spawnSync('umount', [mountPoint]);
    }
  });

  test('CLI.--users file: users own separate buckets and are denied each other’s', async () => {
    const dataDir = await tempDir();
    const usersFile = join(dataDir, '..', `${dataDir.split('/').pop()}-users.json`);
    dirs.push(usersFile);
    const alice = { accessKeyId: 'ALICEKEY', secretAccessKey: 'alice-secret-0123456789' };
    const bob = { accessKeyId: 'BOBKEY', secretAccessKey: 'bob-secret-0123456789', displayName: 'bob' };
    await writeFile(usersFile, JSON.stringify({ users: [alice, bob] }));
    const server = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir, '--users', usersFile]);
    try {
      const a = client(server.endpoint, alice.accessKeyId, alice.secretAccessKey);
      const b = client(server.endpoint, bob.accessKeyId, bob.secretAccessKey);
      const aliceBucket = uniqueBucket('alice');
      const bobBucket = uniqueBucket('bob');
      await a.send(new CreateBucketCommand({ Bucket: aliceBucket }));
      await b.send(new CreateBucketCommand({ Bucket: bobBucket }));
      await a.send(new PutObjectCommand({ Bucket: aliceBucket, Key: 'k', Body: 'alice data' }));
      assert.deepEqual((await a.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name), [aliceBucket]);
      assert.deepEqual((await b.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name), [bobBucket]);
      assert.equal((await b.send(new ListBucketsCommand({}))).Owner?.DisplayName, 'bob');
      await expectS3Error(b.send(new GetObjectCommand({ Bucket: aliceBucket, Key: 'k' })), 'AccessDenied', 403, 'Access Denied');
      await expectS3Error(b.send(new PutObjectCommand({ Bucket: aliceBucket, Key: 'k', Body: 'bob was here' })), 'AccessDenied', 403, 'Access Denied');
      await expectS3Error(a.send(new PutObjectCommand({ Bucket: bobBucket, Key: 'k', Body: 'x' })), 'AccessDenied', 403, 'Access Denied');
      await expectS3Error(b.send(new CreateBucketCommand({ Bucket: aliceBucket })), 'BucketAlreadyExists', 409, 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.');
      assert.equal(await (await a.send(new GetObjectCommand({ Bucket: aliceBucket, Key: 'k' }))).Body!.transformToString(), 'alice data');
      a.destroy();
      b.destroy();
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test('CLI.request log: at info, one JSON line per request on stdout, in the order answered, within the batch wait; the last ones written when the process exits', async () => {
    const server = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', await tempDir()], { COFFER_LOG_LEVEL: 'info' });
    let ids: string[] = [];
    const requestLines = () => server.stdout().split('\n').filter((line) => line.includes('"msg":"request"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    try {
      // One at a time: the order answered is the order sent. 404 NoSuchBucket each.
      for (let i = 0; i < 40; i++) {
        const response = await fetch(`${server.endpoint}/no-such-bucket-${i}/key`);
        assert.equal(response.status, 404);
        await response.arrayBuffer();
        ids.push(response.headers.get('x-amz-request-id')!);
      }
      // Lines wait for a batch (8 KiB) or 200 ms (observe/logger.ts).
      for (let i = 0; i < 100 && requestLines().length < ids.length; i++) await new Promise((r) => setTimeout(r, 20));
      const lines = requestLines();
      assert.deepEqual(lines.map((line) => line.requestId), ids);
      assert.deepEqual(lines.map((line) => line.path), ids.map((_, i) => `/no-such-bucket-${i}/key`));
      assert.ok(lines.every((line) => line.status === 404 && line.errorCode === 'NoSuchBucket' && line.level === 30), JSON.stringify(lines[0]));
      // Answered, then the process told to stop at once: their lines are out when it has exited.
      ids = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${server.endpoint}/last-${i}`);
        await response.arrayBuffer();
        ids.push(response.headers.get('x-amz-request-id')!);
      }
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.deepEqual(requestLines().slice(-3).map((line) => line.requestId), ids);
  });
});
