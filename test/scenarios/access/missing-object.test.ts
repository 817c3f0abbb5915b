/**
 * A second user reading what is not there, and copying what belongs to someone else, over HTTP:
 * AWS answers a missing object's 404 only to a caller also allowed s3:ListBucket (403 AccessDenied
 * to anyone else), and authorizes a copy source by its own ACL and policy (s3:GetObject, or
 * s3:GetObjectVersion when the source names a version).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAclCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { canonicalIdFor } from '../../../src/auth/users.js';
import { NEEDS_INTERNALS, OTHER_USER, ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

const DENIED = 'Access Denied';
const NO_KEY = 'The specified key does not exist.';
const NO_VERSION = 'The specified version does not exist.';
const MISSING_VERSION = 'A'.repeat(32);
const OTHER_GRANT = `id="${OTHER_USER.id}"`;

describe('access.missing objects and copy sources across owners', { skip: NEEDS_INTERNALS }, () => {
  let server: TestServer;
  let root: S3Client;
  let other: S3Client;
  let otherArn: string;
  let otherBucket: string;
  before(async () => {
    server = await startServer({ bucketDefaults: 'legacy' });
    root = server.client();
    other = server.otherClient();
    otherArn = `arn:aws:iam::${server.coffer.accountId}:user/${OTHER_USER.displayName}`;
    otherBucket = uniqueBucket('mine');
    await other.send(new CreateBucketCommand({ Bucket: otherBucket }));
  });
  after(() => server.stop());

  const allowOther = (bucket: string, statements: { Action: string[]; Resource: string }[]) =>
    root.send(new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements.map((s) => ({ Effect: 'Allow', Principal: { AWS: otherArn }, ...s })) }),
    }));

  /** Every read that hides a missing object, as the other user: 404 when `found`, else 403 (HEAD answers without a body). */
  async function expectMissingReads(bucket: string, found: boolean): Promise<void> {
    const [code, status, message] = found ? ['NoSuchKey', 404, NO_KEY] as const : ['AccessDenied', 403, DENIED] as const;
    await expectS3Error(other.send(new GetObjectCommand({ Bucket: bucket, Key: 'absent' })), code, status, message);
    const head = await other.send(new HeadObjectCommand({ Bucket: bucket, Key: 'absent' })).then(() => undefined, (e: { $metadata?: { httpStatusCode?: number } }) => e);
    assert.equal(head?.$metadata?.httpStatusCode, status, 'HeadObject');
    await expectS3Error(other.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'absent' })), code, status, message);
    await expectS3Error(other.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'absent' })), code, status, message);
    await expectS3Error(other.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'absent', ObjectAttributes: ['ETag'] })), code, status, message);
    await expectS3Error(
      other.send(new GetObjectCommand({ Bucket: bucket, Key: 'absent', VersionId: MISSING_VERSION })),
      found ? 'NoSuchVersion' : 'AccessDenied', status, found ? NO_VERSION : DENIED,
    );
  }

  it('GetObject.missingKey with a bucket policy → 403 without s3:ListBucket, 404 NoSuchKey with it', async () => {
    const bucket = await server.newBucket('miss-pol', { keys: ['there'] });
    const reads = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectAcl', 's3:GetObjectAttributes'];
    await allowOther(bucket, [{ Action: reads, Resource: `arn:aws:s3:::${bucket}/*` }]);
    await expectMissingReads(bucket, false);
    assert.equal(await (await other.send(new GetObjectCommand({ Bucket: bucket, Key: 'there' }))).Body?.transformToString(), 'there');
    await allowOther(bucket, [
      { Action: reads, Resource: `arn:aws:s3:::${bucket}/*` },
      { Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${bucket}` },
    ]);
    await expectMissingReads(bucket, true);
  });

  it('GetObject.missingKey with ACL grants → 404 only once the bucket ACL lets the other user list; existing objects stay private', async () => {
    const bucket = await server.newBucket('miss-acl', { keys: ['private'] });
    await expectMissingReads(bucket, false);
    await root.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: OTHER_GRANT, GrantFullControl: `id="${canonicalIdFor(ROOT_KEYS.accessKeyId)}"` }));
    await expectMissingReads(bucket, true);
    await expectS3Error(other.send(new GetObjectCommand({ Bucket: bucket, Key: 'private' })), 'AccessDenied', 403, DENIED);
    // The owner is always allowed to list: 404 as before.
    await expectS3Error(root.send(new GetObjectCommand({ Bucket: bucket, Key: 'absent' })), 'NoSuchKey', 404, NO_KEY);
  });

  it('CopyObject.sourceOfAnotherOwner → allowed by the source object ACL, refused without it', async () => {
    const bucket = await server.newBucket('copy-acl', { keys: ['granted', 'private'] });
    await root.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'granted', GrantRead: OTHER_GRANT }));
    await other.send(new CopyObjectCommand({ Bucket: otherBucket, Key: 'copy', CopySource: `${bucket}/granted` }));
    assert.equal(await (await other.send(new GetObjectCommand({ Bucket: otherBucket, Key: 'copy' }))).Body?.transformToString(), 'granted');
    await expectS3Error(other.send(new CopyObjectCommand({ Bucket: otherBucket, Key: 'copy', CopySource: `${bucket}/private` })), 'AccessDenied', 403, DENIED);
    const upload = await other.send(new CreateMultipartUploadCommand({ Bucket: otherBucket, Key: 'parts' }));
    const part = { Bucket: otherBucket, Key: 'parts', UploadId: upload.UploadId, PartNumber: 1 };
    const copied = await other.send(new UploadPartCopyCommand({ ...part, CopySource: `${bucket}/granted` }));
    assert.ok(copied.CopyPartResult?.ETag);
    await expectS3Error(other.send(new UploadPartCopyCommand({ ...part, CopySource: `${bucket}/private` })), 'AccessDenied', 403, DENIED);
  });

  it('CopyObject.missingSource → 403 without s3:ListBucket on the source bucket, 404 NoSuchKey with it', async () => {
    const bucket = await server.newBucket('copy-miss');
    await allowOther(bucket, [{ Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${bucket}/*` }]);
    const copy = () => other.send(new CopyObjectCommand({ Bucket: otherBucket, Key: 'copy', CopySource: `${bucket}/absent` }));
    await expectS3Error(copy(), 'AccessDenied', 403, DENIED);
    await allowOther(bucket, [
      { Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${bucket}/*` },
      { Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${bucket}` },
    ]);
    await expectS3Error(copy(), 'NoSuchKey', 404, NO_KEY);
  });

  it('CopyObject.sourceVersionId → needs s3:GetObjectVersion; s3:GetObject alone is refused', async () => {
    const bucket = await server.newBucket('copy-ver', { versioning: 'Enabled' });
    const { VersionId } = await root.send(new PutObjectCommand({ Bucket: bucket, Key: 'v', Body: 'one' }));
    const copy = () => other.send(new CopyObjectCommand({ Bucket: otherBucket, Key: 'copy-v', CopySource: `${bucket}/v?versionId=${VersionId}` }));
    await allowOther(bucket, [{ Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${bucket}/*` }]);
    await expectS3Error(copy(), 'AccessDenied', 403, DENIED);
    await allowOther(bucket, [{ Action: ['s3:GetObjectVersion'], Resource: `arn:aws:s3:::${bucket}/*` }]);
    await copy();
    assert.equal(await (await other.send(new GetObjectCommand({ Bucket: otherBucket, Key: 'copy-v' }))).Body?.transformToString(), 'one');
  });
});
