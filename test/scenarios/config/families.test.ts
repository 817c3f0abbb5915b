import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketAnalyticsConfigurationCommand,
  DeleteBucketIntelligentTieringConfigurationCommand,
  DeleteBucketMetricsConfigurationCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketAnalyticsConfigurationCommand,
  GetBucketIntelligentTieringConfigurationCommand,
  GetBucketMetricsConfigurationCommand,
  GetBucketRequestPaymentCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketAnalyticsConfigurationsCommand,
  ListBucketIntelligentTieringConfigurationsCommand,
  ListBucketMetricsConfigurationsCommand,
  PutBucketAccelerateConfigurationCommand,
  PutBucketAnalyticsConfigurationCommand,
  PutBucketIntelligentTieringConfigurationCommand,
  PutBucketMetricsConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketRequestPaymentCommand,
  PutObjectCommand,
  RestoreObjectCommand,
  UploadPartCopyCommand,
  type AnalyticsConfiguration,
  type IntelligentTieringConfiguration,
  type MetricsConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { signedRequest } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

describe('bucket configuration families', { concurrency: true }, () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  const rawPut = (bucket: string, query: string, body: string) => signedRequest(server.endpoint, ROOT_KEYS, { method: 'PUT', path: `/${bucket}`, query, body });

  // ---- accelerate ----

  test('GetBucketAccelerateConfiguration.neverSetIsEmpty', async () => {
    const bucket = await server.newBucket('acc');
    const got = await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: bucket }));
    assert.equal(got.$metadata.httpStatusCode, 200);
    assert.equal(got.Status, undefined);
  });

  test('PutBucketAccelerateConfiguration.roundTrip', async () => {
    const bucket = await server.newBucket('acc');
    for (const Status of ['Enabled', 'Suspended'] as const) {
      await s3.send(new PutBucketAccelerateConfigurationCommand({ Bucket: bucket, AccelerateConfiguration: { Status } }));
      assert.equal((await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: bucket }))).Status, Status);
    }
  });

  test('PutBucketAccelerateConfiguration.invalidStatus', async () => {
    const bucket = await server.newBucket('acc');
    const response = await rawPut(bucket, 'accelerate', '<AccelerateConfiguration><Status>On</Status></AccelerateConfiguration>');
    assert.equal(response.status, 400);
    assert.match(response.text, /<Code>MalformedXML<\/Code>/);
  });

  test('PutBucketAccelerateConfiguration.dottedBucketName', async () => {
    const bucket = `acc.${uniqueBucket('dots')}`.slice(0, 63);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(
      s3.send(new PutBucketAccelerateConfigurationCommand({ Bucket: bucket, AccelerateConfiguration: { Status: 'Enabled' } })),
      'InvalidRequest', 400, 'S3 Transfer Acceleration is not supported for buckets with periods (.) in their names',
    );
  });

  // ---- request payment ----

  test('PutBucketRequestPayment.roundTripAndRequestCharged', async () => {
    const bucket = await server.newBucket('pay', { keys: ['k'] });
    assert.equal((await s3.send(new GetBucketRequestPaymentCommand({ Bucket: bucket }))).Payer, 'BucketOwner');
    const notCharged = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k', RequestPayer: 'requester' }));
    assert.equal(notCharged.RequestCharged, undefined);
    await s3.send(new PutBucketRequestPaymentCommand({ Bucket: bucket, RequestPaymentConfiguration: { Payer: 'Requester' } }));
    assert.equal((await s3.send(new GetBucketRequestPaymentCommand({ Bucket: bucket }))).Payer, 'Requester');
    const charged = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k', RequestPayer: 'requester' }));
    assert.equal(charged.RequestCharged, 'requester');
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k2', Body: 'x', RequestPayer: 'requester' }));
    assert.equal(put.RequestCharged, 'requester');
    const plain = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(plain.RequestCharged, undefined);
  });

  test('PutBucketRequestPayment.aRequesterPaysBucketRefusesAnonymousRequests', async () => {
    const bucket = await server.newBucket('pay', { keys: ['k'] });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] }) }));
    const anonymous = () => fetch(`${server.endpoint}/${bucket}/k`);
    assert.equal((await anonymous()).status, 200);
    await s3.send(new PutBucketRequestPaymentCommand({ Bucket: bucket, RequestPaymentConfiguration: { Payer: 'Requester' } }));
    const refused = await anonymous();
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /<Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);
    // The owner's own requests need no acknowledgement of the charge.
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    await s3.send(new PutBucketRequestPaymentCommand({ Bucket: bucket, RequestPaymentConfiguration: { Payer: 'BucketOwner' } }));
    assert.equal((await anonymous()).status, 200);
  });

  test('PutBucketRequestPayment.invalidPayer', async () => {
    const bucket = await server.newBucket('pay');
    const response = await rawPut(bucket, 'requestPayment', '<RequestPaymentConfiguration><Payer>Nobody</Payer></RequestPaymentConfiguration>');
    assert.equal(response.status, 400);
    assert.match(response.text, /<Code>MalformedXML<\/Code>/);
  });

  // ---- analytics / metrics / intelligent-tiering ----

  const analyticsConfig = (Id: string): AnalyticsConfiguration => ({
    Id,
    Filter: { And: { Prefix: 'docs/', Tags: [{ Key: 'team', Value: 'a' }] } },
    StorageClassAnalysis: {
      DataExport: { OutputSchemaVersion: 'V_1', Destination: { S3BucketDestination: { Format: 'CSV', Bucket: 'arn:aws:s3:::reports', Prefix: 'analytics/' } } },
    },
  });

  test('PutBucketAnalyticsConfiguration.roundTripAndDelete', async () => {
    const bucket = await server.newBucket('an');
    await expectS3Error(s3.send(new GetBucketAnalyticsConfigurationCommand({ Bucket: bucket, Id: 'one' })), 'NoSuchConfiguration', 404, 'The specified configuration does not exist.');
    await s3.send(new PutBucketAnalyticsConfigurationCommand({ Bucket: bucket, Id: 'one', AnalyticsConfiguration: analyticsConfig('one') }));
    const got = await s3.send(new GetBucketAnalyticsConfigurationCommand({ Bucket: bucket, Id: 'one' }));
    assert.deepEqual(got.AnalyticsConfiguration, analyticsConfig('one'));
    assert.equal((await s3.send(new DeleteBucketAnalyticsConfigurationCommand({ Bucket: bucket, Id: 'one' }))).$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new DeleteBucketAnalyticsConfigurationCommand({ Bucket: bucket, Id: 'one' })), 'NoSuchConfiguration', 404, 'The specified configuration does not exist.');
  });

  test('PutBucketAnalyticsConfiguration.idMismatch', async () => {
    const bucket = await server.newBucket('an');
    await expectS3Error(
      s3.send(new PutBucketAnalyticsConfigurationCommand({ Bucket: bucket, Id: 'one', AnalyticsConfiguration: analyticsConfig('two') })),
      'InvalidArgument', 400, 'Document ID does not match the specified configuration ID.',
    );
  });

  test('ListBucketAnalyticsConfigurations.pagesWithContinuationTokens', async () => {
    const bucket = await server.newBucket('an');
    const ids = Array.from({ length: 150 }, (_, i) => `id-${String(i).padStart(3, '0')}`);
    await Promise.all(ids.map((Id) => s3.send(new PutBucketAnalyticsConfigurationCommand({ Bucket: bucket, Id, AnalyticsConfiguration: analyticsConfig(Id) }))));
    const first = await s3.send(new ListBucketAnalyticsConfigurationsCommand({ Bucket: bucket }));
    assert.equal(first.IsTruncated, true);
    assert.equal(first.AnalyticsConfigurationList?.length, 100);
    const second = await s3.send(new ListBucketAnalyticsConfigurationsCommand({ Bucket: bucket, ContinuationToken: first.NextContinuationToken }));
    assert.equal(second.IsTruncated, false);
    assert.equal(second.ContinuationToken, first.NextContinuationToken);
    assert.equal(second.NextContinuationToken, undefined);
    assert.deepEqual([...first.AnalyticsConfigurationList!, ...second.AnalyticsConfigurationList!].map((c) => c.Id), ids);
    await expectS3Error(
      s3.send(new ListBucketAnalyticsConfigurationsCommand({ Bucket: bucket, ContinuationToken: 'bogus' })),
      'InvalidArgument', 400, 'The continuation token provided is incorrect',
    );
  });

  test('PutBucketMetricsConfiguration.roundTripAndList', async () => {
    const bucket = await server.newBucket('met');
    const configs: MetricsConfiguration[] = [
      { Id: 'all' },
      { Id: 'prefix', Filter: { Prefix: 'logs/' } },
      { Id: 'tag', Filter: { Tag: { Key: 'k', Value: 'v' } } },
    ];
    for (const config of configs) await s3.send(new PutBucketMetricsConfigurationCommand({ Bucket: bucket, Id: config.Id, MetricsConfiguration: config }));
    assert.deepEqual((await s3.send(new GetBucketMetricsConfigurationCommand({ Bucket: bucket, Id: 'tag' }))).MetricsConfiguration, configs[2]);
    const listed = await s3.send(new ListBucketMetricsConfigurationsCommand({ Bucket: bucket }));
    assert.equal(listed.IsTruncated, false);
    assert.deepEqual(listed.MetricsConfigurationList, configs);
    await s3.send(new DeleteBucketMetricsConfigurationCommand({ Bucket: bucket, Id: 'all' }));
    assert.deepEqual((await s3.send(new ListBucketMetricsConfigurationsCommand({ Bucket: bucket }))).MetricsConfigurationList?.map((c) => c.Id), ['prefix', 'tag']);
  });

  test('PutBucketMetricsConfiguration.filterWithTwoConditions', async () => {
    const bucket = await server.newBucket('met');
    const response = await rawPut(bucket, 'metrics&id=x', '<MetricsConfiguration><Id>x</Id><Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter></MetricsConfiguration>');
    assert.equal(response.status, 400);
    assert.match(response.text, /<Code>MalformedXML<\/Code>/);
  });

  const tiering = (Id: string, days = 90): IntelligentTieringConfiguration => ({
    Id, Status: 'Enabled', Filter: { Prefix: 'cold/' }, Tierings: [{ Days: days, AccessTier: 'ARCHIVE_ACCESS' }, { Days: 180, AccessTier: 'DEEP_ARCHIVE_ACCESS' }],
  });

  test('PutBucketIntelligentTieringConfiguration.roundTripListDelete', async () => {
    const bucket = await server.newBucket('it');
    await s3.send(new PutBucketIntelligentTieringConfigurationCommand({ Bucket: bucket, Id: 'a', IntelligentTieringConfiguration: tiering('a') }));
    assert.deepEqual((await s3.send(new GetBucketIntelligentTieringConfigurationCommand({ Bucket: bucket, Id: 'a' }))).IntelligentTieringConfiguration, tiering('a'));
    const listed = await s3.send(new ListBucketIntelligentTieringConfigurationsCommand({ Bucket: bucket }));
    assert.deepEqual(listed.IntelligentTieringConfigurationList, [tiering('a')]);
    await s3.send(new DeleteBucketIntelligentTieringConfigurationCommand({ Bucket: bucket, Id: 'a' }));
    await expectS3Error(s3.send(new GetBucketIntelligentTieringConfigurationCommand({ Bucket: bucket, Id: 'a' })), 'NoSuchConfiguration', 404, 'The specified configuration does not exist.');
  });

  test('PutBucketIntelligentTieringConfiguration.daysOutOfRange', async () => {
    const bucket = await server.newBucket('it');
    await expectS3Error(
      s3.send(new PutBucketIntelligentTieringConfigurationCommand({ Bucket: bucket, Id: 'a', IntelligentTieringConfiguration: tiering('a', 30) })),
      'InvalidArgument', 400, 'The Days for AccessTier ARCHIVE_ACCESS must be between 90 and 730.',
    );
  });

  // ---- archived objects ----

  test('RestoreObject.notArchived', async () => {
    const bucket = await server.newBucket('rs', { keys: ['k'] });
    await expectS3Error(
      s3.send(new RestoreObjectCommand({ Bucket: bucket, Key: 'k', RestoreRequest: { Days: 1 } })),
      'InvalidObjectState', 403, "Restore is not allowed for the object's current storage class",
    );
  });

  test('RestoreObject.glacierReadableAfterRestore', async () => {
    const bucket = await server.newBucket('rs');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cold', Body: 'frozen', StorageClass: 'GLACIER' }));
    const e = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cold' })), 'InvalidObjectState', 403, "The operation is not valid for the object's storage class");
    assert.equal(e.StorageClass, 'GLACIER');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'cold' }));
    assert.equal(head.StorageClass, 'GLACIER');
    assert.equal(head.Restore, undefined);
    // A copy reads the source as a GET does: not before the restore.
    const copy = () => s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'warm', CopySource: `${bucket}/cold` }));
    await expectS3Error(copy(), 'InvalidObjectState', 403, "The operation is not valid for the object's storage class");
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'warm-parts' }));
    const partCopy = () => s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'warm-parts', UploadId, PartNumber: 1, CopySource: `${bucket}/cold` }));
    await expectS3Error(partCopy(), 'InvalidObjectState', 403, "The operation is not valid for the object's storage class");
    const restored = await s3.send(new RestoreObjectCommand({ Bucket: bucket, Key: 'cold', RestoreRequest: { Days: 2, GlacierJobParameters: { Tier: 'Standard' } } }));
    assert.equal(restored.$metadata.httpStatusCode, 202);
    const again = await s3.send(new RestoreObjectCommand({ Bucket: bucket, Key: 'cold', RestoreRequest: { Days: 3 } }));
    assert.equal(again.$metadata.httpStatusCode, 200);
    const get = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cold' }));
    assert.equal(await get.Body!.transformToString(), 'frozen');
    assert.match(get.Restore ?? '', /^ongoing-request="false", expiry-date="[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} 00:00:00 GMT"$/);
    await copy();
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'warm' }))).Body!.transformToString(), 'frozen');
    await partCopy();
  });
});
