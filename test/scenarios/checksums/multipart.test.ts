import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  UploadPartCommand,
  type ChecksumAlgorithm,
  type ChecksumType,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { combineCrcParts, compositeChecksum, hashBuffer } from '../../../src/checksum/index.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { countBlobs, MiB, patternBytes, readAll } from '../multipart/support.js';

describe('flexible checksums on multipart uploads', () => {
  let server: TestServer;
  let s3: S3Client;
  let Bucket: string;
  const parts = [patternBytes(5 * MiB, 11), patternBytes(5 * MiB, 12), patternBytes(777, 13)];
  before(async () => {
    server = await startServer();
    s3 = server.client();
    Bucket = uniqueBucket('mck');
    await s3.send(new CreateBucketCommand({ Bucket }));
  });
  after(() => server.stop());

  async function upload(Key: string, algorithm: 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256', type?: ChecksumType) {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: algorithm as ChecksumAlgorithm, ChecksumType: type }));
    assert.equal(created.ChecksumAlgorithm, algorithm);
    const completed: CompletedPart[] = [];
    for (const [i, Body] of parts.entries()) {
      const out = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId: created.UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: algorithm as ChecksumAlgorithm }));
      const field = `Checksum${algorithm}` as const;
      assert.equal(out[field], hashBuffer(algorithm, Body).toString('base64'));
      completed.push({ PartNumber: i + 1, ETag: out.ETag, [field]: out[field] });
    }
    return { UploadId: created.UploadId!, completed, type: created.ChecksumType };
  }

  it('CompleteMultipartUpload.compositeCrc32', async () => {
    const { UploadId, completed, type } = await upload('composite', 'CRC32');
    assert.equal(type, 'COMPOSITE');
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'composite', UploadId, MultipartUpload: { Parts: completed } }));
    const expected = compositeChecksum('CRC32', parts.map((p) => hashBuffer('CRC32', p)));
    assert.equal(done.ChecksumCRC32, expected);
    assert.equal(done.ChecksumType, 'COMPOSITE');
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'composite', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumCRC32, expected);
    assert.equal(head.ChecksumType, 'COMPOSITE');
    const part = await s3.send(new GetObjectCommand({ Bucket, Key: 'composite', PartNumber: 3, ChecksumMode: 'ENABLED' }));
    assert.equal(part.ChecksumCRC32, hashBuffer('CRC32', parts[2]!).toString('base64'));
    assert.equal(part.ChecksumType, 'COMPOSITE');
    assert.ok(parts[2]!.equals(await readAll(part.Body)));
  });

  it('CompleteMultipartUpload.compositeSha256', async () => {
    const { UploadId, completed } = await upload('sha', 'SHA256');
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'sha', UploadId, MultipartUpload: { Parts: completed } }));
    assert.equal(done.ChecksumSHA256, compositeChecksum('SHA256', parts.map((p) => hashBuffer('SHA256', p))));
  });

  for (const algorithm of ['CRC64NVME', 'CRC32C'] as const) {
    it(`CompleteMultipartUpload.fullObject${algorithm}`, async () => {
      const Key = `full-${algorithm}`;
      const { UploadId, completed, type } = await upload(Key, algorithm, algorithm === 'CRC64NVME' ? undefined : 'FULL_OBJECT');
      assert.equal(type, 'FULL_OBJECT');
      const whole = hashBuffer(algorithm, Buffer.concat(parts)).toString('base64');
      assert.equal(combineCrcParts(algorithm, parts.map((p) => ({ checksum: hashBuffer(algorithm, p), length: p.length }))).toString('base64'), whole);
      const wrong = hashBuffer(algorithm, Buffer.from('nope')).toString('base64');
      await expectS3Error(
        s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, ChecksumType: 'FULL_OBJECT', [`Checksum${algorithm}`]: wrong, MultipartUpload: { Parts: completed } })),
        'BadDigest',
        400,
        `The ${algorithm.toLowerCase()} you specified did not match the calculated checksum.`,
      );
      const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, ChecksumType: 'FULL_OBJECT', [`Checksum${algorithm}`]: whole, MultipartUpload: { Parts: completed } }));
      assert.equal(done[`Checksum${algorithm}`], whole);
      assert.equal(done.ChecksumType, 'FULL_OBJECT');
      const got = await s3.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
      assert.equal(got[`Checksum${algorithm}`], whole);
      assert.equal(got.ChecksumType, 'FULL_OBJECT');
      assert.ok(Buffer.concat(parts).equals(await readAll(got.Body)));
      // A part of several covered by one full-object checksum has no checksum of its own to show.
      const part = await s3.send(new GetObjectCommand({ Bucket, Key, PartNumber: 1, ChecksumMode: 'ENABLED' }));
      assert.equal(part[`Checksum${algorithm}`], undefined);
      assert.equal(part.ChecksumType, undefined);
      await readAll(part.Body);
    });
  }

  it('CreateMultipartUpload.invalidChecksumType', async () => {
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'x', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })), 'InvalidRequest', 400,
      'The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.');
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'x', ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'COMPOSITE' })), 'InvalidRequest', 400,
      'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'x', ChecksumType: 'COMPOSITE' })), 'InvalidRequest', 400,
      'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
  });

  it('CompleteMultipartUpload.partChecksumMissingOrWrong', async () => {
    const { UploadId, completed } = await upload('partck', 'CRC32C');
    await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'partck', UploadId, MultipartUpload: { Parts: completed.map((p, i) => (i === 1 ? { PartNumber: p.PartNumber, ETag: p.ETag } : p)) } })),
      'InvalidRequest',
      400,
      'The upload was created using a crc32c checksum. The complete request must include the checksum for each part. It was missing for part 2 in the request.',
    );
    await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'partck', UploadId, MultipartUpload: { Parts: completed.map((p, i) => (i === 0 ? { ...p, ChecksumCRC32C: 'AAAAAA==' } : p)) } })),
      'InvalidPart',
      400,
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    );
    await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'partck', UploadId, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: completed } })),
      'InvalidRequest',
      400,
      'The upload was created using the COMPOSITE checksum mode. The complete request must use the same checksum mode.',
    );
  });

  it('UploadPart.checksumMismatchOrWrongAlgorithm', async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'up', ChecksumAlgorithm: 'SHA1' }));
    const before = await countBlobs(server.dataDir);
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket, Key: 'up', UploadId: created.UploadId, PartNumber: 1, Body: 'abc', ChecksumCRC32: hashBuffer('CRC32', Buffer.from('abc')).toString('base64') })),
      'InvalidRequest', 400, 'Checksum Type mismatch occurred, expected checksum Type: sha1, actual checksum Type: crc32');
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket, Key: 'up', UploadId: created.UploadId, PartNumber: 1, Body: 'abc', ChecksumSHA1: hashBuffer('SHA1', Buffer.from('abd')).toString('base64') })),
      'BadDigest', 400, 'The SHA1 you specified did not match the calculated checksum.');
    assert.equal(await countBlobs(server.dataDir), before);
  });

  it('GetObjectAttributes.multipartObject', async () => {
    const { UploadId, completed } = await upload('attrs', 'CRC32');
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'attrs', UploadId, MultipartUpload: { Parts: completed } }));
    const all = await s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'attrs', ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'], MaxParts: 2 }));
    assert.equal(`"${all.ETag}"`, done.ETag);
    assert.equal(all.Checksum?.ChecksumCRC32, done.ChecksumCRC32);
    assert.equal(all.Checksum?.ChecksumType, 'COMPOSITE');
    assert.equal(all.ObjectSize, parts.reduce((n, p) => n + p.length, 0));
    assert.equal(all.StorageClass, 'STANDARD');
    assert.equal(all.ObjectParts?.TotalPartsCount, 3);
    assert.equal(all.ObjectParts?.IsTruncated, true);
    assert.deepEqual(all.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32]), completed.slice(0, 2).map((c, i) => [i + 1, parts[i]!.length, c.ChecksumCRC32]));
    assert.ok(all.LastModified instanceof Date);
    const rest = await s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'attrs', ObjectAttributes: ['ObjectParts'], PartNumberMarker: all.ObjectParts?.NextPartNumberMarker }));
    assert.deepEqual(rest.ObjectParts?.Parts?.map((p) => p.PartNumber), [3]);
    assert.equal(rest.ETag, undefined);
    await expectS3Error(s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'attrs', ObjectAttributes: ['Bogus' as 'ETag'] })), 'InvalidArgument', 400, 'Invalid attribute name specified.');
    await expectS3Error(s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'missing', ObjectAttributes: ['ETag'] })), 'NoSuchKey', 404, 'The specified key does not exist.');
  });
});
