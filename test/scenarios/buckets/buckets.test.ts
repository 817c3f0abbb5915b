import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketAclCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { countBlobs } from '../multipart/support.js';

describe('buckets (us-east-1)', () => {
  let server: TestServer;
  let s3: S3Client;
  let other: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
    other = server.otherClient();
  });
  after(() => server.stop());

  test('CreateBucket.valid name → 200 with Location', async () => {
    const bucket = uniqueBucket('create');
    const out = await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.Location, `/${bucket}`);
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  });

  test('CreateBucket.invalid names → InvalidBucketName', async () => {
    for (const name of ['ab', 'a'.repeat(64), 'Upper-case', 'under_score', '-starts-dash', 'ends-dash-', 'two..dots', '192.168.5.4', 'xn--punycode', 'sthree-x', 'name-s3alias', 'name--ol-s3']) {
      await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: name })), 'InvalidBucketName', 400, 'The specified bucket is not valid.');
    }
  });

  test('CreateBucket.edge names are valid (3 and 63 characters, dots, digits)', async () => {
    const n = Date.now().toString(36);
    for (const name of [`a${n}`.slice(0, 3), `x${n}`.padEnd(63, '9'), `dots.${n}.ok`, `1${n}`]) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    }
  });

  test('CreateBucket.re-creating your own bucket in us-east-1 → 200', async () => {
    const bucket = uniqueBucket('recreate');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const again = await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    assert.equal(again.$metadata.httpStatusCode, 200);
  });

  test('CreateBucket.re-creating your own bucket in us-east-1 resets its ACL (AWS: "for legacy compatibility … resets the bucket access control lists")', async () => {
    const bucket = uniqueBucket('recreate');
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: 'ObjectWriter' }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' }));
    const grantees = async () => (await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants?.map((g) => [g.Grantee?.ID ?? g.Grantee?.URI, g.Permission]);
    assert.equal((await grantees())?.length, 2);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    assert.deepEqual(await grantees(), [[server.coffer.rootUser.id, 'FULL_CONTROL']]);
    // The rest of the bucket's access settings stay: it still takes ACLs.
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' }));
  });

  test("CreateBucket.another user's name → BucketAlreadyExists", async () => {
    const bucket = uniqueBucket('taken');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const error = await expectS3Error(other.send(new CreateBucketCommand({ Bucket: bucket })), 'BucketAlreadyExists', 409,
      'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.');
    assert.equal(error.BucketName, bucket);
  });

  test('CreateBucket.LocationConstraint us-east-1 → InvalidLocationConstraint', async () => {
    await expectS3Error(
      s3.send(new CreateBucketCommand({ Bucket: uniqueBucket('loc'), CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } })),
      'InvalidLocationConstraint', 400, 'The specified location-constraint is not valid',
    );
  });

  test('CreateBucket.LocationConstraint of another region → IllegalLocationConstraintException', async () => {
    await expectS3Error(
      s3.send(new CreateBucketCommand({ Bucket: uniqueBucket('loc'), CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })),
      'IllegalLocationConstraintException', 400, 'The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to.',
    );
  });

  test('HeadBucket.own bucket → 200 with x-amz-bucket-region', async () => {
    const bucket = uniqueBucket('head');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const out = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.BucketRegion, 'us-east-1');
  });

  test('HeadBucket.missing → 404, other user → 403 (no body)', async () => {
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: uniqueBucket('nobody') })), 'NotFound', 404);
    const bucket = uniqueBucket('head-other');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // A bodiless 403: the SDK cannot name it, only the status says AccessDenied.
    await assert.rejects(other.send(new HeadBucketCommand({ Bucket: bucket })), (e: any) => e.$metadata?.httpStatusCode === 403);
  });

  test('HeadBucket.refused (anonymous, another user, a bad signature) still names the region, as AWS does; a missing bucket does not', async () => {
    const bucket = uniqueBucket('head-region');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const anonymous = await rawRequest(server.endpoint, { method: 'HEAD', path: `/${bucket}` });
    assert.equal(anonymous.status, 403);
    assert.equal(anonymous.headers['x-amz-bucket-region'], 'us-east-1');
    const host = new URL(server.endpoint).host;
    const badSignature = await rawRequest(server.endpoint, { method: 'HEAD', path: `/${bucket}`, headers: signV4({ method: 'HEAD', path: `/${bucket}`, host, accessKeyId: ROOT_KEYS.accessKeyId, secretAccessKey: 'not the secret' }) });
    assert.equal(badSignature.status, 403);
    assert.equal(badSignature.headers['x-amz-bucket-region'], 'us-east-1');
    const byOther = await other.send(new HeadBucketCommand({ Bucket: bucket })).catch((e: any) => e);
    assert.equal(byOther.$metadata?.httpStatusCode, 403);
    assert.equal(byOther.$response?.headers?.['x-amz-bucket-region'], 'us-east-1');
    const missing = await rawRequest(server.endpoint, { method: 'HEAD', path: `/${uniqueBucket('nobody')}` });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-amz-bucket-region'], undefined);
  });

  test('DeleteBucket.empty → 204, then gone', async () => {
    const bucket = uniqueBucket('delete');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const out = await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: bucket })), 'NotFound', 404);
  });

  test('DeleteBucket.not empty → BucketNotEmpty', async () => {
    const bucket = uniqueBucket('notempty');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    const error = await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: bucket })), 'BucketNotEmpty', 409, 'The bucket you tried to delete is not empty');
    assert.equal(error.BucketName, bucket);
  });

  test('DeleteBucket.uploads in progress do not keep a bucket: they go with it, and their parts\' files', async () => {
    const bucket = uniqueBucket('uploads');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber: 1, Body: Buffer.alloc(300_000, 1) }));
    const blobsBefore = await countBlobs(server.dataDir);
    assert.equal((await s3.send(new DeleteBucketCommand({ Bucket: bucket }))).$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: bucket })), 'NotFound', 404);
    assert.equal(await countBlobs(server.dataDir), blobsBefore - 1);
  });

  test('DeleteBucket.missing → NoSuchBucket', async () => {
    const bucket = uniqueBucket('missing');
    const error = await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: bucket })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
    assert.equal(error.BucketName, bucket);
  });

  test("DeleteBucket.another user's bucket → AccessDenied", async () => {
    const bucket = uniqueBucket('del-other');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(other.send(new DeleteBucketCommand({ Bucket: bucket })), 'AccessDenied', 403, 'Access Denied');
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  });

  test('ListBuckets.lists only your own buckets, in name order, with owner and region', async () => {
    const mine = uniqueBucket('list-mine');
    const theirs = uniqueBucket('list-theirs');
    await s3.send(new CreateBucketCommand({ Bucket: mine }));
    await other.send(new CreateBucketCommand({ Bucket: theirs }));
    const out = await s3.send(new ListBucketsCommand({}));
    const names = out.Buckets!.map((b) => b.Name!);
    assert.ok(names.includes(mine));
    assert.ok(!names.includes(theirs));
    assert.deepEqual(names, [...names].sort());
    assert.equal(out.Owner?.DisplayName, 'coffer');
    assert.match(out.Owner?.ID ?? '', /^[0-9a-f]{64}$/);
    const entry = out.Buckets!.find((b) => b.Name === mine)!;
    assert.ok(entry.CreationDate instanceof Date);
    assert.equal(entry.BucketRegion, 'us-east-1');
    const theirList = await other.send(new ListBucketsCommand({}));
    assert.ok(theirList.Buckets!.some((b) => b.Name === theirs));
    assert.ok(!theirList.Buckets!.some((b) => b.Name === mine));
  });

  test('ListBuckets.prefix, max-buckets and continuation-token page through', async () => {
    const prefix = `page-${Date.now().toString(36)}-`;
    const names = ['c', 'a', 'e', 'b', 'd'].map((s) => prefix + s);
    for (const name of names) await s3.send(new CreateBucketCommand({ Bucket: name }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await s3.send(new ListBucketsCommand({ Prefix: prefix, MaxBuckets: 2, ContinuationToken: token }));
      assert.equal(out.Prefix, prefix);
      seen.push(...out.Buckets!.map((b) => b.Name!));
      token = out.ContinuationToken;
      pages++;
    } while (token);
    assert.deepEqual(seen, [...names].sort());
    assert.equal(pages, 3);
    // bucket-region: the buckets of that region only (all of them are the server's).
    assert.equal((await s3.send(new ListBucketsCommand({ Prefix: prefix, BucketRegion: 'us-east-1' }))).Buckets?.length, 5);
    assert.deepEqual((await s3.send(new ListBucketsCommand({ Prefix: prefix, BucketRegion: 'eu-west-1' }))).Buckets ?? [], []);
  });

  test('ListBuckets.invalid max-buckets or token → InvalidArgument', async () => {
    await expectS3Error(s3.send(new ListBucketsCommand({ MaxBuckets: 0 })), 'InvalidArgument', 400, 'Argument max-buckets must be an integer between 1 and 10000');
    await expectS3Error(s3.send(new ListBucketsCommand({ MaxBuckets: 10001 })), 'InvalidArgument', 400, 'Argument max-buckets must be an integer between 1 and 10000');
    await expectS3Error(s3.send(new ListBucketsCommand({ ContinuationToken: '!!not a token' })), 'InvalidArgument', 400, 'The continuation token provided is incorrect');
  });

  test('GetBucketLocation.us-east-1 is the empty constraint', async () => {
    const bucket = uniqueBucket('location');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const out = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
    assert.equal(out.LocationConstraint ?? '', '');
  });

  test("GetBucketLocation.another user's bucket → AccessDenied; missing → NoSuchBucket", async () => {
    const bucket = uniqueBucket('location-other');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(other.send(new GetBucketLocationCommand({ Bucket: bucket })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(s3.send(new GetBucketLocationCommand({ Bucket: uniqueBucket('nope') })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
  });
});

describe('buckets (eu-west-1 server)', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer({ region: 'eu-west-1' });
    s3 = server.client();
  });
  after(() => server.stop());

  test('CreateBucket.matching LocationConstraint → bucket in that region', async () => {
    const bucket = uniqueBucket('eu');
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint, 'eu-west-1');
    assert.equal((await s3.send(new HeadBucketCommand({ Bucket: bucket }))).BucketRegion, 'eu-west-1');
  });

  test('CreateBucket.no LocationConstraint outside us-east-1 → IllegalLocationConstraintException', async () => {
    // Raw HTTP: the SDK adds its own region as LocationConstraint when none is given.
    const path = `/${uniqueBucket('eu-none')}`;
    const host = new URL(server.endpoint).host;
    const res = await rawRequest(server.endpoint, { method: 'PUT', path, headers: signV4({ method: 'PUT', path, host, region: 'eu-west-1', ...ROOT_KEYS }) });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res.text), 'IllegalLocationConstraintException');
    assert.match(res.text, /<Message>The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.<\/Message>/);
  });

  test('CreateBucket.re-creating your own bucket outside us-east-1 → BucketAlreadyOwnedByYou', async () => {
    const bucket = uniqueBucket('eu-again');
    const config = { LocationConstraint: 'eu-west-1' } as const;
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: config }));
    await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: config })), 'BucketAlreadyOwnedByYou', 409,
      'Your previous request to create the named bucket succeeded and you already own it.');
  });
});
