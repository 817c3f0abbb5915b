/**
 * DSSE-KMS (aws:kms:dsse): two layers of AES-256-GCM under two data keys, each wrapped by the KMS
 * key and bound to the object's encryption context; and that binding for SSE-KMS (a wrapped key
 * moved to another object does not unwrap; records written before it still read).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { loadMasterKeyRing } from '../../../src/crypto/key-ring.js';
import { unwrapKey, wrapKey } from '../../../src/crypto/key-wrap.js';
import { KmsKeyRing } from '../../../src/crypto/kms-keys.js';
import { openSealedBuffer, SEGMENT_BYTES, storedSize, TAG_BYTES } from '../../../src/crypto/segments.js';
import { encryptionContext } from '../../../src/ops/objects/kms.js';
import type { BlobSealing, MetadataStore, ObjectVersion } from '../../../src/store/meta/metadata-store.js';
import { layout } from '../../helpers/data-dir.js';
import { assertNoPlaintextAtRest, body, bytesOf, md5Hex, MARKER, newKmsKey } from '../../helpers/encryption.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

let server: TestServer;
let client: S3Client;
let region: string;
let meta: MetadataStore;
before(async () => {
  server = await startServer();
  client = server.client();
  region = server.coffer.region;
  meta = await server.openMetadataStore();
});
after(async () => {
  await meta.close();
  await server.stop();
});

const arnOf = (id: string) => `arn:aws:kms:${region}:${server.coffer.accountId}:key/${id}`;

const newKey = async () => (await newKmsKey(server)).id;

async function versionOf(bucket: string, key: string): Promise<ObjectVersion> {
  return (await meta.getVersion(bucket, key))!;
}

/** GET (with VersionId where the test changed the version behind the server's back: its latest-version cache would not know). */
async function read(bucket: string, key: string, extra: { Range?: string; PartNumber?: number; VersionId?: string } = {}): Promise<Buffer> {
  return bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra })));
}

/** The KMS key's material, as the server holds it (to open the layers by hand). */
async function kmsMaterial(id: string): Promise<Buffer> {
  const ring = new KmsKeyRing(server.dataDir, await loadMasterKeyRing(server.dataDir));
  return (await ring.find({ id }))!.material;
}

