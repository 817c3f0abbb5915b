/**
 * The lifecycle executor end to end, with COFFER_LIFECYCLE_DAY_SECONDS=2 (a "day" lasts two
 * seconds): rules are put through the API and their effects observed through the API.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startServer, type TestServer } from '../../helpers/start-server.js';

const DAY_SECONDS = 2;
/** Due at the second midnight after the write at the latest (rounding), plus passes on a busy machine. */
const WAIT_MS_MAX = (2 * DAY_SECONDS + 8) * 1000;

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`not within ${WAIT_MS_MAX} ms: ${what}`);
}

async function blobFiles(dataDir: string): Promise<number> {
  let count = 0;
  const root = join(dataDir, 'blobs');
  for (const a of await readdir(root).catch(() => [])) {
    for (const b of await readdir(join(root, a)).catch(() => [])) count += (await readdir(join(root, a, b))).length;
  }
  return count;
}

describe('lifecycle executor (2-second days)', { concurrency: true }, () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer({ lifecycleDaySeconds: DAY_SECONDS });
    s3 = server.client();
  });
  after(() => server.stop());

  const putRules = (Bucket: string, Rules: LifecycleRule[]) =>
    s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));
  const versionsOf = async (Bucket: string) => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    return { versions: listed.Versions ?? [], markers: listed.DeleteMarkers ?? [] };
  };

  test('Expiration.logsPrefixOnly', async () => {
    const bucket = await server.newBucket('lc-exp', { keys: ['logs/a', 'logs/b/c', 'data/keep', 'logsx'] });
    await putRules(bucket, [{ ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } }]);
    await eventually(async () => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'logs/' }))).KeyCount ?? 0) === 0, 'logs/ expired');
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(left.Contents?.map((c) => c.Key), ['data/keep', 'logsx']);
  });

  test('Expiration.versionedBucketGetsDeleteMarker', async () => {
    const bucket = await server.newBucket('lc-expv', { versioning: 'Enabled', keys: ['logs/a', 'other'] });
    await putRules(bucket, [{ ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } }]);
    await eventually(async () => (await versionsOf(bucket)).markers.length === 1, 'a delete marker for logs/a');
    const { versions, markers } = await versionsOf(bucket);
    assert.equal(markers[0]!.Key, 'logs/a');
    assert.equal(markers[0]!.IsLatest, true);
    assert.deepEqual(versions.map((v) => [v.Key, v.IsLatest]), [['logs/a', false], ['other', true]]);
  });

  test('NoncurrentVersionExpiration.keepsNewerNoncurrentVersions', async () => {
    const bucket = await server.newBucket('lc-nc', { versioning: 'Enabled' });
    for (let i = 0; i < 4; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: `v${i}` }));
    await putRules(bucket, [{ ID: 'nc', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 } }]);
    const before = (await versionsOf(bucket)).versions.map((v) => v.VersionId);
    assert.equal(before.length, 4);
    await eventually(async () => (await versionsOf(bucket)).versions.length === 2, 'two versions left');
    // The latest and the newest noncurrent one stay.
    assert.deepEqual((await versionsOf(bucket)).versions.map((v) => v.VersionId), before.slice(0, 2));
  });

  test('Expiration.expiredObjectDeleteMarkerRemoved', async () => {
    const bucket = await server.newBucket('lc-dm', { versioning: 'Enabled', keys: ['gone', 'stays'] });
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone' }));
    await putRules(bucket, [
      { ID: 'nc', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
      { ID: 'dm', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { ExpiredObjectDeleteMarker: true } },
    ]);
    await eventually(async () => {
      const { versions, markers } = await versionsOf(bucket);
      return markers.length === 0 && versions.length === 1;
    }, 'the noncurrent version and then its lone delete marker removed');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'stays' }))).$metadata.httpStatusCode, 200);
  });

  test('AbortIncompleteMultipartUpload.abortedAndSpaceReclaimed', async () => {
    // A server of its own: the test counts every blob file of the data dir.
    const own = await startServer({ lifecycleDaySeconds: DAY_SECONDS });
    try {
      const client = own.client();
      const bucket = await own.newBucket('lc-mpu');
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'tmp/big' }));
      await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'tmp/big', UploadId, PartNumber: 1, Body: Buffer.alloc(80 * 1024, 1) })); // over the inline threshold: a blob file
      assert.equal(await blobFiles(own.dataDir), 1);
      await client.send(new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: [{ ID: 'abort', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
      }));
      await eventually(async () => ((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).length === 0, 'upload aborted');
      await eventually(async () => (await blobFiles(own.dataDir)) === 0, "the part's blob deleted");
    } finally {
      await own.stop();
    }
  });

  test('Transition.storageClassRecorded', async () => {
    const bucket = await server.newBucket('lc-tr', { keys: ['cold/a', 'cold/tiny', 'warm/b'] });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cold/big', Body: Buffer.alloc(200 * 1024, 7) }));
    await putRules(bucket, [
      { ID: 'sized', Status: 'Enabled', Filter: { And: { Prefix: 'cold/a', ObjectSizeGreaterThan: 0 } }, Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] },
      { ID: 'default-minimum', Status: 'Enabled', Filter: { Prefix: 'cold/' }, Transitions: [{ Days: 1, StorageClass: 'DEEP_ARCHIVE' }] },
    ]);
    const classOf = async (Key: string) => (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))).StorageClass;
    await eventually(async () => (await classOf('cold/big')) === 'DEEP_ARCHIVE', 'cold/big transitioned');
    // A size filter lifts the 128 KiB default minimum; the second rule's (unfiltered) does not move it further.
    assert.equal(await classOf('cold/a'), 'GLACIER');
    // Under 128 KiB and no size filter: AWS's default minimum keeps it where it is.
    assert.equal(await classOf('cold/tiny'), undefined);
    assert.equal(await classOf('warm/b'), undefined);
  });

  test('Expiration.disabledRuleDoesNothing', async () => {
    const bucket = await server.newBucket('lc-off', { keys: ['logs/a'] });
    await putRules(bucket, [{ ID: 'off', Status: 'Disabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } }]);
    await new Promise((resolve) => setTimeout(resolve, (2 * DAY_SECONDS + 1) * 1000));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'logs/a' }))).$metadata.httpStatusCode, 200);
  });
});
