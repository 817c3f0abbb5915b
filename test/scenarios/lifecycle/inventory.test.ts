/**
 * Inventory reports, written by the server's background jobs (2-second days, so the daily report
 * is due at once): the report lists every object and version of the source bucket exactly.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  DeleteBucketInventoryConfigurationCommand,
  DeleteObjectCommand,
  GetBucketInventoryConfigurationCommand,
  GetObjectCommand,
  ListBucketInventoryConfigurationsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketInventoryConfigurationCommand,
  PutObjectCommand,
  type InventoryConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

describe('inventory reports', { concurrency: true }, () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer({ lifecycleDaySeconds: 2 });
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