describe('DSSE-KMS', () => {
  it('PutObject.dsse: two layers under two independently wrapped data keys; PUT, GET, HEAD report aws:kms:dsse and the key; ranges and bytes on disk', async () => {
    const bucket = await server.newBucket('dsse');
    const id = await newKey();
    const data = body(3 * SEGMENT_BYTES + 1234);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: data, ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: id }));
    assert.equal(put.ServerSideEncryption, 'aws:kms:dsse');
    assert.equal(put.SSEKMSKeyId, arnOf(id));
    assert.notEqual(put.ETag, `"${md5Hex(data)}"`);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(head.ServerSideEncryption, 'aws:kms:dsse');
    assert.equal(head.SSEKMSKeyId, arnOf(id));
    assert.ok((await read(bucket, 'k')).equals(data));
    for (const [from, to] of [[0, 0], [SEGMENT_BYTES - 3, SEGMENT_BYTES + 5], [SEGMENT_BYTES + 10, 3 * SEGMENT_BYTES + 1233], [data.length - 1, data.length - 1]] as const) {
      assert.ok((await read(bucket, 'k', { Range: `bytes=${from}-${to}` })).equals(data.subarray(from, to + 1)), `bytes=${from}-${to}`);
    }

    // On disk: the outer layer opens (under its own key) to the inner layer's sealed segments, not
    // to plaintext; the inner layer opens to the data. Neither key opens the other's layer.
    const version = await versionOf(bucket, 'k');
    const sealing = version.manifest[0]!.sealing! as BlobSealing & { outer: NonNullable<BlobSealing['outer']> };
    assert.equal(sealing.version, 2);
    assert.ok(sealing.outer);
    const stored = await readFile(layout(server.dataDir).blobPath(version.manifest[0]!.blobId));
    assert.equal(stored.length, storedSize(data.length, SEGMENT_BYTES, true));
    const material = await kmsMaterial(id);
    const context = encryptionContext(version.encryption!, bucket, 'k');
    const innerKey = unwrapKey(material, Buffer.from(sealing.wrappedKey, 'base64'), context)!;
    const outerKey = unwrapKey(material, Buffer.from(sealing.outer.wrappedKey, 'base64'), Buffer.concat([Buffer.from('coffer dsse outer layer\0'), context]))!;
    assert.ok(innerKey && outerKey && !innerKey.equals(outerKey));
    const open = async (bytes: Buffer, key: Buffer, nonceBase: string, segmentBytes: number, plainBytes: number) =>
      openSealedBuffer(bytes, key, { nonceBase: Buffer.from(nonceBase, 'base64'), segmentBytes }, 0, plainBytes);
    const innerSealed = await open(stored, outerKey, sealing.outer.nonceBase, SEGMENT_BYTES + TAG_BYTES, storedSize(data.length, SEGMENT_BYTES, false));
    assert.equal(innerSealed.includes(MARKER), false);
    assert.ok((await open(innerSealed, innerKey, sealing.nonceBase, SEGMENT_BYTES, data.length)).equals(data));
    await assert.rejects(open(stored, innerKey, sealing.outer.nonceBase, SEGMENT_BYTES + TAG_BYTES, innerSealed.length), { name: 'SegmentAuthenticationError' });
  });

  it('PutObject.dsseBucketKey: x-amz-server-side-encryption-bucket-key-enabled is ignored (S3 Bucket Keys do not apply to DSSE-KMS) and not echoed', async () => {
    const bucket = await server.newBucket('dsse');
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'small', ServerSideEncryption: 'aws:kms:dsse', BucketKeyEnabled: true }));
    assert.equal(put.ServerSideEncryption, 'aws:kms:dsse');
    assert.equal(put.BucketKeyEnabled, undefined);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(head.BucketKeyEnabled, undefined);
    assert.equal((await read(bucket, 'k')).toString(), 'small');
    assert.equal((await versionOf(bucket, 'k')).encryption?.bucketKeyEnabled, undefined);
  });

  it('PutBucketEncryption.dsse: the default (with its key) seals new objects in two layers; BucketKeyEnabled echoed by the configuration only', async () => {
    const bucket = await server.newBucket('dsse');
    const id = await newKey();
    await client.send(new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: id }, BucketKeyEnabled: true }] },
    }));
    const rule = (await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0];
    assert.deepEqual(rule?.ApplyServerSideEncryptionByDefault, { SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: id });
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: body(5000) }));
    assert.equal(put.ServerSideEncryption, 'aws:kms:dsse');
    assert.equal(put.SSEKMSKeyId, arnOf(id));
    assert.equal(put.BucketKeyEnabled, undefined);
    assert.ok((await versionOf(bucket, 'k')).manifest[0]!.sealing!.outer);
    await expectS3Error(
      client.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: id } }] } })),
      'InvalidArgument', 400, 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
    );
  });

  it('CompleteMultipartUpload.dsse: parts (and an UploadPartCopy) sealed in two layers; partNumber and ranged reads decrypt; a copy to SSE-S3 and back', async () => {
    const bucket = await server.newBucket('dsse');
    const id = await newKey();
    const part1 = body(5 * 1024 * 1024, 2);
    const part2 = body(100_000, 3);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'source', Body: part2 }));
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: id }));
    assert.equal(created.ServerSideEncryption, 'aws:kms:dsse');
    assert.equal(created.SSEKMSKeyId, arnOf(id));
    const uploaded = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 1, Body: part1 }));
    assert.equal(uploaded.ServerSideEncryption, 'aws:kms:dsse');
    const copied = await client.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 2, CopySource: `${bucket}/source` }));
    const done = await client.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: 'mp', UploadId: created.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: uploaded.ETag }, { PartNumber: 2, ETag: copied.CopyPartResult!.ETag }] },
    }));
    assert.equal(done.ServerSideEncryption, 'aws:kms:dsse');
    assert.ok((await versionOf(bucket, 'mp')).manifest.every((extent) => extent.sealing?.outer !== undefined));
    assert.ok((await read(bucket, 'mp', { PartNumber: 2 })).equals(part2));
    assert.ok((await read(bucket, 'mp', { Range: `bytes=${part1.length - 10}-${part1.length + 70_000}` })).equals(Buffer.concat([part1, part2]).subarray(part1.length - 10, part1.length + 70_001)));

    const toS3 = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'plain', CopySource: `${bucket}/source`, ServerSideEncryption: 'aws:kms:dsse' }));
    assert.equal(toS3.ServerSideEncryption, 'aws:kms:dsse');
    const back = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'back', CopySource: `${bucket}/plain`, ServerSideEncryption: 'AES256' }));
    assert.equal(back.ServerSideEncryption, 'AES256');
    assert.equal(back.CopyObjectResult?.ETag, `"${md5Hex(part2)}"`);
    assert.ok((await read(bucket, 'back')).equals(part2));
  });

  it('PostObject.dsse: the form field x-amz-server-side-encryption aws:kms:dsse seals the upload in two layers', async () => {
    const bucket = await server.newBucket('dsse');
    const form = await createPresignedPost(client, { Bucket: bucket, Key: 'posted', Fields: { 'x-amz-server-side-encryption': 'aws:kms:dsse' }, Conditions: [{ 'x-amz-server-side-encryption': 'aws:kms:dsse' }] });
    const data = new FormData();
    for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
    data.append('file', new Blob([new Uint8Array(body(9000))]));
    const response = await fetch(form.url, { method: 'POST', body: data });
    assert.equal(response.status, 204, await response.text());
    assert.equal(response.headers.get('x-amz-server-side-encryption'), 'aws:kms:dsse');
    assert.equal((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'posted' }))).ServerSideEncryption, 'aws:kms:dsse');
    assert.ok((await versionOf(bucket, 'posted')).manifest[0]!.sealing!.outer);
  });
});

