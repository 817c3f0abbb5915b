import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FsBlobStore } from '../../../src/store/blob/fs-blob-store.js';
import { assertNoPlaintextAtRest, body, bytesOf, customerKey, MARKER, md5Hex } from '../../helpers/encryption.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';

let server: TestServer;
let client: S3Client;
before(async () => {
  server = await startServer({ allowInsecureSseC: true });
  client = server.client();
});
after(() => server.stop());

const SEGMENT = 64 * 1024;

describe('SSE-S3 by default', () => {
  it('PutObject.sseS3ByDefault: PUT, GET and HEAD report AES256; the ETag is the MD5 of the plaintext', async () => {
    const bucket = await server.newBucket('sse');
    const data = body(1000);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: data }));
    assert.equal(put.ServerSideEncryption, 'AES256');
    assert.equal(put.ETag, `"${md5Hex(data)}"`);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(head.ServerSideEncryption, 'AES256');
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(get.ServerSideEncryption, 'AES256');
    assert.deepEqual(await bytesOf(get), data);
  });

  it('GetObject.rangesAcrossSegments: any range decrypts to the plaintext bytes', async () => {
    const bucket = await server.newBucket('sse');
    const data = body(3 * SEGMENT + 123);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: data }));
    for (const [first, last] of [[0, 0], [SEGMENT - 1, SEGMENT], [SEGMENT, 2 * SEGMENT - 1], [100, 3 * SEGMENT + 122], [3 * SEGMENT, 3 * SEGMENT + 122], [5, 200_000]] as const) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: `bytes=${first}-${last}` }));
      assert.deepEqual(await bytesOf(got), data.subarray(first, last + 1), `bytes=${first}-${last}`);
    }
    const whole = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.deepEqual(await bytesOf(whole), data);
  });

  it('CompleteMultipartUpload.sseS3: parts sealed, partNumber reads and a copied part decrypt', async () => {
    const bucket = await server.newBucket('sse');
    const source = body(SEGMENT + 10, 3);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: source }));
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }));
    assert.equal(created.ServerSideEncryption, 'AES256');
    const part1 = body(5 * 1024 * 1024, 4);
    const up1 = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 1, Body: part1 }));
    assert.equal(up1.ServerSideEncryption, 'AES256');
    const up2 = await client.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 2, CopySource: `${bucket}/src`, CopySourceRange: 'bytes=5-65545' }));
    const done = await client.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: 'mp', UploadId: created.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: up1.ETag }, { PartNumber: 2, ETag: up2.CopyPartResult!.ETag }] },
    }));
    assert.equal(done.ServerSideEncryption, 'AES256');
    const second = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', PartNumber: 2 }));
    assert.deepEqual(await bytesOf(second), source.subarray(5, 65546));
    const all = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp' }));
    assert.deepEqual(await bytesOf(all), Buffer.concat([part1, source.subarray(5, 65546)]));
  });
});

describe('bucket default encryption', () => {
  it('GetBucketEncryption.neverConfigured: AWS default rule AES256, BucketKeyEnabled false', async () => {
    const bucket = await server.newBucket('enc');
    const got = await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    assert.deepEqual(got.ServerSideEncryptionConfiguration?.Rules, [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }]);
  });

  it('PutBucketEncryption.bucketKeyEnabled: stored, echoed, applied to new objects; DeleteBucketEncryption restores the default', async () => {
    const bucket = await server.newBucket('enc');
    await client.send(new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] },
    }));
    const got = await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    assert.equal(got.ServerSideEncryptionConfiguration?.Rules?.[0]?.BucketKeyEnabled, true);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    assert.equal(put.BucketKeyEnabled, true);
    assert.equal((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }))).BucketKeyEnabled, true);
    await client.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    const after = await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    assert.equal(after.ServerSideEncryptionConfiguration?.Rules?.[0]?.BucketKeyEnabled, false);
  });

  it('PutObject.unknownAlgorithm: 400 InvalidArgument', async () => {
    const bucket = await server.newBucket('enc');
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ServerSideEncryption: 'AES128' as 'AES256' })), 'InvalidArgument', 400, 'The encryption method specified is not supported');
  });
});

