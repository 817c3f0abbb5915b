/**
 * Bucket policies over HTTP: Put/Get/DeleteBucketPolicy, GetBucketPolicyStatus, a second user
 * limited to one prefix, anonymous public reads (fetch, curl), and one scenario per condition key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4, type RawResponse } from '../../helpers/raw-request.js';
import { OTHER_USER, startServer, type TestServer } from '../../helpers/start-server.js';

describe('access.bucket policies', () => {
  let server: TestServer;
  let root: S3Client;
  let other: S3Client;
  let otherArn: string;
  before(async () => {
    // Legacy bucket defaults: no public access block, so that public policies can be put (the block is tested on its own below).
    server = await startServer({ bucketDefaults: 'legacy' });
    root = server.client();
    other = server.otherClient();
    otherArn = `arn:aws:iam::${server.coffer.accountId}:user/${OTHER_USER.displayName}`;
  });
  after(() => server.stop());

  const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
  const put = (bucket: string, text: string) => root.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: text }));

  /** A request as the other user (SigV4 header), or anonymous (`signed: false`). */
  function send(options: { method?: string; path: string; query?: string; headers?: Record<string, string>; body?: string; signed?: boolean; payloadHash?: string; date?: Date }): Promise<RawResponse> {
    const method = options.method ?? 'GET';
    const host = new URL(server.endpoint).host;
    const headers = options.signed === false
      ? { ...options.headers, host }
      : signV4({ method, path: options.path, query: options.query, host, headers: options.headers, body: options.body, payloadHash: options.payloadHash, date: options.date, ...OTHER_USER });
    return rawRequest(server.endpoint, { method, path: options.query ? `${options.path}?${options.query}` : options.path, headers, body: options.body });
  }

  function assertDenied(res: RawResponse, what: string): void {
    assert.equal(res.status, 403, `${what}: ${res.status} ${res.text}`);
    assert.equal(errorCode(res.text), 'AccessDenied', what);
    assert.match(res.text, /<Message>Access Denied<\/Message>/, what);
  }

  it('PutBucketPolicy.then GetBucketPolicy answers it as sent; DeleteBucketPolicy removes it', async () => {
    const bucket = await server.newBucket('pol');
    await expectS3Error(root.send(new GetBucketPolicyCommand({ Bucket: bucket })), 'NoSuchBucketPolicy', 404, 'The bucket policy does not exist');
    await expectS3Error(root.send(new GetBucketPolicyStatusCommand({ Bucket: bucket })), 'NoSuchBucketPolicy', 404, 'The bucket policy does not exist');
    const text = `{ "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${bucket}/*"}] }`;
    await put(bucket, text);
    assert.equal((await root.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy, text);
    assert.equal((await root.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).PolicyStatus?.IsPublic, true);
    await root.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await expectS3Error(root.send(new GetBucketPolicyCommand({ Bucket: bucket })), 'NoSuchBucketPolicy', 404, 'The bucket policy does not exist');
  });

  it('GetBucketPolicyStatus.a policy for one named user is not public', async () => {
    const bucket = await server.newBucket('pol');
    await put(bucket, policy({ Effect: 'Allow', Principal: { AWS: otherArn }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }));
    assert.equal((await root.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).PolicyStatus?.IsPublic, false);
  });

  it('PutBucketPolicy.invalid documents → MalformedPolicy with the engine message', async () => {
    const bucket = await server.newBucket('pol');
    await expectS3Error(put(bucket, 'not json'), 'MalformedPolicy', 400, "Policies must be valid JSON and the first byte must be '{'");
    await expectS3Error(put(bucket, '{}'), 'MalformedPolicy', 400, 'Missing required field Statement');
    await expectS3Error(
      put(bucket, policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::another-bucket/*' })),
      'MalformedPolicy', 400, 'Policy has invalid resource',
    );
    const big = policy(...Array.from({ length: 200 }, (_, i) => ({ Sid: `s${i}`.padEnd(90, 'x'), Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` })));
    await expectS3Error(put(bucket, big), 'MalformedPolicy', 400, /size|exceed|large/i);
    await expectS3Error(root.send(new GetBucketPolicyCommand({ Bucket: bucket })), 'NoSuchBucketPolicy', 404, 'The bucket policy does not exist');
  });

  it('PutBucketPolicy.Content-MD5 is checked; x-amz-confirm-remove-self-bucket-access is accepted', async () => {
    const bucket = await server.newBucket('pol');
    const text = policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` });
    const host = new URL(server.endpoint).host;
    const sendPut = (headers: Record<string, string>) =>
      rawRequest(server.endpoint, { method: 'PUT', path: `/${bucket}?policy`, headers: signV4({ method: 'PUT', path: `/${bucket}`, query: 'policy', host, headers, body: text, accessKeyId: server.coffer.rootUser.accessKeyId, secretAccessKey: server.coffer.rootUser.secretAccessKey }), body: text });
    const wrong = await sendPut({ 'content-md5': createHash('md5').update('other').digest('base64') });
    assert.equal(wrong.status, 400);
    assert.equal(errorCode(wrong.text), 'BadDigest');
    const good = await sendPut({ 'content-md5': createHash('md5').update(text).digest('base64'), 'x-amz-confirm-remove-self-bucket-access': 'true' });
    assert.equal(good.status, 204, good.text);
  });

  it('PutBucketPolicy.a policy that denies everything binds its bucket\'s owner and the root, but the root keeps the policy actions', async () => {
    const bucket = await server.newBucket('pol');
    const owned = await other.send(new PutObjectCommand({ Bucket: bucket, Key: 'x', Body: 'x' })).catch((e) => e);
    assert.equal(owned.name, 'AccessDenied');
    // The other user's own bucket: it denies everyone everything, itself included.
    const ownBucket = `own-${bucket}`.slice(0, 63);
    await send({ method: 'PUT', path: `/${ownBucket}` });
    await other.send(new PutBucketPolicyCommand({ Bucket: ownBucket, Policy: policy({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${ownBucket}`, `arn:aws:s3:::${ownBucket}/*`] }) }));
    await expectS3Error(other.send(new PutObjectCommand({ Bucket: ownBucket, Key: 'k', Body: 'k' })), 'AccessDenied', 403, 'Access Denied');
    // Only the account's root is exempt, and only from the policy's own actions (as on AWS).
    await expectS3Error(other.send(new GetBucketPolicyCommand({ Bucket: ownBucket })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(other.send(new DeleteBucketPolicyCommand({ Bucket: ownBucket })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(root.send(new PutObjectCommand({ Bucket: ownBucket, Key: 'k', Body: 'k' })), 'AccessDenied', 403, 'Access Denied');
    assert.ok((await root.send(new GetBucketPolicyCommand({ Bucket: ownBucket }))).Policy);
    await root.send(new DeleteBucketPolicyCommand({ Bucket: ownBucket }));
    await other.send(new PutObjectCommand({ Bucket: ownBucket, Key: 'k', Body: 'k' }));
    await root.send(new PutObjectCommand({ Bucket: ownBucket, Key: 'k', Body: 'k' }));
  });

  it('GetObject.a second user gets read-only access to one prefix and is refused everything else', async () => {
    const bucket = await server.newBucket('prefix', { keys: ['public/a', 'private/b'] });
    await put(bucket, policy(
      { Effect: 'Allow', Principal: { AWS: otherArn }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/public/*` },
      { Effect: 'Allow', Principal: { AWS: otherArn }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}`, Condition: { StringLike: { 's3:prefix': 'public/*' } } },
    ));
    const got = await other.send(new GetObjectCommand({ Bucket: bucket, Key: 'public/a' }));
    assert.equal(await got.Body!.transformToString(), 'public/a');
    const listed = await send({ path: `/${bucket}`, query: 'list-type=2&prefix=public%2F' });
    assert.equal(listed.status, 200, listed.text);
    assert.match(listed.text, /<Key>public\/a<\/Key>/);
    assertDenied(await send({ path: `/${bucket}`, query: 'list-type=2' }), 'list without the prefix');
    assertDenied(await send({ path: `/${bucket}/private/b` }), 'GetObject outside the prefix');
    assertDenied(await send({ method: 'PUT', path: `/${bucket}/public/new`, body: 'x' }), 'PutObject in the prefix');
    assertDenied(await send({ method: 'DELETE', path: `/${bucket}/public/a` }), 'DeleteObject in the prefix');
    assertDenied(await send({ path: `/${bucket}`, query: 'policy' }), 'GetBucketPolicy');
    assertDenied(await send({ path: `/${bucket}/public/a` , signed: false }), 'anonymous GetObject');
  });

  it('DeleteObjects.each key is authorized on its own: a refusal is that key\'s AccessDenied, the others are deleted', async () => {
    const bucket = await server.newBucket('multi-delete', { keys: ['public/a', 'private/b'] });
    const batch = () => other.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'public/a' }, { Key: 'private/b' }] } }));
    // Allowed nothing: 200, and every key refused.
    const none = await batch();
    assert.equal(none.Deleted, undefined);
    assert.deepEqual(none.Errors?.map((e) => [e.Key, e.Code, e.Message]), [['public/a', 'AccessDenied', 'Access Denied'], ['private/b', 'AccessDenied', 'Access Denied']]);
    await put(bucket, policy({ Effect: 'Allow', Principal: { AWS: otherArn }, Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${bucket}/public/*` }));
    const some = await batch();
    assert.deepEqual(some.Deleted?.map((d) => d.Key), ['public/a']);
    assert.deepEqual(some.Errors?.map((e) => [e.Key, e.Code]), [['private/b', 'AccessDenied']]);
    const left = await root.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(left.Contents?.map((o) => o.Key), ['private/b']);
  });

  it('PutObject.tags on a write need s3:PutObjectTagging too (PUT, CreateMultipartUpload, CopyObject with REPLACE): a Deny of tagging is not bypassed', async () => {
    const bucket = await server.newBucket('tag-on-write', { keys: ['src'] });
    await put(bucket, policy(
      { Effect: 'Allow', Principal: { AWS: otherArn }, Action: ['s3:PutObject', 's3:GetObject'], Resource: `arn:aws:s3:::${bucket}/*` },
      { Effect: 'Deny', Principal: { AWS: otherArn }, Action: 's3:PutObjectTagging', Resource: `arn:aws:s3:::${bucket}/*` },
    ));
    await expectS3Error(other.send(new PutObjectCommand({ Bucket: bucket, Key: 'tagged', Body: 'x', Tagging: 'a=1' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(other.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'tagged', Tagging: 'a=1' })), 'AccessDenied', 403, 'Access Denied');
    await expectS3Error(other.send(new CopyObjectCommand({ Bucket: bucket, Key: 'tagged', CopySource: `${bucket}/src`, Tagging: 'a=1', TaggingDirective: 'REPLACE' })), 'AccessDenied', 403, 'Access Denied');
    // Without tags, the same writes go through.
    await other.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'x' }));
    await other.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copied', CopySource: `${bucket}/src` }));
    // Allowed tagging (the Deny gone), the tagged write goes through.
    await put(bucket, policy({ Effect: 'Allow', Principal: { AWS: otherArn }, Action: ['s3:PutObject', 's3:PutObjectTagging'], Resource: `arn:aws:s3:::${bucket}/*` }));
    await other.send(new PutObjectCommand({ Bucket: bucket, Key: 'tagged', Body: 'x', Tagging: 'a=1' }));
  });

  it('CopyObject.s3:x-amz-copy-source and s3:x-amz-metadata-directive condition a copy', async () => {
    const bucket = await server.newBucket('copy-cond', { keys: ['public/a', 'private/b'] });
    await put(bucket, policy(
      { Effect: 'Allow', Principal: { AWS: otherArn }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
      {
        Effect: 'Allow', Principal: { AWS: otherArn }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`,
        Condition: { StringLike: { 's3:x-amz-copy-source': `${bucket}/public/*` }, StringEquals: { 's3:x-amz-metadata-directive': 'COPY' } },
      },
    ));
    const copy = (source: string, directive: string) =>
      send({ method: 'PUT', path: `/${bucket}/copied`, headers: { 'x-amz-copy-source': `/${bucket}/${source}`, 'x-amz-metadata-directive': directive } });
    const allowed = await copy('public/a', 'COPY');
    assert.equal(allowed.status, 200, allowed.text);
    assertDenied(await copy('private/b', 'COPY'), 'a source outside the condition');
    assertDenied(await copy('public/a', 'REPLACE'), 'another metadata directive');
  });

  it('GetObject.a public-read bucket policy serves anonymous GETs (fetch and curl)', async () => {
    const bucket = await server.newBucket('public', { keys: ['hello.txt'] });
    assert.equal((await fetch(`${server.endpoint}/${bucket}/hello.txt`)).status, 403);
    await put(bucket, policy({ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }));
    const res = await fetch(`${server.endpoint}/${bucket}/hello.txt`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello.txt');
    const put403 = await fetch(`${server.endpoint}/${bucket}/new.txt`, { method: 'PUT', body: 'x' });
    assert.equal(put403.status, 403);
    if (existsSync('/usr/bin/curl')) {
      const { stdout } = await promisify(execFile)('/usr/bin/curl', ['-s', '-f', `${server.endpoint}/${bucket}/hello.txt`]);
      assert.equal(stdout, 'hello.txt');
    }
  });

  it('PutBucketPolicy.BlockPublicPolicy refuses a public policy; RestrictPublicBuckets keeps anonymous callers out of a public one', async () => {
    const bucket = await server.newBucket('pab', { keys: ['hello.txt'] });
    const publicRead = policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` });
    const block = (config: { BlockPublicPolicy?: boolean; RestrictPublicBuckets?: boolean }) =>
      root.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: config }));
    await block({ BlockPublicPolicy: true });
    await expectS3Error(put(bucket, publicRead), 'AccessDenied', 403, 'Access Denied');
    await put(bucket, policy({ Effect: 'Allow', Principal: { AWS: otherArn }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }));
    await block({ RestrictPublicBuckets: true });
    await put(bucket, publicRead);
    assertDenied(await send({ path: `/${bucket}/hello.txt`, signed: false }), 'anonymous GET, restricted');
    assert.equal((await send({ path: `/${bucket}/hello.txt` })).status, 200);
    await block({});
    assert.equal((await send({ path: `/${bucket}/hello.txt`, signed: false })).status, 200);
  });

  it('GetObject.an explicit Deny in the bucket policy wins over ownership, the root\'s included', async () => {
    const bucket = await server.newBucket('deny', { keys: ['k'] });
    await put(bucket, policy(
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
      { Effect: 'Deny', Principal: { AWS: otherArn }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
    ));
    assertDenied(await send({ path: `/${bucket}/k` }), 'denied user');
    assert.equal((await send({ path: `/${bucket}/k`, signed: false })).status, 200);
    await root.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    // A Deny that names the account (or everyone) binds the root too: a common guard, such as
    // refusing requests over plain HTTP, must hold for every caller.
    await put(bucket, policy({ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${server.coffer.accountId}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    await expectS3Error(root.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'AccessDenied', 403, 'Access Denied');
    await root.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await root.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
  });

  // ---- one scenario per condition key: a request that satisfies the condition, one that does not ----

  interface KeyCase {
    readonly key: string;
    readonly action?: string | readonly string[];
    readonly condition: object;
    readonly principal?: unknown;
    readonly setup?: (bucket: string) => Promise<void>;
    readonly allowed: (bucket: string) => Promise<RawResponse>;
    readonly denied: (bucket: string) => Promise<RawResponse>;
  }

  const get = (bucket: string, extra: Partial<Parameters<typeof send>[0]> = {}) => send({ path: `/${bucket}/k`, ...extra });
  const list = (query: string) => (bucket: string) => send({ path: `/${bucket}`, query });
  const putWith = (headers: Record<string, string>) => (bucket: string) => send({ method: 'PUT', path: `/${bucket}/new`, headers, body: 'x' });
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

  const CASES: readonly KeyCase[] = [
    { key: 'aws:SourceIp', condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }, allowed: get, denied: get },
    { key: 'aws:SecureTransport', condition: { Bool: { 'aws:SecureTransport': 'false' } }, allowed: get, denied: get },
    { key: 'aws:Referer', condition: { StringLike: { 'aws:Referer': 'https://example.com/*' } }, allowed: (b) => get(b, { headers: { referer: 'https://example.com/page' } }), denied: (b) => get(b, { headers: { referer: 'https://evil.example/' } }) },
    { key: 'aws:UserAgent', condition: { StringLike: { 'aws:UserAgent': 'good-agent/*' } }, allowed: (b) => get(b, { headers: { 'user-agent': 'good-agent/1.0' } }), denied: (b) => get(b, { headers: { 'user-agent': 'bad-agent/1.0' } }) },
    { key: 'aws:CurrentTime', condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } }, allowed: get, denied: get },
    { key: 'aws:EpochTime', condition: { NumericGreaterThan: { 'aws:EpochTime': '1577836800' } }, allowed: get, denied: get },
    { key: 'aws:username', principal: '*', condition: { StringEquals: { 'aws:username': 'other-user' } }, allowed: get, denied: (b) => get(b, { signed: false }) },
    { key: 'aws:userid', principal: '*', condition: { StringEquals: { 'aws:userid': OTHER_USER.id } }, allowed: get, denied: (b) => get(b, { signed: false }) },
    { key: 'aws:PrincipalType', principal: '*', condition: { StringEquals: { 'aws:PrincipalType': 'Anonymous' } }, allowed: (b) => get(b, { signed: false }), denied: get },
    { key: 's3:prefix', action: 's3:ListBucket', condition: { StringEquals: { 's3:prefix': 'k' } }, allowed: list('prefix=k'), denied: list('prefix=j') },
    { key: 's3:delimiter', action: 's3:ListBucket', condition: { StringEquals: { 's3:delimiter': '/' } }, allowed: list('delimiter=%2F'), denied: list('delimiter=-') },
    { key: 's3:max-keys', action: 's3:ListBucket', condition: { NumericLessThanEquals: { 's3:max-keys': '10' } }, allowed: list('max-keys=10'), denied: list('max-keys=11') },
    { key: 's3:x-amz-storage-class', action: 's3:PutObject', condition: { StringEquals: { 's3:x-amz-storage-class': 'STANDARD_IA' } }, allowed: putWith({ 'x-amz-storage-class': 'STANDARD_IA' }), denied: putWith({}) },
    { key: 's3:x-amz-grant-full-control', action: 's3:PutObject', condition: { StringLike: { 's3:x-amz-grant-full-control': 'id=*' } }, allowed: (b) => putWith({ 'x-amz-grant-full-control': `id=${OTHER_USER.id}` })(b), denied: putWith({}) },
    { key: 's3:x-amz-acl', action: 's3:PutObject', condition: { StringEquals: { 's3:x-amz-acl': 'private' } }, allowed: putWith({ 'x-amz-acl': 'private' }), denied: putWith({}) },
    { key: 's3:x-amz-server-side-encryption', action: 's3:PutObject', condition: { StringEquals: { 's3:x-amz-server-side-encryption': 'AES256' } }, allowed: putWith({ 'x-amz-server-side-encryption': 'AES256' }), denied: putWith({}) },
    {
      key: 's3:x-amz-server-side-encryption-aws-kms-key-id', action: 's3:PutObject', condition: { StringEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'alias/aws/s3' } },
      allowed: putWith({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'alias/aws/s3' }), denied: putWith({ 'x-amz-server-side-encryption': 'aws:kms' }),
    },
    {
      key: 's3:ExistingObjectTag/class', condition: { StringEquals: { 's3:ExistingObjectTag/class': 'public' } },
      setup: async (bucket) => {
        await root.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'k', Tagging: { TagSet: [{ Key: 'class', Value: 'public' }] } }));
        await root.send(new PutObjectCommand({ Bucket: bucket, Key: 'secret', Body: 's', Tagging: 'class=secret' }));
      },
      allowed: get, denied: (b) => send({ path: `/${b}/secret` }),
    },
    { key: 's3:RequestObjectTag/class', action: ['s3:PutObject', 's3:PutObjectTagging'], condition: { StringEquals: { 's3:RequestObjectTag/class': 'public' } }, allowed: putWith({ 'x-amz-tagging': 'class=public' }), denied: putWith({ 'x-amz-tagging': 'class=secret' }) },
    { key: 's3:RequestObjectTagKeys', action: ['s3:PutObject', 's3:PutObjectTagging'], condition: { 'ForAnyValue:StringEquals': { 's3:RequestObjectTagKeys': ['class'] } }, allowed: putWith({ 'x-amz-tagging': 'class=x' }), denied: putWith({ 'x-amz-tagging': 'other=y' }) },
    { key: 's3:VersionId', action: 's3:GetObjectVersion', condition: { StringEquals: { 's3:VersionId': 'null' } }, allowed: (b) => get(b, { query: 'versionId=null' }), denied: (b) => get(b, { query: 'versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrH' }) },
    { key: 's3:x-amz-content-sha256', condition: { StringEquals: { 's3:x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, allowed: (b) => get(b, { payloadHash: 'UNSIGNED-PAYLOAD' }), denied: get },
    { key: 's3:signatureversion', condition: { StringEquals: { 's3:signatureversion': 'AWS4-HMAC-SHA256' } }, allowed: get, denied: (b) => get(b, { signed: false }) },
    { key: 's3:authType', principal: '*', condition: { StringEquals: { 's3:authType': 'REST-HEADER' } }, allowed: get, denied: (b) => get(b, { signed: false }) },
    { key: 's3:signatureAge', condition: { NumericLessThan: { 's3:signatureAge': '60000' } }, allowed: get, denied: (b) => get(b, { date: minutesAgo(5) }) },
  ];

  // Keys whose "denied" request is the same request under the opposite condition.
  const NEGATED: Record<string, object> = {
    'aws:SourceIp': { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    'aws:SecureTransport': { Bool: { 'aws:SecureTransport': 'true' } },
    'aws:CurrentTime': { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    'aws:EpochTime': { NumericLessThan: { 'aws:EpochTime': '1577836800' } },
  };

  for (const c of CASES) {
    it(`authorize.condition key ${c.key}`, async () => {
      const bucket = await server.newBucket('cond', { keys: ['k'] });
      await c.setup?.(bucket);
      const action = c.action ?? 's3:GetObject';
      const resource = action === 's3:ListBucket' ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/*`;
      const statement = (condition: object) => ({ Effect: 'Allow', Principal: c.principal ?? { AWS: otherArn }, Action: action, Resource: resource, Condition: condition });
      await put(bucket, policy(statement(c.condition)));
      const ok = await c.allowed(bucket);
      assert.equal(ok.status, 200, `${c.key} allowed: ${ok.text}`);
      if (NEGATED[c.key]) await put(bucket, policy(statement(NEGATED[c.key]!)));
      assertDenied(await c.denied(bucket), `${c.key} denied`);
    });
  }
});
