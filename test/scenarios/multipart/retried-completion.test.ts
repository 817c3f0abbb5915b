/**
 * A CompleteMultipartUpload repeated after it succeeded (an SDK retrying because the response was
 * lost) gets the first completion's result, as on AWS, instead of NoSuchUpload.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { completeKeepAlive } from '../../../src/ops/multipart/multipart.js';
import { MiB, patternBytes } from './support.js';

const NO_SUCH_UPLOAD = 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.';

describe('CompleteMultipartUpload repeated', () => {
  let server: TestServer;
  let s3: S3Client;

  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  /** A versioned bucket and an upload with two SHA-256 parts, not yet completed. */
  async function uploadWithParts(key = 'obj') {
    const Bucket = uniqueBucket('mpretry');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key, ChecksumAlgorithm: 'SHA256' }));
    const target = { Bucket, Key: key, UploadId: UploadId! };
    const parts: CompletedPart[] = [];
    for (const [PartNumber, Body] of [[1, patternBytes(5 * MiB, 11)], [2, patternBytes(1000, 12)]] as const) {
      const out = await s3.send(new UploadPartCommand({ ...target, PartNumber, Body, ChecksumAlgorithm: 'SHA256' }));
      parts.push({ PartNumber, ETag: out.ETag, ChecksumSHA256: out.ChecksumSHA256 });
    }
    return { target, parts };
  }

  it('CompleteMultipartUpload.retryAfterSuccessGetsSameResult', async () => {
    const { target, parts } = await uploadWithParts('dir/obj');
    const first = await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: parts } }));
    assert.match(first.ETag ?? '', /^"[0-9a-f]{32}-2"$/);
    assert.ok(first.VersionId);
    assert.match(first.ChecksumSHA256 ?? '', /=-2$/);

    // The retry, even with If-None-Match: * (the object it guarded is the one the first attempt made).
    for (const extra of [{}, { IfNoneMatch: '*' }]) {
      const again = await s3.send(new CompleteMultipartUploadCommand({ ...target, ...extra, MultipartUpload: { Parts: parts } }));
      assert.equal(again.$metadata.httpStatusCode, 200);
      for (const field of ['ETag', 'VersionId', 'ChecksumSHA256', 'ChecksumType', 'Bucket', 'Key', 'Location'] as const) {
        assert.equal(again[field], first[field], field);
      }
    }
    // Nothing was written again.
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: target.Bucket }));
    assert.deepEqual(versions.Versions?.map((v) => [v.Key, v.VersionId, v.ETag]), [['dir/obj', first.VersionId, first.ETag]]);
  });

  it('CompleteMultipartUpload.retryWithOtherPartsOrKeyIsNoSuchUpload', async () => {
    const { target, parts } = await uploadWithParts();
    await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: parts } }));
    const error = await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: parts.slice(0, 1) } })), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
    assert.equal(error.UploadId, target.UploadId);
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [parts[1]!, parts[0]!] } })), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, Key: 'other', MultipartUpload: { Parts: parts } })), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
    const otherBucket = uniqueBucket('mpretry');
    await s3.send(new CreateBucketCommand({ Bucket: otherBucket }));
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, Bucket: otherBucket, MultipartUpload: { Parts: parts } })), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
  });

  it('CompleteMultipartUpload.retryAfterTheObjectWentIsNoSuchUpload: a completion must not report an object that is not there', async () => {
    const { target, parts } = await uploadWithParts();
    const first = await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: parts } }));
    await s3.send(new DeleteObjectCommand({ Bucket: target.Bucket, Key: target.Key, VersionId: first.VersionId }));
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: parts } })), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
    // Unversioned, deleted (no version id) or overwritten by another object: the same.
    const Bucket = uniqueBucket('mpretry');
    await s3.send(new CreateBucketCommand({ Bucket }));
    for (const replace of [
      () => s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' })),
      () => s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'other' })),
    ]) {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'k' }));
      const part = await s3.send(new UploadPartCommand({ Bucket, Key: 'k', UploadId, PartNumber: 1, Body: 'only part' }));
      const completion = { Bucket, Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } };
      await s3.send(new CompleteMultipartUploadCommand(completion));
      assert.equal((await s3.send(new CompleteMultipartUploadCommand(completion))).$metadata.httpStatusCode, 200);
      await replace();
      await expectS3Error(s3.send(new CompleteMultipartUploadCommand(completion)), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
    }
  });

  it('CompleteMultipartUpload.concurrentRetryGetsSameResult', async () => {
    const saved = completeKeepAlive.firstByteMs;
    completeKeepAlive.firstByteMs = 0; // both answered through the keep-alive body
    try {
      const { target, parts } = await uploadWithParts();
      const results = await Promise.all([1, 2, 3].map(() => s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: parts } }))));
      assert.equal(new Set(results.map((r) => r.ETag)).size, 1);
      assert.equal(new Set(results.map((r) => r.ChecksumSHA256)).size, 1);
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: target.Bucket }));
      assert.equal(versions.Versions?.length, 1);
      const head = await s3.send(new HeadObjectCommand({ Bucket: target.Bucket, Key: target.Key }));
      assert.equal(head.ETag, results[0]!.ETag);
    } finally {
      completeKeepAlive.firstByteMs = saved;
    }
  });
});