describe('multipart uploads: the encryption is chosen at CreateMultipartUpload', () => {
  it('UploadPart, UploadPartCopy, CompleteMultipartUpload naming an encryption or KMS key → 400 InvalidArgument, as AWS', async () => {
    const bucket = await server.newBucket('mp-sse');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'source' }));
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    const host = new URL(server.endpoint).host;
    const send = (method: string, query: string, headers: Record<string, string>, body = '') => {
      const path = `/${bucket}/k`;
      return rawRequest(server.endpoint, { method, path: `${path}?${query}`, headers: signV4({ method, path, query, host, headers, body, ...ROOT_KEYS }), body });
    };
    for (const [name, value] of [['x-amz-server-side-encryption', 'AES256'], ['x-amz-server-side-encryption', 'aws:kms'], ['x-amz-server-side-encryption-aws-kms-key-id', 'alias/aws/s3']] as const) {
      const part = await send('PUT', `partNumber=1&uploadId=${UploadId}`, { [name]: value }, 'part');
      assert.equal(part.status, 400, part.text);
      assert.equal(errorCode(part.text), 'InvalidArgument');
      assert.match(part.text, new RegExp(`<Message>${name} header is not supported for this operation.</Message>`));
      const copy = await send('PUT', `partNumber=1&uploadId=${UploadId}`, { [name]: value, 'x-amz-copy-source': `/${bucket}/src` });
      assert.equal(errorCode(copy.text), 'InvalidArgument', copy.text);
    }
    const part = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber: 1, Body: 'part' }));
    const complete = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.ETag}</ETag></Part></CompleteMultipartUpload>`;
    const refused = await send('POST', `uploadId=${UploadId}`, { 'x-amz-server-side-encryption': 'AES256' }, complete);
    assert.equal(errorCode(refused.text), 'InvalidArgument', refused.text);
    const done = await send('POST', `uploadId=${UploadId}`, {}, complete);
    assert.equal(done.status, 200, done.text);
  });
});

describe('SSE-C', () => {
  it('PutObject.sseC: GET needs the same key (none → 400, another → 403); the ETag is not the MD5', async () => {
    const bucket = await server.newBucket('ssec');
    const key = customerKey();
    const data = body(100_000, 5);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: data, ...key }));
    assert.equal(put.SSECustomerAlgorithm, 'AES256');
    assert.equal(put.SSECustomerKeyMD5, key.SSECustomerKeyMD5);
    assert.equal(put.ServerSideEncryption, undefined);
    assert.notEqual(put.ETag, `"${md5Hex(data)}"`);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'InvalidRequest', 400,
      'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', ...customerKey() })), 'AccessDenied', 403, 'Access Denied');
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: 'bytes=70000-99999', ...key }));
    assert.equal(got.SSECustomerKeyMD5, key.SSECustomerKeyMD5);
    assert.equal(got.ETag, put.ETag);
    assert.deepEqual(await bytesOf(got), data.subarray(70000));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k', ...key }));
    assert.equal(head.ContentLength, data.length);
    await expectS3Error(client.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'k', ObjectAttributes: ['ObjectSize'] })), 'InvalidRequest', 400, 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
    const attributes = await client.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'k', ObjectAttributes: ['ObjectSize'], ...key }));
    assert.equal(attributes.ObjectSize, data.length);
  });

  it('PutBucketEncryption.BlockedEncryptionTypes SSE-C: new SSE-C objects refused (PUT, copy, multipart: 403), stored ones still read; NONE allows them again', async () => {
    const bucket = await server.newBucket('ssec-block');
    const key = customerKey();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'before', Body: 'kept', ...key }));
    const rule = (blocked: 'SSE-C' | 'NONE') => ({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const }, BlockedEncryptionTypes: { EncryptionType: [blocked] } });
    await client.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [rule('SSE-C')] } }));
    const got = await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    assert.deepEqual(got.ServerSideEncryptionConfiguration?.Rules?.[0]?.BlockedEncryptionTypes, { EncryptionType: ['SSE-C'] });
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ...key })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'k', CopySource: `${bucket}/before`, CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: key.SSECustomerKey, CopySourceSSECustomerKeyMD5: key.SSECustomerKeyMD5, ...key })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k', ...key })), 'AccessDenied', 403, 'Access Denied');
    // Other writes, and reads of what is stored, go on.
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'x' }));
    assert.equal((await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'before', ...key })))).toString(), 'kept');
    // A copy of the SSE-C object into SSE-S3 is no new SSE-C object.
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'decrypted', CopySource: `${bucket}/before`, CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: key.SSECustomerKey, CopySourceSSECustomerKeyMD5: key.SSECustomerKeyMD5 }));
    await client.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [rule('NONE')] } }));
    assert.deepEqual((await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.BlockedEncryptionTypes, { EncryptionType: ['NONE'] });
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ...key }));
    // Unknown types are malformed; NONE with SSE-C contradicts itself.
    const raw = (types: string) => `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes>${types}</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>`;
    const put = (document: string) => {
      const path = `/${bucket}`;
      const headers = signV4({ method: 'PUT', path, query: 'encryption', host: new URL(server.endpoint).host, body: document, headers: { 'content-md5': createHash('md5').update(document).digest('base64') }, ...ROOT_KEYS });
      return rawRequest(server.endpoint, { method: 'PUT', path: `${path}?encryption`, headers, body: document });
    };
    assert.equal(errorCode((await put(raw('<EncryptionType>SSE-KMS</EncryptionType>'))).text), 'MalformedXML');
    assert.equal(errorCode((await put(raw('<EncryptionType>NONE</EncryptionType><EncryptionType>SSE-C</EncryptionType>'))).text), 'InvalidArgument');
    // A configuration without the element leaves SSE-C allowed (and reports none).
    await client.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    assert.equal((await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.BlockedEncryptionTypes, undefined);
  });

  it('PutBucketPolicy.a policy that requires SSE-C (s3:x-amz-server-side-encryption-customer-algorithm) lets SSE-C uploads in, others not', async () => {
    const bucket = await server.newBucket('ssec-policy');
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'true' } } }],
    };
    await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ...customerKey() }));
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' })), 'AccessDenied', 403, 'Access Denied');
  });

  it('GetObject.x-amz-server-side-encryption on a read: 400 InvalidArgument (GET), 400 (HEAD)', async () => {
    const bucket = await server.newBucket('sse-read');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    const host = new URL(server.endpoint).host;
    for (const [name, value] of [['x-amz-server-side-encryption', 'AES256'], ['x-amz-server-side-encryption-aws-kms-key-id', 'alias/aws/s3']] as const) {
      for (const method of ['GET', 'HEAD']) {
        const path = `/${bucket}/k`;
        const res = await rawRequest(server.endpoint, { method, path, headers: signV4({ method, path, host, headers: { [name]: value }, ...ROOT_KEYS }) });
        assert.equal(res.status, 400, `${method} ${name}`);
        if (method === 'GET') assert.match(res.text, new RegExp(`<Code>InvalidArgument</Code><Message>${name} header is not supported for this operation.</Message>`));
      }
    }
  });

  it('GetObject.sseCOnSseS3Object: 400 InvalidRequest', async () => {
    const bucket = await server.newBucket('ssec');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', ...customerKey() })), 'InvalidRequest', 400, 'The encryption parameters are not applicable to this object.');
  });

  it('PutObject.sseCMalformed: wrong MD5, short key, other algorithm, with x-amz-server-side-encryption', async () => {
    const bucket = await server.newBucket('ssec');
    const key = customerKey();
    // The SDK computes the key's MD5 itself: a wrong one is sent raw.
    const path = `/${bucket}/k`;
    const headers = signV4({
      method: 'PUT', path, host: new URL(server.endpoint).host, body: 'x', ...ROOT_KEYS,
      headers: { 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': key.SSECustomerKey, 'x-amz-server-side-encryption-customer-key-md5': customerKey().SSECustomerKeyMD5 },
    });
    const wrongMd5 = await rawRequest(server.endpoint, { method: 'PUT', path, headers, body: 'x' });
    assert.equal(wrongMd5.status, 400);
    assert.equal(errorCode(wrongMd5.text), 'InvalidArgument');
    assert.match(wrongMd5.text, /<Message>The calculated MD5 hash of the key did not match the hash that was provided.<\/Message>/);
    const short = randomBytes(16);
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', SSECustomerAlgorithm: 'AES256', SSECustomerKey: short.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(short).digest('base64') })),
      'InvalidArgument', 400, 'The secret key was invalid for the specified algorithm.');
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ...key, SSECustomerAlgorithm: 'AES128' })),
      'InvalidEncryptionAlgorithmError', 400, 'The encryption request you specified is not valid. The valid value is AES256.');
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ...key, ServerSideEncryption: 'AES256' })),
      'InvalidArgument', 400, 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified');
  });

  it('CopyObject.betweenModes: SSE-C → SSE-S3 → SSE-C re-encrypts; the SSE-S3 copy has the MD5 ETag', async () => {
    const bucket = await server.newBucket('ssec');
    const key = customerKey();
    const other = customerKey();
    const data = body(70_000, 6);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'c', Body: data, ...key }));
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 's3', CopySource: `${bucket}/c` })), 'InvalidRequest', 400, 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
    const toS3 = await client.send(new CopyObjectCommand({
      Bucket: bucket, Key: 's3', CopySource: `${bucket}/c`,
      CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: key.SSECustomerKey, CopySourceSSECustomerKeyMD5: key.SSECustomerKeyMD5,
    }));
    assert.equal(toS3.ServerSideEncryption, 'AES256');
    assert.equal(toS3.CopyObjectResult?.ETag, `"${md5Hex(data)}"`);
    assert.deepEqual(await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 's3' }))), data);
    const toC = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'c2', CopySource: `${bucket}/s3`, ...other }));
    assert.equal(toC.SSECustomerKeyMD5, other.SSECustomerKeyMD5);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'c2', ...key })), 'AccessDenied', 403, 'Access Denied');
    assert.deepEqual(await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'c2', ...other }))), data);
  });

  it('UploadPart.sseC: every part needs the upload key (UploadPartCopy of an SSE-S3 source re-encrypts); the object reads back with it', async () => {
    const bucket = await server.newBucket('ssec');
    const key = customerKey();
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ...key }));
    assert.equal(created.SSECustomerKeyMD5, key.SSECustomerKeyMD5);
    const part = body(5 * 1024 * 1024, 7);
    await expectS3Error(client.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 1, Body: part })), 'InvalidRequest', 400, 'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.');
    await expectS3Error(client.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 1, Body: part, ...customerKey() })), 'InvalidArgument', 400, 'The provided encryption parameters did not match the ones used originally.');
    const p1 = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 1, Body: part, ...key }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain-s3', Body: MARKER }));
    const p2 = await client.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 2, CopySource: `${bucket}/plain-s3`, ...key }));
    await client.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: 'mp', UploadId: created.UploadId, ...key,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag }] },
    }));
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp' })), 'InvalidRequest', 400, 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', PartNumber: 2, ...key }));
    assert.equal((await bytesOf(got)).toString(), MARKER);
  });

  it('PutObject.sseCOverPlainHttp: refused unless --allow-insecure-sse-c', async () => {
    const strict = await startServer();
    try {
      const bucket = await strict.newBucket('ssec');
      await expectS3Error(strict.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ...customerKey() })), 'InvalidRequest', 400,
        'Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.');
    } finally {
      await strict.stop();
    }
  });
});

describe('objects written before encryption at rest', () => {
  it('GetObject.storedInClear: still readable (ranges too), reported without SSE; a copy onto itself seals it', async () => {
    const bucket = await server.newBucket('legacy');
    const data = Buffer.from(`${MARKER} written in clear `.repeat(100));
    // A version as Coffer stored them before: a blob in clear, no sealing, no encryption.
    const blobs = await FsBlobStore.open(server.dataDir);
    const blob = await blobs.write((async function* () { yield data; })());
    const meta = await server.openMetadataStore();
    try {
      await meta.putVersion({
        bucket, key: 'old', versionId: 'null', isDeleteMarker: false, size: data.length, etag: md5Hex(data), lastModified: new Date(),
        ownerId: server.coffer.rootUser.id, headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [],
        manifest: [{ blobId: blob.blobId, offset: 0, length: data.length }],
      });
    } finally {
      await meta.close();
    }
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'old', Range: 'bytes=10-99' }));
    assert.equal(got.ServerSideEncryption, undefined);
    assert.deepEqual(await bytesOf(got), data.subarray(10, 100));
    const copied = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'old', CopySource: `${bucket}/old`, ServerSideEncryption: 'AES256' }));
    assert.equal(copied.ServerSideEncryption, 'AES256');
    assert.equal(copied.CopyObjectResult?.ETag, `"${md5Hex(data)}"`);
    const after = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'old' }));
    assert.equal(after.ServerSideEncryption, 'AES256');
    assert.deepEqual(await bytesOf(after), data);
    await assert.rejects(readFile(join(server.dataDir, 'blobs', blob.blobId.slice(0, 2), blob.blobId.slice(2, 4), blob.blobId)), { code: 'ENOENT' }, 'the blob in clear was released');
  });
});

describe('at rest', () => {
  // Runs last: every object the scenarios above wrote is on disk by now.
  it('BlobFiles.noPlaintext: no blob file, nor the metadata that holds small objects inline, holds any written plaintext', async () => {
    await assertNoPlaintextAtRest(server.dataDir, 3);
  });
});
