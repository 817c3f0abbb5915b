/**
 * Object lock as AWS enforces it: the bucket configuration and its default retention, per-version
 * retention and legal hold, the lock headers of PutObject / CopyObject / CreateMultipartUpload,
 * and every way a version could go — DeleteObject(s) by the root and by users with and without
 * s3:BypassGovernanceRetention, lifecycle, DeleteBucket. One server for the file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
  type S3Client,
  type ObjectLockConfiguration,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

const LOCKED = 'Access Denied because object protected by object lock.';
const MISSING_LOCK = 'Bucket is missing Object Lock Configuration';
const NO_OBJECT_LOCK = 'The specified object does not have a ObjectLock configuration';
const DAY_MS = 86_400_000;
/** Retention dates are kept to the millisecond; AWS's SDKs send whole seconds. */
const inDays = (days: number) => new Date(Math.floor((Date.now() + days * DAY_MS) / 1000) * 1000);

describe('object lock', () => {
  let server: TestServer;
  let s3: S3Client;
  /** A client with a user's keys (stopped with the server). */
  const clientFor = (credentials: { accessKeyId: string; secretAccessKey: string }) => server.client({ credentials });

  before(async () => {
    server = await startServer({ lifecycleDaySeconds: 1 });
    s3 = server.client();
  });
  after(() => server.stop());

  const lockBucket = async (label: string, configuration?: ObjectLockConfiguration['Rule']) => {
    const Bucket = uniqueBucket(label);
    await s3.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
    if (configuration) await s3.send(new PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: configuration } }));
    return Bucket;
  };
  const putLocked = async (Bucket: string, Key: string, mode: 'GOVERNANCE' | 'COMPLIANCE', until = inDays(1)) =>
    (await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key, ObjectLockMode: mode, ObjectLockRetainUntilDate: until }))).VersionId!;

  /** A SigV4-signed raw request by the root (headers and bodies the SDK would not send). */
  const raw = (method: string, path: string, query: string, headers: Record<string, string> = {}, body = '') => {
    const signed = signV4({ method, path, query, host: new URL(server.endpoint).host, headers, body, ...ROOT_KEYS });
    return rawRequest(server.endpoint, { method, path: query ? `${path}?${query}` : path, headers: signed, body });
  };

  test('PutObjectLockConfiguration.enables lock on a versioned bucket; Get answers it, or 404 when the bucket has none', async () => {
    const plain = await server.newBucket('olc-plain');
    await expectS3Error(s3.send(new GetObjectLockConfigurationCommand({ Bucket: plain })), 'ObjectLockConfigurationNotFoundError', 404, 'Object Lock configuration does not exist for this bucket');
    const configuration: ObjectLockConfiguration = { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 5 } } };
    await expectS3Error(
      s3.send(new PutObjectLockConfigurationCommand({ Bucket: plain, ObjectLockConfiguration: configuration })),
      'InvalidBucketState', 409, "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
    );
    const versioned = await server.newBucket('olc-versioned', { versioning: 'Enabled' });
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: versioned, ObjectLockConfiguration: configuration }));
    assert.deepEqual((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: versioned }))).ObjectLockConfiguration, configuration);
    const created = await lockBucket('olc-created');
    assert.deepEqual((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: created }))).ObjectLockConfiguration, { ObjectLockEnabled: 'Enabled' });
  });

  test('PutObjectLockConfiguration.invalid documents answer AWS errors; the body must carry Content-MD5 or a checksum', async () => {
    const Bucket = await lockBucket('olc-invalid');
    const put = (DefaultRetention: Record<string, unknown>) =>
      s3.send(new PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention } } }));
    await expectS3Error(put({ Mode: 'GOVERNANCE', Days: 0 }), 'InvalidArgument', 400, 'Default retention period must be a positive integer value.');
    await expectS3Error(put({ Mode: 'GOVERNANCE', Years: -1 }), 'InvalidArgument', 400, 'Default retention period must be a positive integer value.');
    await expectS3Error(put({ Mode: 'GOVERNANCE', Days: 40_000 }), 'InvalidRetentionPeriod', 400);
    await expectS3Error(put({ Mode: 'GOVERNANCE', Days: 1, Years: 1 }), 'MalformedXML', 400);
    await expectS3Error(put({ Mode: 'GOVERNANCE' }), 'MalformedXML', 400);
    await expectS3Error(put({ Mode: 'FOREVER', Days: 1 }), 'MalformedXML', 400);
    const document = '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>';
    const res = await raw('PUT', `/${Bucket}`, 'object-lock=', {}, document);
    assert.equal(res.status, 400, res.text);
    assert.equal(errorCode(res.text), 'InvalidRequest');
    assert.match(res.text, /Missing required header for this request: Content-MD5/);
  });

  test('DeleteObject.the root cannot delete a COMPLIANCE version, nor shorten, remove or weaken its retention; it can extend it', async () => {
    const Bucket = await lockBucket('compliance');
    const VersionId = await putLocked(Bucket, 'backup', 'COMPLIANCE');
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'backup', VersionId })), 'AccessDenied', 403, LOCKED);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'backup', VersionId, BypassGovernanceRetention: true })), 'AccessDenied', 403, LOCKED);
    const retention = (Mode: 'GOVERNANCE' | 'COMPLIANCE', RetainUntilDate: Date) =>
      s3.send(new PutObjectRetentionCommand({ Bucket, Key: 'backup', VersionId, Retention: { Mode, RetainUntilDate }, BypassGovernanceRetention: true }));
    await expectS3Error(retention('COMPLIANCE', inDays(0.5)), 'AccessDenied', 403, LOCKED);
    await expectS3Error(retention('GOVERNANCE', inDays(2)), 'AccessDenied', 403, LOCKED);
    await expectS3Error(s3.send(new PutObjectRetentionCommand({ Bucket, Key: 'backup', VersionId, Retention: {}, BypassGovernanceRetention: true })), 'AccessDenied', 403, LOCKED);
    const extended = inDays(3);
    await retention('COMPLIANCE', extended);
    const got = await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'backup', VersionId }));
    assert.deepEqual(got.Retention, { Mode: 'COMPLIANCE', RetainUntilDate: extended });
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'backup', VersionId }));
    assert.equal(head.ObjectLockMode, 'COMPLIANCE');
    assert.equal(head.ObjectLockRetainUntilDate?.getTime(), extended.getTime());
    // Without a version id a delete marker goes on top; the locked version stays readable.
    const marker = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'backup' }));
    assert.equal(marker.DeleteMarker, true);
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'backup', VersionId }))).Body!.transformToString(), 'backup');
    // Overwriting makes a new version; the bucket cannot be deleted while it holds versions.
    await s3.send(new PutObjectCommand({ Bucket, Key: 'backup', Body: 'newer' }));
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket })), 'BucketNotEmpty', 409, 'The bucket you tried to delete is not empty');
  });

  test('DeleteObject.GOVERNANCE yields only to x-amz-bypass-governance-retention from a caller with s3:BypassGovernanceRetention', async () => {
    const Bucket = await lockBucket('governance');
    const { identities } = server.coffer;
    const policy = (actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: `arn:aws:s3:::${Bucket}/*` }] });
    await identities.addUser('lock-operator');
    await identities.setPolicy('lock-operator', policy(['s3:DeleteObjectVersion', 's3:PutObjectRetention']));
    const operator = clientFor(await identities.addKey('lock-operator'));
    await identities.addUser('lock-admin');
    await identities.setPolicy('lock-admin', policy(['s3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:BypassGovernanceRetention']));
    const admin = clientFor(await identities.addKey('lock-admin'));

    const first = await putLocked(Bucket, 'k', 'GOVERNANCE');
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: first })), 'AccessDenied', 403, LOCKED);
    await expectS3Error(operator.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: first, BypassGovernanceRetention: true })), 'AccessDenied', 403, LOCKED);
    await expectS3Error(admin.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: first })), 'AccessDenied', 403, LOCKED);
    await admin.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: first, BypassGovernanceRetention: true }));

    const second = await putLocked(Bucket, 'k', 'GOVERNANCE', inDays(2));
    const shorten = (client: S3Client) =>
      client.send(new PutObjectRetentionCommand({ Bucket, Key: 'k', VersionId: second, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) }, BypassGovernanceRetention: true }));
    await expectS3Error(shorten(operator), 'AccessDenied', 403, LOCKED);
    await operator.send(new PutObjectRetentionCommand({ Bucket, Key: 'k', VersionId: second, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(4) } }));
    // Making it COMPLIANCE changes the lock's settings: a bypass too, even for a later date.
    const harden = (client: S3Client, bypass: boolean) =>
      client.send(new PutObjectRetentionCommand({ Bucket, Key: 'k', VersionId: second, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: inDays(5) }, BypassGovernanceRetention: bypass }));
    await expectS3Error(harden(operator, false), 'AccessDenied', 403, LOCKED);
    await expectS3Error(harden(operator, true), 'AccessDenied', 403, LOCKED);
    await expectS3Error(harden(admin, false), 'AccessDenied', 403, LOCKED);
    await shorten(admin);
    await s3.send(new PutObjectRetentionCommand({ Bucket, Key: 'k', VersionId: second, Retention: {}, BypassGovernanceRetention: true }));
    await expectS3Error(s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'k', VersionId: second })), 'NoSuchObjectLockConfiguration', 404, NO_OBJECT_LOCK);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: second }));
    const third = await putLocked(Bucket, 'k', 'GOVERNANCE');
    await admin.send(new PutObjectRetentionCommand({ Bucket, Key: 'k', VersionId: third, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: inDays(2) }, BypassGovernanceRetention: true }));
    assert.equal((await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'k', VersionId: third }))).Retention?.Mode, 'COMPLIANCE');
  });

  test('PutObjectLegalHold.a legal hold blocks deletion, even with a governance bypass, until it is removed', async () => {
    const Bucket = await lockBucket('legal-hold');
    const { VersionId } = await s3.send(new PutObjectCommand({ Bucket, Key: 'evidence', Body: 'x', ObjectLockLegalHoldStatus: 'ON' }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'evidence' }))).ObjectLockLegalHoldStatus, 'ON');
    await expectS3Error(s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'evidence' })), 'NoSuchObjectLockConfiguration', 404, NO_OBJECT_LOCK);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'evidence', VersionId, BypassGovernanceRetention: true })), 'AccessDenied', 403, LOCKED);
    await s3.send(new PutObjectLegalHoldCommand({ Bucket, Key: 'evidence', VersionId, LegalHold: { Status: 'OFF' } }));
    assert.deepEqual((await s3.send(new GetObjectLegalHoldCommand({ Bucket, Key: 'evidence', VersionId }))).LegalHold, { Status: 'OFF' });
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'evidence', VersionId }));
    const other = await s3.send(new PutObjectCommand({ Bucket, Key: 'plain', Body: 'x' }));
    await expectS3Error(s3.send(new GetObjectLegalHoldCommand({ Bucket, Key: 'plain', VersionId: other.VersionId })), 'NoSuchObjectLockConfiguration', 404, NO_OBJECT_LOCK);
    await s3.send(new PutObjectLegalHoldCommand({ Bucket, Key: 'plain', LegalHold: { Status: 'ON' } }));
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'plain', VersionId: other.VersionId })), 'AccessDenied', 403, LOCKED);
  });

  test('DeleteObjects.reports a protected version per key and deletes the others', async () => {
    const Bucket = await lockBucket('batch');
    const locked = await putLocked(Bucket, 'locked', 'COMPLIANCE');
    const free = (await s3.send(new PutObjectCommand({ Bucket, Key: 'free', Body: 'x' }))).VersionId!;
    const result = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'locked', VersionId: locked }, { Key: 'free', VersionId: free }] } }));
    assert.deepEqual(result.Deleted?.map((d) => d.Key), ['free']);
    assert.deepEqual(result.Errors?.map((e) => [e.Key, e.VersionId, e.Code, e.Message]), [['locked', locked, 'AccessDenied', LOCKED]]);
  });

  test('PutObject.the bucket default retention applies to new versions that set none; explicit headers win', async () => {
    const Bucket = await lockBucket('default', { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } });
    const before = Date.now();
    const { VersionId } = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
    assert.equal(head.ObjectLockMode, 'GOVERNANCE');
    const until = head.ObjectLockRetainUntilDate!.getTime();
    assert.ok(until >= before + DAY_MS - 1000 && until <= Date.now() + DAY_MS, `${new Date(until).toISOString()}`);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId })), 'AccessDenied', 403, LOCKED);
    const explicit = inDays(7);
    await putLocked(Bucket, 'k2', 'COMPLIANCE', explicit);
    const second = await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'k2' }));
    assert.deepEqual(second.Retention, { Mode: 'COMPLIANCE', RetainUntilDate: explicit });
  });

  test('PutObject.lock headers are validated as AWS does and need Content-MD5 or a checksum', async () => {
    const plain = await server.newBucket('lock-headers-plain', { versioning: 'Enabled' });
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: plain, Key: 'k', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(1) })),
      'InvalidRequest', 400, MISSING_LOCK,
    );
    await expectS3Error(s3.send(new PutObjectRetentionCommand({ Bucket: plain, Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) } })), 'InvalidRequest', 400, MISSING_LOCK);
    const Bucket = await lockBucket('lock-headers');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ObjectLockMode: 'GOVERNANCE' })), 'InvalidArgument', 400,
      'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(-1) })), 'InvalidArgument', 400,
      'The retain until date must be in the future!');
    const res = await raw('PUT', `/${Bucket}/k`, '', { 'x-amz-object-lock-mode': 'COMPLIANCE', 'x-amz-object-lock-retain-until-date': inDays(1).toISOString() }, 'x');
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /<Code>InvalidRequest<\/Code><Message>Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters<\/Message>/);
    const bad = await raw('PUT', `/${Bucket}/k`, '', { 'x-amz-object-lock-mode': 'FOREVER', 'x-amz-object-lock-retain-until-date': inDays(1).toISOString() }, 'x');
    assert.match(bad.text, /<Code>InvalidArgument<\/Code><Message>Unknown wormMode directive.<\/Message>/);
    assert.equal((await s3.send(new ListObjectVersionsCommand({ Bucket }))).Versions, undefined);
    // An operation that does not apply lock headers refuses them (never a silent lie).
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp' }));
    const part = await raw('PUT', `/${Bucket}/mp`, `partNumber=1&uploadId=${UploadId}`, { 'x-amz-object-lock-mode': 'COMPLIANCE' }, 'x');
    assert.equal(part.status, 501, part.text);
    assert.match(part.text, /<Header>x-amz-object-lock-mode<\/Header>/);
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'mp', UploadId }));
  });

  test('CreateMultipartUpload/CopyObject.the lock the request asks for is applied to the version made (never the copy source\'s)', async () => {
    const Bucket = await lockBucket('mp-copy');
    const until = inDays(2);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until, ObjectLockLegalHoldStatus: 'ON' }));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] } }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'mp', VersionId: done.VersionId }));
    assert.deepEqual([head.ObjectLockMode, head.ObjectLockRetainUntilDate?.getTime(), head.ObjectLockLegalHoldStatus], ['COMPLIANCE', until.getTime(), 'ON']);
    // Its parts need Content-MD5 or a checksum too; aborting it is fine: it made no version.
    const other = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp2', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until }));
    const bare = await raw('PUT', `/${Bucket}/mp2`, `partNumber=1&uploadId=${other.UploadId}`, {}, 'part');
    assert.match(bare.text, /<Code>InvalidRequest<\/Code><Message>Content-MD5 OR x-amz-checksum- HTTP header is required for Put Part requests with Object Lock parameters<\/Message>/);
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'mp2', UploadId: other.UploadId }));

    const copyUntil = inDays(1);
    const copy = await s3.send(new CopyObjectCommand({ Bucket, Key: 'copy', CopySource: `${Bucket}/mp`, ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: copyUntil }));
    const copied = await s3.send(new HeadObjectCommand({ Bucket, Key: 'copy', VersionId: copy.VersionId }));
    assert.deepEqual([copied.ObjectLockMode, copied.ObjectLockRetainUntilDate?.getTime(), copied.ObjectLockLegalHoldStatus], ['GOVERNANCE', copyUntil.getTime(), undefined]);
    const plainCopy = await s3.send(new CopyObjectCommand({ Bucket, Key: 'copy2', CopySource: `${Bucket}/mp` }));
    const head2 = await s3.send(new HeadObjectCommand({ Bucket, Key: 'copy2', VersionId: plainCopy.VersionId }));
    assert.equal(head2.ObjectLockMode, undefined);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'copy2', VersionId: plainCopy.VersionId }));
  });

  test('PutObject.policies can require a lock: s3:object-lock-mode and s3:object-lock-remaining-retention-days', async () => {
    const Bucket = await lockBucket('lock-policy');
    const { identities } = server.coffer;
    await identities.addUser('lock-writer');
    await identities.setPolicy('lock-writer', JSON.stringify({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${Bucket}/*`,
        Condition: { StringEquals: { 's3:object-lock-mode': 'COMPLIANCE' }, NumericGreaterThanEquals: { 's3:object-lock-remaining-retention-days': '2' } },
      }],
    }));
    const writer = clientFor(await identities.addKey('lock-writer'));
    const put = (mode: 'GOVERNANCE' | 'COMPLIANCE' | undefined, days: number) =>
      writer.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ...(mode ? { ObjectLockMode: mode, ObjectLockRetainUntilDate: inDays(days) } : {}) }));
    await expectS3Error(put(undefined, 0), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(put('GOVERNANCE', 3), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(put('COMPLIANCE', 1), 'AccessDenied', 403, 'Access Denied');
    await put('COMPLIANCE', 3);
  });

  test('Lifecycle.noncurrent expiration skips a locked version and removes an unlocked one', async () => {
    const Bucket = await lockBucket('lifecycle');
    const locked = await putLocked(Bucket, 'locked', 'GOVERNANCE');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'locked', Body: 'newer' }));
    const free = (await s3.send(new PutObjectCommand({ Bucket, Key: 'free', Body: 'x' }))).VersionId!;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'free', Body: 'newer' }));
    await s3.send(new PutBucketLifecycleConfigurationCommand({
      Bucket, LifecycleConfiguration: { Rules: [{ ID: 'old', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }] },
    }));
    const deadline = Date.now() + 15_000;
    const ids = async () => ((await s3.send(new ListObjectVersionsCommand({ Bucket }))).Versions ?? []).map((v) => v.VersionId);
    while ((await ids()).includes(free)) {
      assert.ok(Date.now() < deadline, 'the unlocked noncurrent version was never expired');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok((await ids()).includes(locked));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'locked', VersionId: locked }))).Body!.transformToString(), 'locked');
  });
});
