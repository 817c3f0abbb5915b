import assert from 'node:assert/strict';
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
import { runKmsCommand } from '../../../src/cli/kms.js';
import { assertNoPlaintextAtRest, body, bytesOf, customerKey, KMS_CLI_ENV, md5Hex } from '../../helpers/encryption.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

let server: TestServer;
let client: S3Client;
let region: string;
before(async () => {
  server = await startServer({ allowInsecureSseC: true });
  client = server.client();
  region = server.coffer.region;
});
after(() => server.stop());

/** The server's account, as it prints it at start-up: KMS ARNs carry it, as IAM ARNs do. */
const account = () => server.coffer.accountId;
const arnOf = (id: string) => `arn:aws:kms:${region}:${account()}:key/${id}`;

/** `coffer kms …` against the server's data dir (as an operator runs it beside the server); its output lines. */
async function kms(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const code = await runKmsCommand([...args, '--data-dir', server.dataDir, '--region', region], KMS_CLI_ENV, (line) => lines.push(line));
  assert.equal(code, 0, `coffer kms ${args.join(' ')}`);
  return lines;
}

/** A new key (optionally with an alias); its id. */
async function newKey(alias?: string): Promise<string> {
  const [arn] = await kms('create', ...(alias ? ['--alias', alias] : []), '--description', 'test key');
  return /key\/(.+)$/.exec(arn!)![1]!;
}

const context = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64');