describe('encryption context', () => {
  it('GetObject.movedWrappedKey: a KMS data key moved to another object (or its context changed) does not unwrap; the object it was written for still reads', async () => {
    const bucket = await server.newBucket('ctx');
    const id = await newKey();
    const kms = { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: id };
    const team = (name: string) => Buffer.from(JSON.stringify({ team: name })).toString('base64');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'a', Body: 'secret of a', ...kms, SSEKMSEncryptionContext: team('x') }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'b', Body: 'secret of b', ...kms }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'c', Body: 'secret of c', ...kms, SSEKMSEncryptionContext: team('x') }));
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((key) => versionOf(bucket, key)));
    assert.equal(a!.manifest[0]!.sealing!.version, 2);
    // Read first, so that their unwrapped data keys are cached: the cache must not answer for a moved key.
    assert.equal((await read(bucket, 'a')).toString(), 'secret of a');
    assert.equal((await read(bucket, 'c')).toString(), 'secret of c');
    // b now names a's data (its blob, sealing and context): the wrapping is bound to a's ARN.
    assert.equal((await meta.resealVersion(bucket, 'b', b!.versionId, b!.manifest, a!.manifest, a!.encryption!)).applied, true);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'b', VersionId: b!.versionId })), 'KMS.InvalidCiphertextException', 400);
    // c's own data under another context than it was written with: refused as well.
    assert.equal((await meta.resealVersion(bucket, 'c', c!.versionId, c!.manifest, c!.manifest, { ...c!.encryption!, kmsContext: team('y') })).applied, true);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', VersionId: c!.versionId })), 'KMS.InvalidCiphertextException', 400);
    assert.equal((await read(bucket, 'a')).toString(), 'secret of a');
  });

  it('GetObject.sealingVersion1: an SSE-KMS object whose data key was wrapped without its context (before contexts were bound) still reads; a copy rewraps it bound', async () => {
    const bucket = await server.newBucket('ctx');
    const id = await newKey();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'old', Body: 'written long ago', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id }));
    const version = await versionOf(bucket, 'old');
    const { version: _bound, ...sealing } = version.manifest[0]!.sealing!;
    const material = await kmsMaterial(id);
    const dataKey = unwrapKey(material, Buffer.from(sealing.wrappedKey, 'base64'), encryptionContext(version.encryption!, bucket, 'old'))!;
    const legacy = [{ ...version.manifest[0]!, sealing: { ...sealing, wrappedKey: wrapKey(material, dataKey).toString('base64') } }];
    assert.equal((await meta.resealVersion(bucket, 'old', version.versionId, version.manifest, legacy, version.encryption!)).applied, true);
    assert.equal((await versionOf(bucket, 'old')).manifest[0]!.sealing!.version, undefined);
    assert.equal((await read(bucket, 'old', { VersionId: version.versionId })).toString(), 'written long ago');
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'renamed', CopySource: `${bucket}/old?versionId=${version.versionId}`, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id }));
    assert.equal((await versionOf(bucket, 'renamed')).manifest[0]!.sealing!.version, 2);
    assert.equal((await read(bucket, 'renamed')).toString(), 'written long ago');
  });
});

describe('at rest', () => {
  it('BlobFiles.noPlaintext: no blob file nor metadata file holds plaintext written with DSSE-KMS', async () => {
    await assertNoPlaintextAtRest(server.dataDir, 5);
  });
});
