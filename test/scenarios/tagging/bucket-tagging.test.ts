import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteBucketTaggingCommand,
  GetBucketTaggingCommand,
  PutBucketTaggingCommand,
  type S3Client,
  type Tag,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

describe('bucket tagging', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  const bucket = () => server.newBucket('btag');
  const tags = (n: number): Tag[] => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` }));
  const putTags = (Bucket: string, TagSet: Tag[]) => s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet } }));

  test('GetBucketTagging.noSuchTagSet', async () => {
    const b = await bucket();
    const e = await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), 'NoSuchTagSet', 404, 'The TagSet does not exist');
    assert.equal(e.BucketName, b);
  });

  test('PutBucketTagging.roundTripAndReplace', async () => {
    const b = await bucket();
    const put = await putTags(b, tags(50));
    assert.equal(put.$metadata.httpStatusCode, 204);
    assert.deepEqual((await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet, tags(50));
    await putTags(b, [{ Key: 'only', Value: '' }]);
    assert.deepEqual((await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet, [{ Key: 'only', Value: '' }]);
  });

  test('DeleteBucketTagging.removes', async () => {
    const b = await bucket();
    await putTags(b, tags(2));
    const del = await s3.send(new DeleteBucketTaggingCommand({ Bucket: b }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), 'NoSuchTagSet', 404, 'The TagSet does not exist');
    // Deleting again is fine.
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: b }));
  });

  test('PutBucketTagging.limits', async () => {
    const b = await bucket();
    await expectS3Error(putTags(b, tags(51)), 'BadRequest', 400, 'Bucket tag count cannot be greater than 50');
    await expectS3Error(putTags(b, [{ Key: 'k'.repeat(129), Value: 'v' }]), 'InvalidTag', 400, 'The TagKey you have provided is invalid');
    await expectS3Error(putTags(b, [{ Key: 'k', Value: 'v'.repeat(257) }]), 'InvalidTag', 400, 'The TagValue you have provided is invalid');
    await expectS3Error(putTags(b, [{ Key: 'k', Value: '1' }, { Key: 'k', Value: '2' }]), 'InvalidTag', 400, 'Cannot provide multiple Tags with the same key');
    await expectS3Error(putTags(b, [{ Key: 'aws:cloudformation:stack', Value: '1' }]), 'InvalidTag', 400, 'Your TagKey cannot be prefixed with aws:');
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), 'NoSuchTagSet', 404, 'The TagSet does not exist');
  });

  test('PutBucketTagging.emptyTagSetRemovesTags', async () => {
    const b = await bucket();
    await putTags(b, tags(1));
    await putTags(b, []);
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), 'NoSuchTagSet', 404, 'The TagSet does not exist');
  });

  test('GetBucketTagging.noSuchBucket', async () => {
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: uniqueBucket('none') })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
  });
});
