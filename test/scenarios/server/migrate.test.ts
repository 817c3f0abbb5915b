/**
 * `coffer migrate`: an embedded deployment with a varied workload, stopped, migrated into
 * PostgreSQL by the real CLI (twice: the second run is idempotent), then served by a gateway on
 * PostgreSQL with the same data dir — every object, version, configuration, upload and identity
 * reads back identically through the SDK.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetBucketPolicyCommand, GetBucketTaggingCommand,
  GetBucketVersioningCommand, GetObjectCommand, GetObjectTaggingCommand, ListBucketsCommand, ListMultipartUploadsCommand,
  ListObjectVersionsCommand, ListPartsCommand, PutBucketPolicyCommand, PutBucketTaggingCommand, PutObjectCommand, UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { OTHER_USER, startServer, type TestServer } from '../../helpers/start-server.js';
import { createTestDatabase, postgresSkipReason } from '../../helpers/postgres.js';
import { runMigrate } from '../../../src/cli/migrate.js';
import { cofferEntry, REPO_ROOT } from '../../helpers/coffer-entry.js';

const skip = await postgresSkipReason();

function migrate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...cofferEntry(), 'migrate', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Everything the SDK can see of the deployment, in a form deepEqual compares. */
async function snapshot(server: TestServer): Promise<unknown> {
  const s3 = server.client();
  const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name!).sort();
  const seen: Record<string, unknown> = { buckets };
  for (const bucket of buckets) {
    const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const versions = await Promise.all((listing.Versions ?? []).map(async (v) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));
      return {
        key: v.Key, versionId: v.VersionId, latest: v.IsLatest, etag: v.ETag, size: v.Size, lastModified: v.LastModified?.toISOString(),
        body: await object.Body!.transformToString(), contentType: object.ContentType, metadata: object.Metadata, tags: tags.TagSet,
      };
    }));
    const markers = (listing.DeleteMarkers ?? []).map((m) => ({ key: m.Key, versionId: m.VersionId, latest: m.IsLatest, lastModified: m.LastModified?.toISOString() }));
    const uploads = await Promise.all(((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).map(async (u) => ({
      key: u.Key, uploadId: u.UploadId, initiated: u.Initiated?.toISOString(),
      parts: (await s3.send(new ListPartsCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }))).Parts?.map((p) => [p.PartNumber, p.ETag, p.Size]),
    })));
    seen[bucket] = {
      versioning: (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status,
      policy: await optional(() => s3.send(new GetBucketPolicyCommand({ Bucket: bucket })).then((r) => r.Policy)),
      tags: await optional(() => s3.send(new GetBucketTaggingCommand({ Bucket: bucket })).then((r) => r.TagSet)),
      versions, markers, uploads,
    };
  }
  const meta = await server.openMetadataStore();
  try {
    seen.users = await meta.identities.listUsers();
    seen.keys = await meta.identities.listAccessKeys();
  } finally {
    await meta.close();
  }
  return seen;
}

async function optional<T>(read: () => Promise<T>): Promise<T | string> {
  return read().catch((error: Error) => error.name);
}

async function workload(server: TestServer): Promise<{ bucket: string; uploadId: string; partETag: string }> {
  const s3 = server.client();
  const bucket = await server.newBucket('migrate', { versioning: 'Enabled' });
  for (const body of ['one', 'two', 'three']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'doc', Body: body }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'gone', Body: 'soon deleted' }));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone' }));
  await s3.send(new PutObjectCommand({
    Bucket: bucket, Key: 'dir/ünïcødé ключ', Body: 'tagged', ContentType: 'text/x-coffer', Metadata: { colour: 'blue' }, Tagging: 'team=storage&tier=1',
  }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'owner', Value: 'ops' }] } }));
  await s3.send(new PutBucketPolicyCommand({
    Bucket: bucket,
    Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: `arn:aws:s3:::${bucket}` }] }),
  }));
  const plain = await server.newBucket('migrate-plain', { keys: ['a', 'b'] });
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: plain, Key: 'big' }));
  const part = await s3.send(new UploadPartCommand({ Bucket: plain, Key: 'big', UploadId, PartNumber: 1, Body: 'part one' }));
  const meta = await server.openMetadataStore();
  try {
    const [user] = (await meta.identities.listUsers()).filter((u) => u.canonicalId === OTHER_USER.id);
    await meta.identities.setUserPolicy(user!.name, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }));
  } finally {
    await meta.close();
  }
  return { bucket: plain, uploadId: UploadId!, partETag: part.ETag! };
}

