import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { countBlobs, MiB, patternBytes, readAll } from './support.js';

describe('UploadPartCopy', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  it('UploadPartCopy.rangesShareBlobs', async () => {
    const Bucket = uniqueBucket('pc');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const source = patternBytes(6 * MiB, 3);
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'src', Body: source }));
    const blobsBefore = await countBlobs(server.dataDir);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'dst' }));
    const whole = await s3.send(new UploadPartCopyCommand({ Bucket, Key: 'dst', UploadId, PartNumber: 1, CopySource: `${Bucket}/src`, CopySourceIfMatch: put.ETag }));
    assert.equal(whole.CopyPartResult?.ETag, put.ETag);
    const ranged = await s3.send(new UploadPartCopyCommand({ Bucket, Key: 'dst', UploadId, PartNumber: 2, CopySource: `${Bucket}/src`, CopySourceRange: `bytes=100-${100 + 5 * MiB - 1}` }));
    const tail = Buffer.from('tail');
    const own = await s3.send(new UploadPartCommand({ Bucket, Key: 'dst', UploadId, PartNumber: 3, Body: tail }));
    // No bytes were copied, and the new 4-byte part is inline: no blob file was written.
    assert.equal(await countBlobs(server.dataDir), blobsBefore);
    await expectS3Error(s3.send(new UploadPartCopyCommand({ Bucket, Key: 'dst', UploadId, PartNumber: 4, CopySource: `${Bucket}/src`, CopySourceRange: 'bytes=5-1' })), 'InvalidArgument', 400, 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy');
    await expectS3Error(s3.send(new UploadPartCopyCommand({ Bucket, Key: 'dst', UploadId, PartNumber: 4, CopySource: `${Bucket}/src`, CopySourceRange: `bytes=0-${6 * MiB}` })), 'InvalidArgument', 400, 'Range specified is not valid for source object of size: 6291456');
    await expectS3Error(s3.send(new UploadPartCopyCommand({ Bucket, Key: 'dst', UploadId, PartNumber: 4, CopySource: `${Bucket}/src`, CopySourceIfMatch: '"nope"' })), 'PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    await expectS3Error(s3.send(new UploadPartCopyCommand({ Bucket, Key: 'dst', UploadId, PartNumber: 4, CopySource: `${Bucket}/missing` })), 'NoSuchKey', 404, 'The specified key does not exist.');
    await expectS3Error(s3.send(new UploadPartCopyCommand({ Bucket, Key: 'dst', UploadId: 'nope', PartNumber: 4, CopySource: `${Bucket}/src` })), 'NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');

    await s3.send(new CompleteMultipartUploadCommand({
      Bucket, Key: 'dst', UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: whole.CopyPartResult?.ETag }, { PartNumber: 2, ETag: ranged.CopyPartResult?.ETag }, { PartNumber: 3, ETag: own.ETag }] },
    }));
    // The source can go: the copy keeps its blob alive.
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'src' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'dst' }));
    assert.ok(Buffer.concat([source, source.subarray(100, 100 + 5 * MiB), tail]).equals(await readAll(got.Body)));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'dst' }));
    assert.equal(await countBlobs(server.dataDir), blobsBefore - 1);
  });
});
