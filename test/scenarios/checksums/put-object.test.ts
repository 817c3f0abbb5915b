import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type ChecksumAlgorithm, type S3Client } from '@aws-sdk/client-s3';
import { hashBuffer } from '../../../src/checksum/index.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { countBlobs, patternBytes, readAll } from '../multipart/support.js';

const ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;

describe('flexible checksums on PutObject', () => {
  let server: TestServer;
  let s3: S3Client;
  let Bucket: string;
  before(async () => {
    server = await startServer();
    s3 = server.client();
    Bucket = uniqueBucket('ck');
    await s3.send(new CreateBucketCommand({ Bucket }));
  });
  after(() => server.stop());

  for (const algorithm of ALGORITHMS) {
    it(`PutObject.trailerChecksum${algorithm}`, async () => {
      const body = patternBytes(100_000, ALGORITHMS.indexOf(algorithm) + 1);
      const expected = hashBuffer(algorithm, body).toString('base64');
      const put = await s3.send(new PutObjectCommand({ Bucket, Key: algorithm, Body: body, ChecksumAlgorithm: algorithm as ChecksumAlgorithm }));
      assert.equal((put as unknown as Record<string, unknown>)[`Checksum${algorithm}`], expected);
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key: algorithm, ChecksumMode: 'ENABLED' }));
      assert.equal((head as unknown as Record<string, unknown>)[`Checksum${algorithm}`], expected);
      assert.equal(head.ChecksumType, 'FULL_OBJECT');
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: algorithm, ChecksumMode: 'ENABLED' }));
      assert.ok(body.equals(await readAll(got.Body)));
      // Not without checksum mode, and not on a range.
      const plain = await s3.send(new HeadObjectCommand({ Bucket, Key: algorithm }));
      assert.equal((plain as unknown as Record<string, unknown>)[`Checksum${algorithm}`], undefined);
      const ranged = await s3.send(new GetObjectCommand({ Bucket, Key: algorithm, ChecksumMode: 'ENABLED', Range: 'bytes=0-9' }));
      assert.equal((ranged as unknown as Record<string, unknown>)[`Checksum${algorithm}`], undefined);
      await readAll(ranged.Body);
    });
  }

  it('PutObject.headerChecksumMismatch', async () => {
    const before = await countBlobs(server.dataDir);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket, Key: 'bad', Body: 'data', ChecksumCRC32C: 'AAAAAA==' })), 'BadDigest', 400, 'The CRC32C you specified did not match the calculated checksum.');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket, Key: 'bad', Body: 'data', ChecksumSHA256: hashBuffer('SHA256', Buffer.from('other')).toString('base64') })), 'BadDigest', 400, 'The SHA256 you specified did not match the calculated checksum.');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket, Key: 'bad' })), 'NotFound', 404);
    assert.equal(await countBlobs(server.dataDir), before);
  });

  it('PutObject.invalidChecksumValue', async () => {
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket, Key: 'bad', Body: 'data', ChecksumCRC32: 'not-base64' })), 'InvalidRequest', 400, 'Value for x-amz-checksum-crc32 header is invalid.');
  });
});