test('CLI.migrate: an embedded deployment moves into PostgreSQL and reads back identically; re-runs are idempotent', { skip }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-migrate-'));
  const db = await createTestDatabase();
  try {
    let server = await startServer({ dataDir, metadata: 'sqlite' });
    const upload = await workload(server);
    const before = await snapshot(server);
    await server.stop();

    const first = migrate('--from', dataDir, '--to', db.url);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^versions: 8 rows$/m);
    assert.match(first.stdout, /^copied$/m);

    // An interrupted run, as far as the target can tell: the last rows of some tables are missing.
    await db.query('DELETE FROM versions WHERE seq > (SELECT max(seq) - 3 FROM versions)');
    await db.query('DELETE FROM access_keys');
    const again = migrate('--from', dataDir, '--to', db.url, '--verify');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^copied and verified: \d+ tables identical$/m);

    // A row that is not the source's, a database at another schema version: refused (in-process, to save a start-up).
    const errors = t.mock.method(console, 'error', () => {});
    t.mock.method(console, 'log', () => {});
    await db.query("UPDATE buckets SET region = 'eu-west-1' WHERE name = $1", [upload.bucket]);
    assert.equal(await runMigrate(['--from', dataDir, '--to', db.url]), 1);
    assert.match(String(errors.mock.calls[0]!.arguments[0]), /^coffer migrate: the PostgreSQL database already holds different data: buckets row \["migrate-plain-.*"\] differs from the SQLite one$/);
    await db.query("UPDATE buckets SET region = 'us-east-1' WHERE name = $1", [upload.bucket]);
    await db.query("INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'from the future', 0)");
    assert.equal(await runMigrate(['--from', dataDir, '--to', db.url]), 1);
    assert.match(String(errors.mock.calls[1]!.arguments[0]), /^coffer migrate: the PostgreSQL database is at schema version 99, this Coffer's is \d+: migrate into an empty database$/);
    await db.query('DELETE FROM schema_version WHERE version = 99');
    t.mock.restoreAll();

    // The gateway's own users are only what the migration brought (no users file this time).
    server = await startServer({ dataDir, metadata: db.url, users: [] });
    try {
      assert.deepEqual(await snapshot(server), before);
      const other = server.otherClient();
      assert.ok((await other.send(new ListBucketsCommand({}))).Buckets, 'the migrated user signs in with the migrated key');
      await completeAndWrite(server.client(), upload);
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

/** The migrated upload completes from its migrated part; a new version after the copied ones becomes the latest (sequences continue). */
async function completeAndWrite(s3: S3Client, upload: { bucket: string; uploadId: string; partETag: string }): Promise<void> {
  await s3.send(new CompleteMultipartUploadCommand({
    Bucket: upload.bucket, Key: 'big', UploadId: upload.uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: upload.partETag }] },
  }));
  assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: upload.bucket, Key: 'big' }))).Body!.transformToString(), 'part one');
  await s3.send(new PutObjectCommand({ Bucket: upload.bucket, Key: 'a', Body: 'after migration' }));
  assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: upload.bucket, Key: 'a' }))).Body!.transformToString(), 'after migration');
}

test('CLI.migrate: bad usage exits 2, a missing data dir is named', async (t) => {
  const errors = t.mock.method(console, 'error', () => {});
  assert.equal(await runMigrate(['--from', '/nonexistent']), 2);
  assert.match(String(errors.mock.calls[0]!.arguments[0]), /^coffer migrate: --from DATA_DIR and --to postgres:\/\/… are required\nUsage: coffer migrate/);
  assert.equal(await runMigrate(['--from', '/nonexistent-coffer-dir', '--to', 'postgres://postgres@127.0.0.1/none']), 2);
  assert.equal(errors.mock.calls[1]!.arguments[0], 'coffer migrate: no Coffer data at /nonexistent-coffer-dir (/nonexistent-coffer-dir not found)');
});
