import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  type Tag,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

describe('object tagging', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  const bucket = (versioned = false) => server.newBucket('tag', { versioning: versioned ? 'Enabled' : undefined });
  const tags = (n: number, key = (i: number) => `k${i}`): Tag[] => Array.from({ length: n }, (_, i) => ({ Key: key(i), Value: `v${i}` }));

  test('PutObjectTagging.roundTrip', async () => {
    const b = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'x' }));
    const set = [{ Key: 'project', Value: 'coffer' }, { Key: 'empty', Value: '' }, { Key: 'ünï cødé +-=._:/@', Value: 'ok' }];
    const put = await s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'o', Tagging: { TagSet: set } }));
    assert.equal(put.$metadata.httpStatusCode, 200);
    assert.equal(put.VersionId, undefined);
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o' }));
    assert.deepEqual(got.TagSet, set);
    const obj = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'o' }));
    assert.equal(obj.TagCount, 3);
    await obj.Body!.transformToString();
  });

  test('PutObject.taggingHeader', async () => {
    const b = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'x', Tagging: 'a=1&b=two%20words&c=' }));
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o' }));
    assert.deepEqual(got.TagSet, [{ Key: 'a', Value: '1' }, { Key: 'b', Value: 'two words' }, { Key: 'c', Value: '' }]);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'x', Tagging: 'a=1&a=2' })), 'InvalidArgument', 400,
      "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.");
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'x', Tagging: Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&') })),
      'BadRequest', 400, 'Object tags cannot be greater than 10');
  });

  test('PutObject.taggingHeaderNameWithoutValue', async () => {
    const b = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'x', Tagging: 'foo=bar&bar' }));
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o' }));
    assert.deepEqual(got.TagSet, [{ Key: 'foo', Value: 'bar' }, { Key: 'bar', Value: '' }]);
  });

  test('GetObject.noTagCountWithoutTags', async () => {
    const b = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'x' }));
    const obj = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'o' }));
    assert.equal(obj.TagCount, undefined);
    await obj.Body!.transformToString();
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o' }));
    assert.deepEqual(got.TagSet ?? [], []);
  });

  test('PutObjectTagging.limits', async () => {
    const b = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'x' }));
    const putTags = (TagSet: Tag[]) => s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'o', Tagging: { TagSet } }));
    await putTags(tags(10));
    await expectS3Error(putTags(tags(11)), 'BadRequest', 400, 'Object tags cannot be greater than 10');
    await putTags([{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }]);
    await expectS3Error(putTags([{ Key: 'k'.repeat(129), Value: 'v' }]), 'InvalidTag', 400, 'The TagKey you have provided is invalid');
    await expectS3Error(putTags([{ Key: '', Value: 'v' }]), 'InvalidTag', 400, 'The TagKey you have provided is invalid');
    await expectS3Error(putTags([{ Key: 'k', Value: 'v'.repeat(257) }]), 'InvalidTag', 400, 'The TagValue you have provided is invalid');
    await expectS3Error(putTags([{ Key: 'k#', Value: 'v' }]), 'InvalidTag', 400, 'The TagKey you have provided is invalid');
    await expectS3Error(putTags([{ Key: 'k', Value: 'v', }, { Key: 'k', Value: 'w' }]), 'InvalidTag', 400, 'Cannot provide multiple Tags with the same key');
    await expectS3Error(putTags([{ Key: 'aws:x', Value: 'v' }]), 'InvalidTag', 400, 'Your TagKey cannot be prefixed with aws:');
    // Failed puts leave the last good set.
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o' }));
    assert.deepEqual(got.TagSet, [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }]);
  });

  test('PutObjectTagging.noSuchKey', async () => {
    const b = await bucket();
    await expectS3Error(s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'missing', Tagging: { TagSet: tags(1) } })), 'NoSuchKey', 404, 'The specified key does not exist.');
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'missing' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    await expectS3Error(s3.send(new DeleteObjectTaggingCommand({ Bucket: b, Key: 'missing' })), 'NoSuchKey', 404, 'The specified key does not exist.');
  });

  test('PutObjectTagging.perVersion', async () => {
    const b = await bucket(true);
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: '1', Tagging: 'gen=1' }))).VersionId!;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: '2' }))).VersionId!;
    const put = await s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'o', VersionId: v1, Tagging: { TagSet: [{ Key: 'gen', Value: 'one' }] } }));
    assert.equal(put.VersionId, v1);
    const latest = await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o' }));
    assert.equal(latest.VersionId, v2);
    assert.deepEqual(latest.TagSet ?? [], []);
    const first = await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o', VersionId: v1 }));
    assert.equal(first.VersionId, v1);
    assert.deepEqual(first.TagSet, [{ Key: 'gen', Value: 'one' }]);
    const del = await s3.send(new DeleteObjectTaggingCommand({ Bucket: b, Key: 'o', VersionId: v1 }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    assert.equal(del.VersionId, v1);
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o', VersionId: v1 }))).TagSet ?? [], []);
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o', VersionId: 'C'.repeat(32) })), 'NoSuchVersion', 404, 'The specified version does not exist.');
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o', VersionId: 'bad' })), 'InvalidArgument', 400, 'Invalid version id specified');
  });

  test('GetObjectTagging.deleteMarker', async () => {
    const b = await bucket(true);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: '1' }));
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'o' }))).VersionId!;
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'o', VersionId: marker })), 'MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
    await expectS3Error(s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'o', VersionId: marker, Tagging: { TagSet: tags(1) } })), 'MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  });

  test('PutObjectTagging.malformedXml', async () => {
    const b = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'x' }));
    await expectS3Error(s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'o', Tagging: { TagSet: [{ Key: 'k' } as Tag] } })), 'MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema');
  });
});