describe('SSE-KMS', () => {
  it('PutObject.kmsKeyByAlias: PUT, GET and HEAD report aws:kms and the key ARN; the ETag is not the MD5; the context is echoed', async () => {
    const bucket = await server.newBucket('kms');
    const id = await newKey('alias/app-data');
    const data = body(70_000);
    const put = await client.send(new PutObjectCommand({
      Bucket: bucket, Key: 'k', Body: data, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/app-data', SSEKMSEncryptionContext: context({ project: 'x' }),
    }));
    assert.equal(put.ServerSideEncryption, 'aws:kms');
    assert.equal(put.SSEKMSKeyId, arnOf(id));
    assert.equal(put.SSEKMSEncryptionContext, context({ project: 'x' }));
    assert.match(put.ETag!, /^"[0-9a-f]{32}"$/);
    assert.notEqual(put.ETag, `"${md5Hex(data)}"`);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, arnOf(id));
    assert.equal(head.ETag, put.ETag);
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: 'bytes=65530-65545' }));
    assert.equal(get.SSEKMSKeyId, arnOf(id));
    assert.deepEqual(await bytesOf(get), data.subarray(65530, 65546));
    // The same key by id, by ARN and by alias ARN.
    for (const name of [id, arnOf(id), `arn:aws:kms:${region}:${account()}:alias/app-data`]) {
      const again = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k2', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: name }));
      assert.equal(again.SSEKMSKeyId, arnOf(id), name);
    }
  });

  it('PutObject.kmsKeyArnAccount: ARNs carry the account id the server prints; the earlier 000000000000 is still read; another account is not a key of ours', async () => {
    const bucket = await server.newBucket('kms');
    const id = await newKey();
    assert.match(account(), /^\d{12}$/);
    assert.notEqual(account(), '000000000000');
    const earlier = `arn:aws:kms:${region}:000000000000:key/${id}`;
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: earlier }));
    assert.equal(put.SSEKMSKeyId, arnOf(id));
    const foreign = `arn:aws:kms:${region}:210987654321:key/${id}`;
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: foreign })), 'KMS.NotFoundException', 400, `Invalid keyId ${foreign}`);
    // `coffer kms` without the root's keys (neither in the data dir nor in its environment) cannot know the account: it shows ids.
    const lines: string[] = [];
    assert.equal(await runKmsCommand(['list', '--data-dir', server.dataDir, '--region', region], {}, (line) => lines.push(line)), 0);
    const listed = lines.map((line) => line.split('\t')).find((fields) => fields[0] === id);
    assert.equal(listed?.[2], id);
    assert.equal(await runKmsCommand(['disable', arnOf(id), '--data-dir', server.dataDir, '--region', region], {}, () => {}), 0);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'KMS.DisabledException', 400, `${arnOf(id)} is disabled.`);
    await kms('enable', id);
  });

  it('PutObject.kmsWithoutKey: the AWS managed key alias/aws/s3, created on first use', async () => {
    const bucket = await server.newBucket('kms');
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'managed', ServerSideEncryption: 'aws:kms' }));
    const managed = (await kms('list')).map((line) => line.split('\t')).find((fields) => fields[3] === 'alias/aws/s3');
    assert.ok(managed, 'alias/aws/s3 is listed');
    assert.equal(put.SSEKMSKeyId, arnOf(managed[0]!));
    assert.equal((await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })))).toString(), 'managed');
  });

  it('PutObject.kmsErrors: unknown key, alias, malformed id → 400 KMS.NotFoundException; KMS headers without aws:kms, bad context → 400 InvalidArgument', async () => {
    const bucket = await server.newBucket('kms');
    const missing = '11111111-2222-3333-4444-555555555555';
    const put = (extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]>) => client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ...extra }));
    await expectS3Error(put({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: missing }), 'KMS.NotFoundException', 400, `Key '${arnOf(missing)}' does not exist`);
    await expectS3Error(put({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/nothing' }), 'KMS.NotFoundException', 400, `Alias arn:aws:kms:${region}:${account()}:alias/nothing is not found.`);
    await expectS3Error(put({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'not-a-key' }), 'KMS.NotFoundException', 400, 'Invalid keyId not-a-key');
    await expectS3Error(put({ SSEKMSKeyId: missing }), 'InvalidArgument', 400, 'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms');
    await expectS3Error(put({ ServerSideEncryption: 'AES256', SSEKMSEncryptionContext: context({ a: 'b' }) }), 'InvalidArgument', 400, 'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms');
    const badContext = "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map";
    await expectS3Error(put({ ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: context({ a: 1 }) }), 'InvalidArgument', 400, badContext);
    await expectS3Error(put({ ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: Buffer.from('not json').toString('base64') }), 'InvalidArgument', 400, badContext);
    await expectS3Error(put({ SSEKMSKeyId: missing, ...customerKey() }), 'InvalidArgument', 400, 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified');
    await expectS3Error(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })), 'NotFound', 404);
  });

  it('GetObject.disabledKey: PUT and GET answer 400 KMS.DisabledException while the key is disabled (HEAD still answers); enabled again, GET works', async () => {
    const bucket = await server.newBucket('kms');
    const id = await newKey();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'locked away', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id }));
    // Read once, so that its data key is held unwrapped: the disable must stop reads all the same.
    assert.equal((await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })))).toString(), 'locked away');
    await kms('disable', arnOf(id));
    const disabled = `${arnOf(id)} is disabled.`;
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'KMS.DisabledException', 400, disabled);
    await expectS3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k2', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id })), 'KMS.DisabledException', 400, disabled);
    await expectS3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'k3', CopySource: `${bucket}/k` })), 'KMS.DisabledException', 400, disabled);
    assert.equal((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }))).SSEKMSKeyId, arnOf(id));
    assert.match((await kms('list')).find((line) => line.startsWith(id))!, /\tDisabled\t/);
    await kms('enable', id);
    assert.equal((await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })))).toString(), 'locked away');
  });

  it('CompleteMultipartUpload.kms: parts sealed under the upload key (UploadPartCopy re-encrypts); every response reports it', async () => {
    const bucket = await server.newBucket('kms');
    const id = await newKey();
    const part1 = body(5 * 1024 * 1024, 2);
    const source = body(70_000, 3);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: source }));
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id, SSEKMSEncryptionContext: context({ k: 'v' }) }));
    assert.equal(created.ServerSideEncryption, 'aws:kms');
    assert.equal(created.SSEKMSKeyId, arnOf(id));
    assert.equal(created.SSEKMSEncryptionContext, context({ k: 'v' }));
    const up1 = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 1, Body: part1 }));
    assert.equal(up1.SSEKMSKeyId, arnOf(id));
    assert.notEqual(up1.ETag, `"${md5Hex(part1)}"`);
    const up2 = await client.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 2, CopySource: `${bucket}/src` }));
    assert.equal(up2.SSEKMSKeyId, arnOf(id));
    const done = await client.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: 'mp', UploadId: created.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: up1.ETag }, { PartNumber: 2, ETag: up2.CopyPartResult!.ETag }] },
    }));
    assert.equal(done.ServerSideEncryption, 'aws:kms');
    assert.equal(done.SSEKMSKeyId, arnOf(id));
    assert.deepEqual(await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', PartNumber: 2 }))), source);
    assert.deepEqual(await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp' }))), Buffer.concat([part1, source]));
  });

  it('CopyObject.betweenModes: SSE-S3 → SSE-KMS → SSE-C → SSE-KMS → SSE-S3 re-encrypts each time; the SSE-S3 copy has the MD5 ETag', async () => {
    const bucket = await server.newBucket('kms');
    const id = await newKey();
    const data = body(100_000, 4);
    const sse = customerKey();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 's3', Body: data }));
    const toKms = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'kms', CopySource: `${bucket}/s3`, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id }));
    assert.equal(toKms.SSEKMSKeyId, arnOf(id));
    assert.notEqual(toKms.CopyObjectResult?.ETag, `"${md5Hex(data)}"`);
    const toC = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'c', CopySource: `${bucket}/kms`, ...sse }));
    assert.equal(toC.SSECustomerAlgorithm, 'AES256');
    await client.send(new CopyObjectCommand({
      Bucket: bucket, Key: 'kms2', CopySource: `${bucket}/c`, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id,
      CopySourceSSECustomerAlgorithm: sse.SSECustomerAlgorithm, CopySourceSSECustomerKey: sse.SSECustomerKey, CopySourceSSECustomerKeyMD5: sse.SSECustomerKeyMD5,
    }));
    const back = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'back', CopySource: `${bucket}/kms2`, ServerSideEncryption: 'AES256' }));
    assert.equal(back.ServerSideEncryption, 'AES256');
    assert.equal(back.CopyObjectResult?.ETag, `"${md5Hex(data)}"`);
    for (const key of ['kms', 'kms2', 'back']) assert.deepEqual(await bytesOf(await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))), data, key);
  });

  it('PutBucketEncryption.kms: the configured key (checked to exist) encrypts new objects; without one, the AWS managed key', async () => {
    const bucket = await server.newBucket('kms');
    const id = await newKey();
    const configure = (keyId?: string) => client.send(new PutBucketEncryptionCommand({
      Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyId }, BucketKeyEnabled: true }] },
    }));
    await expectS3Error(configure('11111111-2222-3333-4444-555555555555'), 'KMS.NotFoundException', 400);
    await configure(arnOf(id));
    const got = await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    assert.deepEqual(got.ServerSideEncryptionConfiguration?.Rules, [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(id) }, BucketKeyEnabled: true }]);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'default' }));
    assert.equal(put.ServerSideEncryption, 'aws:kms');
    assert.equal(put.SSEKMSKeyId, arnOf(id));
    assert.equal(put.BucketKeyEnabled, true);
    // aws:kms named by the request without a key: the bucket default's key.
    assert.equal((await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k2', Body: 'x', ServerSideEncryption: 'aws:kms' }))).SSEKMSKeyId, arnOf(id));
    // AES256 named by the request overrides the default.
    assert.equal((await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k3', Body: 'x', ServerSideEncryption: 'AES256' }))).ServerSideEncryption, 'AES256');
    await configure(undefined);
    const managed = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k4', Body: 'x' }));
    assert.notEqual(managed.SSEKMSKeyId, arnOf(id));
    assert.match(managed.SSEKMSKeyId!, /^arn:aws:kms:.+:key\//);
  });
});

describe('at rest', () => {
  // Runs last: every object the scenarios above wrote is on disk by now.
  it('BlobFiles.noPlaintext: no blob file holds any plaintext written with SSE-KMS (single PUT, multipart, copy)', async () => {
    await assertNoPlaintextAtRest(server.dataDir, 8);
  });
});
