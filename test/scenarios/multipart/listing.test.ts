import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

describe('multipart listings', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  it('ListParts.pagination', async () => {
    const Bucket = uniqueBucket('lp');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'k', StorageClass: 'STANDARD_IA', ChecksumAlgorithm: 'SHA256' }));
    for (const n of [1, 2, 5]) await s3.send(new UploadPartCommand({ Bucket, Key: 'k', UploadId, PartNumber: n, Body: Buffer.alloc(n, 'a'), ChecksumAlgorithm: 'SHA256' }));
    const first = await s3.send(new ListPartsCommand({ Bucket, Key: 'k', UploadId, MaxParts: 2 }));
    assert.deepEqual(first.Parts?.map((p) => [p.PartNumber, p.Size]), [[1, 1], [2, 2]]);
    assert.equal(first.IsTruncated, true);
    assert.equal(first.NextPartNumberMarker, '2');
    assert.equal(first.MaxParts, 2);
    assert.equal(first.StorageClass, 'STANDARD_IA');
    assert.equal(first.ChecksumAlgorithm, 'SHA256');
    assert.equal(first.ChecksumType, 'COMPOSITE');
    assert.ok(first.Parts?.[0]?.ChecksumSHA256);
    assert.ok(first.Initiator?.ID && first.Owner?.DisplayName);
    const rest = await s3.send(new ListPartsCommand({ Bucket, Key: 'k', UploadId, PartNumberMarker: first.NextPartNumberMarker }));
    assert.deepEqual(rest.Parts?.map((p) => p.PartNumber), [5]);
    assert.equal(rest.IsTruncated, false);
    await expectS3Error(s3.send(new ListPartsCommand({ Bucket, Key: 'k', UploadId, PartNumberMarker: 'x' })), 'InvalidArgument', 400, 'Argument partNumberMarker must be an integer.');
    await expectS3Error(s3.send(new ListPartsCommand({ Bucket, Key: 'k', UploadId: 'nope' })), 'NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
  });

  it('ListMultipartUploads.prefixDelimiterAndMarkers', async () => {
    const Bucket = uniqueBucket('lu');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const ids: Record<string, string[]> = {};
    for (const key of ['a/1', 'a/2', 'b', 'b', 'c/x/y', 'd']) {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key }));
      (ids[key] ??= []).push(UploadId!);
    }
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
    assert.deepEqual(all.Uploads?.map((u) => u.Key), ['a/1', 'a/2', 'b', 'b', 'c/x/y', 'd']);
    assert.deepEqual(all.Uploads?.filter((u) => u.Key === 'b').map((u) => u.UploadId), ids['b']);
    assert.equal(all.IsTruncated, false);

    const rolled = await s3.send(new ListMultipartUploadsCommand({ Bucket, Delimiter: '/' }));
    assert.deepEqual(rolled.CommonPrefixes?.map((p) => p.Prefix), ['a/', 'c/']);
    assert.deepEqual(rolled.Uploads?.map((u) => u.Key), ['b', 'b', 'd']);

    const prefixed = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'c/', Delimiter: '/' }));
    assert.deepEqual(prefixed.CommonPrefixes?.map((p) => p.Prefix), ['c/x/']);
    assert.equal(prefixed.Uploads, undefined);

    // Page through with max-uploads 2: markers resume inside the two uploads of 'b'.
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await s3.send(new ListMultipartUploadsCommand({ Bucket, MaxUploads: 2, KeyMarker, UploadIdMarker }));
      assert.equal(page.MaxUploads, 2);
      seen.push(...(page.Uploads ?? []).map((u) => `${u.Key}:${u.UploadId}`));
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
    assert.deepEqual(seen, (all.Uploads ?? []).map((u) => `${u.Key}:${u.UploadId}`));
    await expectS3Error(s3.send(new ListMultipartUploadsCommand({ Bucket, MaxUploads: -1 })), 'InvalidArgument', 400, 'Provided max-uploads not an integer or within integer range');
  });
});
