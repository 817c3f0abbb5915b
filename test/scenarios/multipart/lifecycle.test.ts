import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { completeKeepAlive } from '../../../src/ops/multipart/multipart.js';
import { countBlobs, MiB, patternBytes, readAll } from './support.js';

const NO_SUCH_UPLOAD = 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.';
const INVALID_PART = "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.";
const PRECONDITION_FAILED = 'At least one of the pre-conditions you specified did not hold';

const md5 = (b: Buffer) => createHash('md5').update(b).digest();

describe('multipart uploads', () => {
  let server: TestServer;
  let s3: S3Client;
  const part1 = patternBytes(5 * MiB, 1);
  const part2 = patternBytes(MiB + 123, 2);

  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  async function bucketWithUpload(key = 'obj', extra: Record<string, unknown> = {}) {
    const Bucket = uniqueBucket('mp');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key, ...extra }));
    assert.ok(UploadId && UploadId.length >= 32);
    return { Bucket, Key: key, UploadId: UploadId! };
  }

  async function put(target: { Bucket: string; Key: string; UploadId: string }, PartNumber: number, Body: Buffer) {
    const { ETag } = await s3.send(new UploadPartCommand({ ...target, PartNumber, Body }));
    return ETag!;
  }

  it('CompleteMultipartUpload.roundTrip', async () => {
    const blobsBefore = await countBlobs(server.dataDir);
    const target = await bucketWithUpload('dir/obj', { ContentType: 'text/x-test', Metadata: { color: 'blue' }, Tagging: 'a=1' });
    const e1 = await put(target, 1, part1);
    const e2 = await put(target, 2, part2);
    assert.equal(e1, `"${md5(part1).toString('hex')}"`);
    const done = await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } }));
    const expectedEtag = `"${createHash('md5').update(Buffer.concat([md5(part1), md5(part2)])).digest('hex')}-2"`;
    assert.equal(done.ETag, expectedEtag);
    assert.equal(done.Key, 'dir/obj');
    // Absolute, as the client addressed the bucket (path style here), as on AWS.
    assert.equal(done.Location, `${server.endpoint}/${target.Bucket}/dir/obj`);
    assert.equal(await countBlobs(server.dataDir), blobsBefore + 2);

    const got = await s3.send(new GetObjectCommand({ Bucket: target.Bucket, Key: target.Key }));
    assert.equal(got.ETag, expectedEtag);
    assert.equal(got.ContentType, 'text/x-test');
    assert.deepEqual(got.Metadata, { color: 'blue' });
    assert.equal(got.TagCount, 1);
    assert.ok(Buffer.concat([part1, part2]).equals(await readAll(got.Body)));

    // A range across the part boundary is served in one stream.
    const ranged = await s3.send(new GetObjectCommand({ Bucket: target.Bucket, Key: target.Key, Range: `bytes=${5 * MiB - 10}-${5 * MiB + 9}` }));
    assert.ok(Buffer.concat([part1, part2]).subarray(5 * MiB - 10, 5 * MiB + 10).equals(await readAll(ranged.Body)));

    const second = await s3.send(new GetObjectCommand({ Bucket: target.Bucket, Key: target.Key, PartNumber: 2 }));
    assert.equal(second.$metadata.httpStatusCode, 206);
    assert.equal(second.PartsCount, 2);
    assert.equal(second.ContentLength, part2.length);
    assert.equal(second.ContentRange, `bytes ${5 * MiB}-${5 * MiB + part2.length - 1}/${5 * MiB + part2.length}`);
    assert.ok(part2.equals(await readAll(second.Body)));
    const head = await s3.send(new HeadObjectCommand({ Bucket: target.Bucket, Key: target.Key, PartNumber: 1 }));
    assert.equal(head.ContentLength, part1.length);
    assert.equal(head.PartsCount, 2);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: target.Bucket, Key: target.Key, PartNumber: 3 })), 'InvalidPartNumber', 416, 'The requested partnumber is not satisfiable');
  });

  it('GetObject.partNumberCountsTheObjectsParts: an upload of parts 1, 3 and 1000 completed with 1 and 1000 makes parts 1 and 2, as on AWS', async () => {
    const target = await bucketWithUpload();
    const e1 = await put(target, 1, part1);
    await put(target, 3, part1);
    const e1000 = await put(target, 1000, part2);
    await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 1000, ETag: e1000 }] } }));
    const second = await s3.send(new GetObjectCommand({ Bucket: target.Bucket, Key: target.Key, PartNumber: 2 }));
    assert.equal(second.$metadata.httpStatusCode, 206);
    assert.equal(second.PartsCount, 2);
    assert.equal(second.ContentRange, `bytes ${5 * MiB}-${5 * MiB + part2.length - 1}/${5 * MiB + part2.length}`);
    assert.ok(part2.equals(await readAll(second.Body)));
    const head = await s3.send(new HeadObjectCommand({ Bucket: target.Bucket, Key: target.Key, PartNumber: 2 }));
    assert.equal(head.ContentLength, part2.length);
    const error = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: target.Bucket, Key: target.Key, PartNumber: 3 })), 'InvalidPartNumber', 416, 'The requested partnumber is not satisfiable');
    assert.equal(error.PartNumberRequested, '3');
    assert.equal(error.ActualPartCount, '2');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: target.Bucket, Key: target.Key, PartNumber: 1000 })), 'InvalidPartNumber', 416, 'The requested partnumber is not satisfiable');
    // Without an additional checksum, GetObjectAttributes counts the parts and lists none (the API reference's GetObjectAttributesParts).
    const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket: target.Bucket, Key: target.Key, ObjectAttributes: ['ObjectParts'] }));
    assert.equal(attributes.ObjectParts?.TotalPartsCount, 2);
    assert.equal(attributes.ObjectParts?.Parts, undefined);
  });

  it('GetObject.rangeWithPartNumberIsRefusedBeforeTheNumberIsRead', async () => {
    const Bucket = uniqueBucket('mp');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'hello' }));
    for (const partNumber of ['0', '10001', 'x']) {
      const path = `/${Bucket}/k`;
      const query = `partNumber=${partNumber}`;
      const headers = signV4({ method: 'GET', path, query, host: new URL(server.endpoint).host, headers: { range: 'bytes=1-2' }, ...ROOT_KEYS });
      const response = await rawRequest(server.endpoint, { method: 'GET', path: `${path}?${query}`, headers });
      assert.equal(response.status, 400, partNumber);
      assert.equal(errorCode(response.text), 'InvalidRequest', partNumber);
    }
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket, Key: 'k', PartNumber: 0 })), 'InvalidArgument', 400, 'Part number must be an integer between 1 and 10000, inclusive');
  });

  it('GetObject.partNumberOfSinglePartObject', async () => {
    const Bucket = uniqueBucket('mp');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'k', PartNumber: 1 }));
    assert.equal((await readAll(got.Body)).toString(), 'hello');
    assert.equal(got.PartsCount, undefined);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket, Key: 'k', PartNumber: 2 })), 'InvalidPartNumber', 416, 'The requested partnumber is not satisfiable');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket, Key: 'k', PartNumber: 1, Range: 'bytes=0-1' })), 'InvalidRequest', 400, 'Cannot specify both Range header and partNumber query parameter');
  });

  it('UploadPart.partNumberOutOfRange', async () => {
    const target = await bucketWithUpload();
    await expectS3Error(put(target, 0, Buffer.from('x')), 'InvalidArgument', 400, 'Part number must be an integer between 1 and 10000, inclusive');
    await expectS3Error(put(target, 10001, Buffer.from('x')), 'InvalidArgument', 400, 'Part number must be an integer between 1 and 10000, inclusive');
    await put(target, 10000, Buffer.from('x'));
  });

  it('UploadPart.reuploadReplacesPart', async () => {
    const blobsBefore = await countBlobs(server.dataDir);
    const target = await bucketWithUpload();
    // Over the inline threshold (64 KiB): each part is a blob file, and the replaced one goes.
    const old = await put(target, 1, Buffer.from('first'.repeat(20_000)));
    const fresh = await put(target, 1, Buffer.from('second!'.repeat(10_000)));
    const parts = await s3.send(new ListPartsCommand(target));
    assert.deepEqual(parts.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size]), [[1, fresh, 70_000]]);
    assert.equal(await countBlobs(server.dataDir), blobsBefore + 1);
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: old }] } })), 'InvalidPart', 400, INVALID_PART);
    await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: fresh }] } }));
    const got = await s3.send(new GetObjectCommand({ Bucket: target.Bucket, Key: target.Key }));
    assert.equal((await readAll(got.Body)).toString(), 'second!'.repeat(10_000));
  });

  it('UploadPart.contentMd5Mismatch', async () => {
    const blobsBefore = await countBlobs(server.dataDir);
    const target = await bucketWithUpload();
    await expectS3Error(
      s3.send(new UploadPartCommand({ ...target, PartNumber: 1, Body: Buffer.from('abc'), ContentMD5: md5(Buffer.from('abd')).toString('base64') })),
      'BadDigest',
      400,
      'The Content-MD5 you specified did not match what we received.',
    );
    assert.equal(await countBlobs(server.dataDir), blobsBefore);
    const parts = await s3.send(new ListPartsCommand(target));
    assert.equal((parts.Parts ?? []).length, 0);
  });

  it('UploadPart.noSuchUpload', async () => {
    const target = await bucketWithUpload();
    await expectS3Error(put({ ...target, UploadId: 'nope' }, 1, Buffer.from('x')), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
    await expectS3Error(put({ ...target, Key: 'other-key' }, 1, Buffer.from('x')), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
  });

  it('CompleteMultipartUpload.invalidPartOrder', async () => {
    const target = await bucketWithUpload();
    const e1 = await put(target, 1, part1);
    const e2 = await put(target, 2, part2);
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: e2 }, { PartNumber: 1, ETag: e1 }] } })), 'InvalidPartOrder', 400, 'The list of parts was not in ascending order. Parts must be ordered by part number.');
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 1, ETag: e1 }] } })), 'InvalidPartOrder', 400, 'The list of parts was not in ascending order. Parts must be ordered by part number.');
  });

  it('CompleteMultipartUpload.entityTooSmall', async () => {
    const target = await bucketWithUpload();
    const e1 = await put(target, 1, Buffer.from('small'));
    const e2 = await put(target, 2, Buffer.from('last'));
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } })), 'EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.');
    // A small part is fine as the last (or only) one.
    await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: e2 }] } }));
  });

  it('CompleteMultipartUpload.invalidPart', async () => {
    const target = await bucketWithUpload();
    const e1 = await put(target, 1, Buffer.from('x'));
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: e1 }] } })), 'InvalidPart', 400, INVALID_PART);
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"' }] } })), 'InvalidPart', 400, INVALID_PART);
  });

  it('CompleteMultipartUpload.malformedXml', async () => {
    const target = await bucketWithUpload();
    await put(target, 1, Buffer.from('x'));
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [] } })), 'MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema');
    const url = new URL(server.endpoint);
    for (const body of ['<CompleteMultipartUpload><Part><PartNumber>1', '<Other/>', '<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>']) {
      const path = `/${target.Bucket}/${target.Key}`;
      const query = `uploadId=${target.UploadId}`;
      const headers = signV4({ method: 'POST', path, query, host: url.host, body, ...ROOT_KEYS });
      const res = await rawRequest(server.endpoint, { method: 'POST', path: `${path}?${query}`, headers, body });
      assert.equal(res.status, 400, res.text);
      assert.equal(errorCode(res.text), 'MalformedXML');
    }
  });

  it('CompleteMultipartUpload.noSuchUpload', async () => {
    const target = await bucketWithUpload();
    const e1 = await put(target, 1, Buffer.from('x'));
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, UploadId: 'bogus', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }] } })), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
    await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }] } }));
    // Completed: the upload is gone. (The same completion repeated gets the same answer:
    // retried-completion.test.ts; any other part list finds no upload.)
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"' }] } })), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
    await expectS3Error(s3.send(new UploadPartCommand({ ...target, PartNumber: 2, Body: 'late' })), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
  });

  it('CompleteMultipartUpload.ifNoneMatch', async () => {
    const target = await bucketWithUpload();
    const e1 = await put(target, 1, Buffer.from('new'));
    await s3.send(new PutObjectCommand({ Bucket: target.Bucket, Key: target.Key, Body: 'existing' }));
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, IfNoneMatch: '*', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }] } })), 'PreconditionFailed', 412, PRECONDITION_FAILED);
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ ...target, IfMatch: '"00000000000000000000000000000000"', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }] } })), 'PreconditionFailed', 412, PRECONDITION_FAILED);
    // The upload survives a failed condition.
    const head = await s3.send(new HeadObjectCommand({ Bucket: target.Bucket, Key: target.Key }));
    await s3.send(new CompleteMultipartUploadCommand({ ...target, IfMatch: head.ETag, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }] } }));
    const got = await s3.send(new GetObjectCommand({ Bucket: target.Bucket, Key: target.Key }));
    assert.equal((await readAll(got.Body)).toString(), 'new');
  });

  it('AbortMultipartUpload.freesParts', async () => {
    const blobsBefore = await countBlobs(server.dataDir);
    const target = await bucketWithUpload();
    await put(target, 1, part1);
    await put(target, 2, part2);
    assert.equal(await countBlobs(server.dataDir), blobsBefore + 2);
    const aborted = await s3.send(new AbortMultipartUploadCommand(target));
    assert.equal(aborted.$metadata.httpStatusCode, 204);
    assert.equal(await countBlobs(server.dataDir), blobsBefore);
    await expectS3Error(s3.send(new ListPartsCommand(target)), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
    await expectS3Error(s3.send(new AbortMultipartUploadCommand(target)), 'NoSuchUpload', 404, NO_SUCH_UPLOAD);
  });

  it('CompleteMultipartUpload.replacingObjectLeavesNoOrphans', async () => {
    const target = await bucketWithUpload();
    const blobsBefore = await countBlobs(server.dataDir);
    await s3.send(new PutObjectCommand({ Bucket: target.Bucket, Key: target.Key, Body: 'old' }));
    const e1 = await put(target, 1, part1);
    await put(target, 2, part2); // uploaded but not used: freed at completion
    await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }] } }));
    assert.equal(await countBlobs(server.dataDir), blobsBefore + 1);
  });

  it('CompleteMultipartUpload.keepAliveWhenSlow', async () => {
    const saved = completeKeepAlive.firstByteMs;
    completeKeepAlive.firstByteMs = 0; // every completion streams
    try {
      const target = await bucketWithUpload();
      const e1 = await put(target, 1, part1);
      const e2 = await put(target, 2, part2);
      // An error after the 200 arrives as an <Error> document in the body.
      const failed = await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e1 }] } })).catch((e) => e);
      assert.equal(failed.name, 'InvalidPart');
      const done = await s3.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } }));
      assert.match(done.ETag ?? '', /^"[0-9a-f]{32}-2"$/);

      const other = await bucketWithUpload();
      const small = await put(other, 1, Buffer.from('x'));
      const url = new URL(server.endpoint);
      const path = `/${other.Bucket}/${other.Key}`;
      const query = `uploadId=${other.UploadId}`;
      const body = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${small}</ETag></Part></CompleteMultipartUpload>`;
      const res = await rawRequest(server.endpoint, { method: 'POST', path: `${path}?${query}`, headers: signV4({ method: 'POST', path, query, host: url.host, body, ...ROOT_KEYS }), body });
      assert.equal(res.status, 200);
      assert.match(res.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n +<CompleteMultipartUploadResult /);
    } finally {
      completeKeepAlive.firstByteMs = saved;
    }
  });
});
