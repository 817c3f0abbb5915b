/**
 * Inventory reports, written by the server's background jobs (2-second days, so the daily report
 * is due at once): the report lists every object and version of the source bucket exactly.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  DeleteBucketInventoryConfigurationCommand,
  DeleteObjectCommand,
  GetBucketInventoryConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketInventoryConfigurationsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketInventoryConfigurationCommand,
  PutObjectCommand,
  type InventoryConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { newKmsKey } from '../../helpers/encryption.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

describe('inventory reports', { concurrency: true }, () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer({ lifecycleDaySeconds: 2, allowInsecureSseC: true });
    s3 = server.client();
  });
  after(() => server.stop());

  const config = (Id: string, destination: string, overrides: Partial<InventoryConfiguration> = {}): InventoryConfiguration => ({
    Id,
    IsEnabled: true,
    IncludedObjectVersions: 'All',
    Schedule: { Frequency: 'Daily' },
    OptionalFields: ['Size', 'ETag', 'StorageClass', 'IsMultipartUploaded'],
    Destination: { S3BucketDestination: { Bucket: `arn:aws:s3:::${destination}`, Format: 'CSV', Prefix: 'reports' } },
    ...overrides,
  });

  const text = async (Bucket: string, Key: string) => (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray();

  async function waitForManifest(destination: string, prefix: string): Promise<string> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: destination, Prefix: prefix }));
      // manifest.checksum is written last: once it is there, the report is complete.
      const checksum = listed.Contents?.find((c) => c.Key!.endsWith('/manifest.checksum'));
      if (checksum) return checksum.Key!.replace(/manifest\.checksum$/, 'manifest.json');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return assert.fail('no manifest.json within 10 s');
  }

  test('PutBucketInventoryConfiguration.reportListsEveryVersionExactly', async () => {
    const source = await server.newBucket('inv-src', { versioning: 'Enabled' });
    const destination = await server.newBucket('inv-dst');
    for (const [Key, Body] of [['a', '1'], ['a', '22'], ['b "quoted" key', '333'], ['dir/c', '4444']]) {
      await s3.send(new PutObjectCommand({ Bucket: source, Key, Body }));
    }
    await s3.send(new DeleteObjectCommand({ Bucket: source, Key: 'dir/c' }));
    await s3.send(new PutBucketInventoryConfigurationCommand({ Bucket: source, Id: 'daily', InventoryConfiguration: config('daily', destination) }));
    assert.deepEqual((await s3.send(new GetBucketInventoryConfigurationCommand({ Bucket: source, Id: 'daily' }))).InventoryConfiguration, config('daily', destination));

    const manifestKey = await waitForManifest(destination, `reports/${source}/daily/`);
    assert.match(manifestKey, new RegExp(`^reports/${source}/daily/\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}Z/manifest\\.json$`));
    const manifestBytes = await text(destination, manifestKey);
    const checksum = Buffer.from(await text(destination, manifestKey.replace(/manifest\.json$/, 'manifest.checksum'))).toString().trim();
    assert.equal(checksum, createHash('md5').update(manifestBytes).digest('hex'));
    const manifest = JSON.parse(Buffer.from(manifestBytes).toString()) as {
      sourceBucket: string; destinationBucket: string; fileFormat: string; fileSchema: string; files: { key: string; size: number; MD5checksum: string }[];
    };
    assert.equal(manifest.sourceBucket, source);
    assert.equal(manifest.destinationBucket, `arn:aws:s3:::${destination}`);
    assert.equal(manifest.fileFormat, 'CSV');
    assert.equal(manifest.fileSchema, 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, StorageClass, ETag, IsMultipartUploaded');

    const rows: string[] = [];
    for (const file of manifest.files) {
      const gz = await text(destination, file.key);
      assert.equal(gz.length, file.size);
      assert.equal(createHash('md5').update(gz).digest('hex'), file.MD5checksum);
      rows.push(...gunzipSync(gz).toString().split('\n').filter(Boolean));
    }
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: source }));
    const csv = (values: string[]) => values.map((v) => `"${v.replace(/"/g, '""')}"`).join(',');
    const encode = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/');
    const expected = [
      ...(listed.Versions ?? []).map((v) => ({ key: v.Key!, row: csv([source, encode(v.Key!), v.VersionId!, String(v.IsLatest), 'false', String(v.Size), 'STANDARD', v.ETag!.replace(/"/g, ''), 'false']) })),
      ...(listed.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, row: csv([source, encode(m.Key!), m.VersionId!, String(m.IsLatest), 'true', '', '', '', '']) })),
    ];
    assert.equal(rows.length, 5);
    assert.deepEqual([...rows].sort(), expected.map((e) => e.row).sort());
  });

  test('PutBucketInventoryConfiguration.encryptedObjects: EncryptionStatus per version; the report is sealed (SSE-S3) like any new object', async () => {
    const source = await server.newBucket('inv-src');
    const destination = await server.newBucket('inv-dst');
    const key = randomBytes(32);
    await s3.send(new PutObjectCommand({ Bucket: source, Key: 'sse-s3', Body: 'a' }));
    await s3.send(new PutObjectCommand({
      Bucket: source, Key: 'sse-c', Body: 'b',
      SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64'),
    }));
    await s3.send(new PutBucketInventoryConfigurationCommand({
      Bucket: source, Id: 'enc', InventoryConfiguration: config('enc', destination, { IncludedObjectVersions: 'Current', OptionalFields: ['EncryptionStatus'] }),
    }));
    const manifestKey = await waitForManifest(destination, `reports/${source}/enc/`);
    const manifest = JSON.parse(Buffer.from(await text(destination, manifestKey)).toString()) as { files: { key: string }[] };
    const rows = (await Promise.all(manifest.files.map(async (f) => gunzipSync(await text(destination, f.key)).toString().split('\n').filter(Boolean)))).flat();
    assert.deepEqual(rows.sort(), [`"${source}","sse-c","SSE-C"`, `"${source}","sse-s3","SSE-S3"`]);
    for (const reportKey of [manifestKey, manifest.files[0]!.key]) {
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: destination, Key: reportKey }))).ServerSideEncryption, 'AES256', reportKey);
    }
    // manifest.json names the source bucket in clear; no blob file on disk holds that text.
    const needle = Buffer.from(`"sourceBucket": "${source}"`);
    const files = async function* walk(dir: string): AsyncGenerator<string> {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) yield* walk(join(dir, entry.name));
        else yield join(dir, entry.name);
      }
    };
    for await (const path of files(join(server.dataDir, 'blobs'))) assert.equal((await readFile(path)).includes(needle), false, path);
  });

  test('PutBucketInventoryConfiguration.destinationDefaultKms: reports are encrypted as the destination bucket\'s default says (SSE-KMS with its key), as AWS', async () => {
    const source = await server.newBucket('inv-src');
    const destination = await server.newBucket('inv-dst');
    const { arn: keyArn } = await newKmsKey(server);
    await s3.send(new PutBucketEncryptionCommand({
      Bucket: destination, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }] },
    }));
    await s3.send(new PutObjectCommand({ Bucket: source, Key: 'k', Body: 'a' }));
    await s3.send(new PutBucketInventoryConfigurationCommand({ Bucket: source, Id: 'kms', InventoryConfiguration: config('kms', destination, { IncludedObjectVersions: 'Current' }) }));
    const manifestKey = await waitForManifest(destination, `reports/${source}/kms/`);
    const manifestBytes = await text(destination, manifestKey);
    const manifest = JSON.parse(Buffer.from(manifestBytes).toString()) as { files: { key: string; MD5checksum: string }[] };
    for (const reportKey of [manifestKey, manifestKey.replace(/manifest\.json$/, 'manifest.checksum'), manifest.files[0]!.key]) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: destination, Key: reportKey }));
      assert.equal(head.ServerSideEncryption, 'aws:kms', reportKey);
      assert.equal(head.SSEKMSKeyId, keyArn, reportKey);
    }
    // The checksums name the content (MD5), not the ETag (which under SSE-KMS is not an MD5).
    const file = await text(destination, manifest.files[0]!.key);
    assert.equal(manifest.files[0]!.MD5checksum, createHash('md5').update(file).digest('hex'));
    assert.equal(gunzipSync(file).toString(), `"${source}","k","1","STANDARD","${createHash('md5').update('a').digest('hex')}","false"\n`);
  });

  test('ListBucketInventoryConfigurations.listAndDelete', async () => {
    const source = await server.newBucket('inv-src');
    const destination = await server.newBucket('inv-dst');
    await s3.send(new PutBucketInventoryConfigurationCommand({
      Bucket: source, Id: 'weekly', InventoryConfiguration: config('weekly', destination, { IsEnabled: false, IncludedObjectVersions: 'Current', Schedule: { Frequency: 'Weekly' } }),
    }));
    const listed = await s3.send(new ListBucketInventoryConfigurationsCommand({ Bucket: source }));
    assert.equal(listed.IsTruncated, false);
    assert.deepEqual(listed.InventoryConfigurationList?.map((c) => c.Id), ['weekly']);
    await s3.send(new DeleteBucketInventoryConfigurationCommand({ Bucket: source, Id: 'weekly' }));
    await expectS3Error(s3.send(new GetBucketInventoryConfigurationCommand({ Bucket: source, Id: 'weekly' })), 'NoSuchConfiguration', 404, 'The specified configuration does not exist.');
    // Disabled: no report was written.
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: destination }))).KeyCount, 0);
  });

  test('PutBucketInventoryConfiguration.refusesWhatItCannotWrite', async () => {
    const source = await server.newBucket('inv-src');
    const orc = config('orc', 'dst');
    orc.Destination!.S3BucketDestination!.Format = 'ORC';
    await expectS3Error(
      s3.send(new PutBucketInventoryConfigurationCommand({ Bucket: source, Id: 'orc', InventoryConfiguration: orc })),
      'NotImplemented', 501, 'Inventory reports in ORC format are not implemented by Coffer (CSV is).',
    );
    await expectS3Error(
      s3.send(new PutBucketInventoryConfigurationCommand({ Bucket: source, Id: 'lock', InventoryConfiguration: config('lock', 'dst', { OptionalFields: ['ObjectLockMode'] }) })),
      'NotImplemented', 501, 'Inventory optional fields ObjectLockMode are not implemented by Coffer.',
    );
    const badArn = config('arn', 'dst');
    badArn.Destination!.S3BucketDestination!.Bucket = 'dst';
    await expectS3Error(s3.send(new PutBucketInventoryConfigurationCommand({ Bucket: source, Id: 'arn', InventoryConfiguration: badArn })), 'InvalidArgument', 400, 'Invalid bucket ARN.');
  });
});
