import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { contentMd5, signedRequest } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';

describe('bucket lifecycle configuration', { concurrency: true }, () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  const putRules = (Bucket: string, Rules: LifecycleRule[]) =>
    s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));

  /** A raw PUT ?lifecycle with this document (for documents the SDK would not build). */
  const putDocument = (bucket: string, body: string) =>
    signedRequest(server.endpoint, ROOT_KEYS, { method: 'PUT', path: `/${bucket}`, query: 'lifecycle', body, headers: { 'content-md5': contentMd5(body) } });
  const ruleXml = (inner: string) => `<LifecycleConfiguration><Rule>${inner}</Rule></LifecycleConfiguration>`;

  test('GetBucketLifecycleConfiguration.notConfigured', async () => {
    const bucket = await server.newBucket('lc');
    const e = await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), 'NoSuchLifecycleConfiguration', 404, 'The lifecycle configuration does not exist');
    assert.equal(e.BucketName, bucket);
  });

  test('PutBucketLifecycleConfiguration.roundTripEveryElement', async () => {
    const bucket = await server.newBucket('lc');
    const rules: LifecycleRule[] = [
      { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } },
      {
        ID: 'and', Status: 'Disabled',
        Filter: { And: { Prefix: 'p/', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }], ObjectSizeGreaterThan: 10, ObjectSizeLessThan: 1000 } },
        Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 90, StorageClass: 'GLACIER' }],
        NoncurrentVersionTransitions: [{ NoncurrentDays: 40, StorageClass: 'GLACIER', NewerNoncurrentVersions: 2 }],
        NoncurrentVersionExpiration: { NoncurrentDays: 100, NewerNoncurrentVersions: 3 },
      },
      { ID: 'tag', Status: 'Enabled', Filter: { Tag: { Key: 'k', Value: 'v' } }, Expiration: { Date: new Date('2030-01-01T00:00:00Z') } },
      { ID: 'size', Status: 'Enabled', Filter: { ObjectSizeGreaterThan: 5 }, Transitions: [{ Date: new Date('2031-02-03T00:00:00Z'), StorageClass: 'DEEP_ARCHIVE' }] },
      { ID: 'markers', Status: 'Enabled', Filter: {}, Expiration: { ExpiredObjectDeleteMarker: true }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
    ];
    const put = await putRules(bucket, rules);
    assert.equal(put.TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K');
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    assert.equal(got.TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K');
    assert.deepEqual(got.Rules, rules);
  });

  test('PutBucketLifecycle.legacyPrefixRoundTrip', async () => {
    const bucket = await server.newBucket('lc');
    const response = await putDocument(bucket, ruleXml('<ID>old</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>3</Days></Expiration>'));
    assert.equal(response.status, 200, response.text);
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    assert.deepEqual(got.Rules, [{ ID: 'old', Prefix: 'logs/', Status: 'Enabled', Expiration: { Days: 3 } }]);
  });

  test('PutBucketLifecycleConfiguration.generatesMissingId', async () => {
    const bucket = await server.newBucket('lc');
    await putRules(bucket, [{ Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } }]);
    const [rule] = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules!;
    assert.match(rule!.ID ?? '', /^[A-Za-z0-9_-]{20,}$/);
  });

  test('DeleteBucketLifecycle.removesConfiguration', async () => {
    const bucket = await server.newBucket('lc');
    await putRules(bucket, [{ ID: 'x', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }]);
    assert.equal((await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }))).$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), 'NoSuchLifecycleConfiguration', 404, 'The lifecycle configuration does not exist');
    assert.equal((await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }))).$metadata.httpStatusCode, 204);
  });

  const invalid: Array<[string, () => LifecycleRule[], string, number, string]> = [
    ['expirationDaysZero', () => [{ ID: 'a', Status: 'Enabled', Filter: {}, Expiration: { Days: 0 } }], 'InvalidArgument', 400, "'Days' for Expiration action must be a positive integer"],
    ['noncurrentDaysZero', () => [{ ID: 'a', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 0 } }], 'InvalidArgument', 400, "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"],
    ['abortDaysZero', () => [{ ID: 'a', Status: 'Enabled', Filter: {}, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 0 } }], 'InvalidArgument', 400, "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"],
    ['duplicateIds', () => [
      { ID: 'same', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } },
      { ID: 'same', Status: 'Enabled', Filter: { Prefix: 'x' }, Expiration: { Days: 2 } },
    ], 'InvalidArgument', 400, 'Rule ID must be unique. Found same ID for more than one rule'],
    ['idTooLong', () => [{ ID: 'i'.repeat(256), Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }], 'InvalidArgument', 400, 'ID length should not exceed allowed limit of 255'],
    ['dateNotMidnight', () => [{ ID: 'a', Status: 'Enabled', Filter: {}, Expiration: { Date: new Date('2030-01-01T12:00:00Z') } }], 'InvalidArgument', 400, "'Date' must be at midnight GMT"],
    ['noAction', () => [{ ID: 'a', Status: 'Enabled', Filter: {} }], 'InvalidRequest', 400, 'At least one action needs to be specified in a rule'],
    ['transitionIaUnder30Days', () => [{ ID: 'a', Status: 'Enabled', Filter: {}, Transitions: [{ Days: 10, StorageClass: 'STANDARD_IA' }] }], 'InvalidArgument', 400, "'Days' in Transition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'"],
    ['abortWithTags', () => [{ ID: 'a', Status: 'Enabled', Filter: { Tag: { Key: 'k', Value: 'v' } }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }], 'InvalidRequest', 400, 'AbortIncompleteMultipartUpload cannot be specified with Tags.'],
    ['markerWithTags', () => [{ ID: 'a', Status: 'Enabled', Filter: { Tag: { Key: 'k', Value: 'v' } }, Expiration: { ExpiredObjectDeleteMarker: true } }], 'InvalidRequest', 400, 'ExpiredObjectDeleteMarker cannot be specified with Tags.'],
    ['duplicateTagKeys', () => [{ ID: 'a', Status: 'Enabled', Filter: { And: { Tags: [{ Key: 'k', Value: '1' }, { Key: 'k', Value: '2' }] } }, Expiration: { Days: 1 } }], 'InvalidRequest', 400, 'Duplicate Tag Keys are not allowed.'],
    ['expirationBeforeTransition', () => [{ ID: 'a', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 5 }, Transitions: [{ Days: 10, StorageClass: 'GLACIER' }] }], 'InvalidArgument', 400, "'Days' in the Expiration action for prefix 'logs/' must be greater than 'Days' in the Transition action"],
    ['expirationDateBeforeTransitionDate', () => [{ ID: 'a', Status: 'Enabled', Filter: {}, Expiration: { Date: new Date('2030-01-01T00:00:00Z') }, Transitions: [{ Date: new Date('2030-02-01T00:00:00Z'), StorageClass: 'GLACIER' }] }], 'InvalidArgument', 400, "'Date' in the Expiration action for prefix '' must be later than 'Date' in the Transition action"],
    ['mixedDateAndDays', () => [{ ID: 'a', Status: 'Enabled', Filter: {}, Expiration: { Days: 40 }, Transitions: [{ Date: new Date('2030-01-01T00:00:00Z'), StorageClass: 'GLACIER' }] }], 'InvalidRequest', 400, "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule for prefix ''"],
    ['mixedTransitions', () => [{ ID: 'a', Status: 'Enabled', Filter: {}, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Date: new Date('2030-01-01T00:00:00Z'), StorageClass: 'GLACIER' }] }], 'InvalidRequest', 400, "Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule for prefix ''"],
    ['newerNoncurrentVersionsOver100', () => [{ ID: 'a', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 101 } }], 'InvalidArgument', 400, "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100"],
    ['tooManyRules', () => Array.from({ length: 1001 }, (_, i) => ({ ID: `r${i}`, Status: 'Enabled' as const, Filter: { Prefix: `p${i}/` }, Expiration: { Days: 1 } })), 'MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema'],
  ];
  for (const [name, rules, code, status, message] of invalid) {
    test(`PutBucketLifecycleConfiguration.${name}`, async () => {
      const bucket = await server.newBucket('lc');
      await expectS3Error(putRules(bucket, rules()), code, status, message);
      await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), 'NoSuchLifecycleConfiguration', 404, 'The lifecycle configuration does not exist');
    });
  }

  const malformed: Array<[string, string]> = [
    ['badStatus', '<ID>a</ID><Filter/><Status>On</Status><Expiration><Days>1</Days></Expiration>'],
    ['prefixAndFilter', '<ID>a</ID><Prefix>x</Prefix><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>'],
    ['neitherPrefixNorFilter', '<ID>a</ID><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>'],
    ['daysAndDate', '<ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>'],
    ['twoFilterConditions', '<ID>a</ID><Filter><Prefix>a</Prefix><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>'],
    ['unknownElement', '<ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration><Bogus/>'],
    ['daysNotNumber', '<ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>one</Days></Expiration>'],
    ['unknownStorageClass', '<ID>a</ID><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>TAPE</StorageClass></Transition>'],
  ];
  for (const [name, inner] of malformed) {
    test(`PutBucketLifecycleConfiguration.malformed.${name}`, async () => {
      const bucket = await server.newBucket('lc');
      const response = await putDocument(bucket, ruleXml(inner));
      assert.equal(response.status, 400, response.text);
      assert.match(response.text, /<Code>MalformedXML<\/Code>/);
    });
  }

  test('PutObject.expirationHeaderOnPutGetHead', async () => {
    const bucket = await server.newBucket('lc');
    await putRules(bucket, [
      { ID: 'far', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 30 } },
      { ID: 'near', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 2 } },
    ]);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/x', Body: 'x' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'logs/x' }));
    const get = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'logs/x' }));
    await get.Body!.transformToString();
    // Two days after the write, rounded up to the next midnight UTC.
    const day = 86_400_000;
    const expected = new Date(Math.ceil((head.LastModified!.getTime() + 2 * day) / day) * day).toUTCString();
    for (const expiration of [put.Expiration, head.Expiration, get.Expiration]) {
      assert.equal(expiration, `expiry-date="${expected}", rule-id="near"`);
    }
    const other = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/y', Body: 'y' }));
    assert.match(other.Expiration ?? '', /rule-id="far"$/);
    // A copy is announced too.
    const copy = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'logs/copy', CopySource: `${bucket}/logs/x` }));
    assert.equal(copy.Expiration, `expiry-date="${expected}", rule-id="near"`);
  });

  test('PutObject.expirationHeader: the rule id URL-encoded, as AWS sends it', async () => {
    const bucket = await server.newBucket('lc');
    await putRules(bucket, [{ ID: 'my rule/x&y', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 3 } }]);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'k' }));
    assert.match(put.Expiration ?? '', /, rule-id="my%20rule%2Fx%26y"$/);
  });

  test('CompleteMultipartUpload.expirationHeader', async () => {
    const bucket = await server.newBucket('lc');
    await putRules(bucket, [{ ID: 'mpu', Status: 'Enabled', Filter: { Prefix: 'big/' }, Expiration: { Days: 5 } }]);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big/x' }));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'big/x', UploadId, PartNumber: 1, Body: 'one part' }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'big/x', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    assert.match(done.Expiration ?? '', /^expiry-date="[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} 00:00:00 GMT", rule-id="mpu"$/);
  });

  test('CreateMultipartUpload.abortDateHeaders', async () => {
    const bucket = await server.newBucket('lc');
    await putRules(bucket, [{ ID: 'abort-tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 } }]);
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'tmp/a' }));
    assert.equal(created.AbortRuleId, 'abort-tmp');
    assert.ok(created.AbortDate && created.AbortDate.getTime() % 86_400_000 === 0);
    assert.ok(created.AbortDate.getTime() - Date.now() > 2 * 86_400_000);
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'tmp/a', UploadId: created.UploadId }));
    assert.equal(parts.AbortRuleId, 'abort-tmp');
    assert.equal(parts.AbortDate?.getTime(), created.AbortDate.getTime());
    const elsewhere = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'keep/a' }));
    assert.equal(elsewhere.AbortRuleId, undefined);
  });
});
