/**
 * ACLs, object ownership, public access block and anonymous access, over HTTP. One server with
 * `--bucket-defaults legacy` (ObjectWriter, no block: ACLs take effect) and one with today's AWS
 * defaults (ACLs disabled, public access blocked).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketOwnershipControlsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { OTHER_USER, ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { canonicalIdFor } from '../../../src/auth/users.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const ROOT_ID = canonicalIdFor(ROOT_KEYS.accessKeyId);
const OTHER_EMAIL = 'other@example.com';
const NO_ACLS = 'The bucket does not allow ACLs';

describe('ACLs (legacy bucket defaults)', () => {
  let server: TestServer;
  let s3: S3Client;
  let other: S3Client;
  before(async () => {
    server = await startServer({ bucketDefaults: 'legacy', users: [{ ...OTHER_USER, email: OTHER_EMAIL }] });
    s3 = server.client();
    other = server.otherClient();
  });
  after(() => server.stop());

  it('GetBucketAcl.newBucket → owner FULL_CONTROL only', async () => {
    const bucket = await server.newBucket('acl-get');
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
    assert.equal(acl.Owner?.ID, ROOT_ID);
    assert.deepEqual(acl.Grants?.map((g) => [g.Grantee?.Type, g.Grantee?.ID, g.Permission]), [['CanonicalUser', ROOT_ID, 'FULL_CONTROL']]);
  });

  it('PutObject.publicRead → served to anonymous GET (fetch and curl); private objects are not', async () => {
    const bucket = await server.newBucket('acl-public');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'open.txt', Body: 'hello world', ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'closed.txt', Body: 'secret' }));
    const open = await fetch(`${server.endpoint}/${bucket}/open.txt`);
    assert.equal(open.status, 200);
    assert.equal(await open.text(), 'hello world');
    const closed = await fetch(`${server.endpoint}/${bucket}/closed.txt`);
    assert.equal(closed.status, 403);
    assert.match(await closed.text(), /<Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);
    const listing = await fetch(`${server.endpoint}/${bucket}`);
    assert.equal(listing.status, 403);
    if (existsSync('/usr/bin/curl')) {
      // Asynchronously: the server runs in this process.
      const { stdout } = await promisify(execFile)('/usr/bin/curl', ['-sf', `${server.endpoint}/${bucket}/open.txt`], { encoding: 'utf8' });
      assert.equal(stdout, 'hello world');
    }
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'open.txt' }));
    assert.deepEqual(acl.Grants?.map((g) => [g.Grantee?.Type, g.Grantee?.URI ?? g.Grantee?.ID, g.Permission]), [
      ['CanonicalUser', ROOT_ID, 'FULL_CONTROL'],
      ['Group', ALL_USERS, 'READ'],
    ]);
  });

  it('PutObject.anonymous into a public-read-write bucket → stored, owned by the anonymous id; other anonymous writes → 403', async () => {
    const bucket = uniqueBucket('acl-prw');
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ACL: 'public-read-write' }));
    const put = await fetch(`${server.endpoint}/${bucket}/anon.txt`, { method: 'PUT', body: 'from nobody' });
    assert.equal(put.status, 200, await put.text());
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, FetchOwner: true }));
    assert.equal(list.Contents?.[0]?.Key, 'anon.txt');
    assert.equal(list.Contents?.[0]?.Owner?.ID, '65a011a29cdf8ec533ec3d1ccaae921c');
    const listed = await fetch(`${server.endpoint}/${bucket}?list-type=2`);
    assert.equal(listed.status, 200);
    const denied = await fetch(`${server.endpoint}/${bucket}?acl`, { method: 'PUT', headers: { 'x-amz-acl': 'private' } });
    assert.equal(denied.status, 403);
    const privateBucket = await server.newBucket('acl-closed');
    const refused = await fetch(`${server.endpoint}/${privateBucket}/x`, { method: 'PUT', body: 'x' });
    assert.equal(refused.status, 403);
  });

  it('AbortMultipartUpload.a WRITE grant on the bucket lets its grantee abort the upload it started', async () => {
    const bucket = await server.newBucket('acl-abort');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mine' }));
    await expectS3Error(other.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mine', UploadId })), 'AccessDenied', 403, 'Access Denied');
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read-write' }));
    const started = await other.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'theirs' }));
    await other.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'theirs', UploadId: started.UploadId }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mine', UploadId }));
  });

  it('PutBucketAcl.grantReadByEmail → the other user may list, not write; unknown email → UnresolvableGrantByEmailAddress', async () => {
    const bucket = await server.newBucket('acl-email', { keys: ['k'] });
    await expectS3Error(other.send(new ListObjectsV2Command({ Bucket: bucket })), 'AccessDenied', 403, 'Access Denied');
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: `emailAddress="${OTHER_EMAIL}"` }));
    assert.equal((await other.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount, 1);
    await expectS3Error(other.send(new PutObjectCommand({ Bucket: bucket, Key: 'n', Body: 'x' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(other.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'AccessDenied', 403, 'Access Denied');
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
    assert.deepEqual(acl.Grants?.map((g) => [g.Grantee?.ID, g.Grantee?.DisplayName, g.Permission]), [[OTHER_USER.id, 'other-user', 'READ']]);
    // The grantee may be written without quotes, as s3-tests and many scripts send it.
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: `id=${OTHER_USER.id}`, GrantWrite: 'uri=http://acs.amazonaws.com/groups/s3/LogDelivery' }));
    const bare = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
    assert.deepEqual(bare.Grants?.map((g) => [g.Grantee?.ID ?? g.Grantee?.URI, g.Permission]), [[OTHER_USER.id, 'READ'], ['http://acs.amazonaws.com/groups/s3/LogDelivery', 'WRITE']]);
    await expectS3Error(
      s3.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: 'emailAddress="nobody@example.com"' })),
      'UnresolvableGrantByEmailAddress', 400, 'The email address you provided does not match any account on record.',
    );
  });

  it('PutObjectAcl.accessControlPolicy → grants by id take effect; bad group uri and canned+grant headers refused', async () => {
    const bucket = await server.newBucket('acl-doc', { keys: ['k'] });
    await s3.send(new PutObjectAclCommand({
      Bucket: bucket, Key: 'k',
      AccessControlPolicy: {
        Owner: { ID: ROOT_ID },
        Grants: [
          { Grantee: { Type: 'CanonicalUser', ID: ROOT_ID }, Permission: 'FULL_CONTROL' },
          { Grantee: { Type: 'CanonicalUser', ID: OTHER_USER.id }, Permission: 'READ' },
        ],
      },
    }));
    const body = await (await other.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString();
    assert.equal(body, 'k');
    await expectS3Error(other.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'k' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(
      s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'k', AccessControlPolicy: { Owner: { ID: ROOT_ID }, Grants: [{ Grantee: { Type: 'Group', URI: 'http://example.com/nope' }, Permission: 'READ' }] } })),
      'InvalidArgument', 400, 'Invalid group uri',
    );
    await expectS3Error(
      s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'k', ACL: 'public-read', GrantRead: `id="${OTHER_USER.id}"` })),
      'InvalidRequest', 400, 'Specifying both Canned ACLs and Header Grants is not allowed',
    );
  });

  it('CopyObject and CreateMultipartUpload.acl → applied to the new object', async () => {
    const bucket = await server.newBucket('acl-copy', { keys: ['src'] });
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/src`, ACL: 'authenticated-read' }));
    assert.equal(await (await other.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy' }))).Body!.transformToString(), 'src');
    assert.equal((await fetch(`${server.endpoint}/${bucket}/copy`)).status, 403);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ACL: 'public-read' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId, PartNumber: 1, Body: 'parts' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    const res = await fetch(`${server.endpoint}/${bucket}/mp`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'parts');
  });

  it('PutPublicAccessBlock.blockPublicAcls → public ACLs refused; ignorePublicAcls → existing public grants ignored', async () => {
    const bucket = await server.newBucket('acl-pab');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'open', Body: 'x', ACL: 'public-read' }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true } }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ACL: 'public-read' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' })), 'AccessDenied', 403, 'Access Denied');
    assert.equal((await fetch(`${server.endpoint}/${bucket}/open`)).status, 200);
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }));
    assert.equal((await fetch(`${server.endpoint}/${bucket}/open`)).status, 403);
    const got = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    assert.deepEqual(got.PublicAccessBlockConfiguration, { BlockPublicAcls: false, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    await expectS3Error(s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })), 'NoSuchPublicAccessBlockConfiguration', 404, 'The public access block configuration was not found');
    assert.equal((await fetch(`${server.endpoint}/${bucket}/open`)).status, 200);
  });

  it('PutBucketOwnershipControls.bucketOwnerEnforced → ACLs disabled; refused while the ACL grants others', async () => {
    const bucket = await server.newBucket('acl-own');
    assert.equal((await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership, 'ObjectWriter');
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' }));
    await expectS3Error(
      s3.send(new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } })),
      'InvalidBucketAclWithObjectOwnership', 400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    );
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'private' }));
    await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ACL: 'public-read' })), 'AccessControlListNotSupported', 400, NO_ACLS);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: bucket }));
    await expectS3Error(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket })), 'OwnershipControlsNotFoundError', 404, 'The bucket ownership controls were not found');
  });

  it('PutPublicAccessBlock, DeleteBucketOwnershipControls and PutBucketAcl sent at once (as Terraform applies them): every one that answered 2xx holds', async () => {
    for (let round = 0; round < 10; round++) {
      const bucket = await server.newBucket('acl-race');
      const answers = await Promise.all([
        s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicPolicy: true, RestrictPublicBuckets: true } })),
        s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: bucket })),
        s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'authenticated-read' })),
      ]);
      assert.deepEqual(answers.map((a) => a.$metadata.httpStatusCode), [200, 204, 200]);
      const block = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration;
      assert.deepEqual([block?.BlockPublicPolicy, block?.RestrictPublicBuckets], [true, true], `round ${round}`);
      await expectS3Error(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket })), 'OwnershipControlsNotFoundError', 404, 'The bucket ownership controls were not found');
      const grants = (await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants ?? [];
      assert.ok(grants.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' && g.Permission === 'READ'), `round ${round}`);
    }
  });
});

describe('ACLs (AWS defaults of today)', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  it('CreateBucket.defaults → BucketOwnerEnforced, every public access block on; public ACLs refused', async () => {
    const bucket = await server.newBucket('acl-now');
    assert.equal((await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership, 'BucketOwnerEnforced');
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    assert.deepEqual(block.PublicAccessBlockConfiguration, { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ACL: 'public-read' })), 'AccessControlListNotSupported', 400, NO_ACLS);
    await expectS3Error(s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' })), 'AccessControlListNotSupported', 400, NO_ACLS);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ACL: 'private' }));
    await expectS3Error(
      s3.send(new CreateBucketCommand({ Bucket: uniqueBucket('acl-now'), ACL: 'public-read' })),
      'InvalidBucketAclWithObjectOwnership', 400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    );
    assert.equal((await fetch(`${server.endpoint}/${bucket}/k`)).status, 403);
  });
});
