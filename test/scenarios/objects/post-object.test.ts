/**
 * POST Object (browser form uploads): the JS SDK's createPresignedPost and boto3's
 * generate_presigned_post forms, SigV2 and anonymous forms, the policy document's conditions,
 * the success_action_* answers, and every error with AWS's code, status and message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import {
  GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketNotificationConfigurationCommand, PutBucketPolicyCommand, PutBucketVersioningCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';
import { errorCode, rawRequest, type RawResponse } from '../../helpers/raw-request.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/event-sink.js';
import { locateTool } from '../../interop/helpers/tool.js';

const boto3 = locateTool('boto3', '/usr/bin/python3', { probe: ['-I', '-c', 'import boto3'], debianPackage: 'python3-boto3' });

type Field = readonly [string, string];
interface FilePart { readonly name?: string; readonly filename?: string; readonly content: Buffer | string }

const BOUNDARY = '----CofferFormBoundary7MA4YWxkTrZu0gW';

/** A multipart/form-data body: the fields, then the file part, then `after` (fields AWS ignores). */
function formBody(fields: readonly Field[], file: FilePart | undefined, after: readonly Field[] = []): Buffer {
  const parts: Buffer[] = [];
  const field = ([name, value]: Field) => parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  fields.forEach(field);
  if (file) {
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${file.name ?? 'file'}"; filename="${file.filename ?? 'upload.bin'}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(Buffer.from(file.content));
    parts.push(Buffer.from('\r\n'));
  }
  after.forEach(field);
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

function amzDateOf(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** SigV4 form fields for `policy` (a document object), signed with the root keys unless told otherwise. */
function signedV4Fields(bucket: string, conditions: unknown[], options: { expiration?: Date; secret?: string; accessKeyId?: string } = {}): Field[] {
  const now = new Date();
  const amzDate = amzDateOf(now);
  const credential = `${options.accessKeyId ?? ROOT_KEYS.accessKeyId}/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const document = {
    expiration: (options.expiration ?? new Date(now.getTime() + 3600_000)).toISOString(),
    conditions: [{ bucket }, { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' }, { 'x-amz-credential': credential }, { 'x-amz-date': amzDate }, ...conditions],
  };
  const policy = Buffer.from(JSON.stringify(document)).toString('base64');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  let key = hmac(`AWS4${options.secret ?? ROOT_KEYS.secretAccessKey}`, amzDate.slice(0, 8));
  for (const part of ['us-east-1', 's3', 'aws4_request']) key = hmac(key, part);
  return [
    ['x-amz-algorithm', 'AWS4-HMAC-SHA256'],
    ['x-amz-credential', credential],
    ['x-amz-date', amzDate],
    ['policy', policy],
    ['x-amz-signature', createHmac('sha256', key).update(policy).digest('hex')],
  ];
}

describe('PostObject', () => {
  let server: TestServer;
  let s3: S3Client;
  let bucket: string;
  let receiver: WebhookReceiver;
  const HOOK = 'arn:coffer:sqs:us-east-1:coffer:post-hook';
  before(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer({ bucketDefaults: 'legacy', notifyTargets: [{ arn: HOOK, type: 'webhook', url: receiver.url }], dispatch: { retryBaseMs: 20, retryMaxMs: 100, log: () => {} } });
    s3 = server.client();
    bucket = await server.newBucket('post');
  });
  after(async () => {
    s3.destroy();
    await server.stop();
    await receiver.close();
  });

  const post = (body: Buffer, headers: Record<string, string | number> = {}, target = bucket): Promise<RawResponse> =>
    rawRequest(server.endpoint, {
      method: 'POST',
      path: `/${target}`,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': body.length, ...headers },
      body,
    });
  const getBytes = async (key: string, target = bucket): Promise<Buffer> =>
    Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: target, Key: key }))).Body!.transformToByteArray());
  const expectError = (response: RawResponse, code: string, status: number, message: string) => {
    assert.equal(response.status, status, response.text);
    assert.equal(errorCode(response.text), code, response.text);
    const sent = /<Message>([^<]*)<\/Message>/.exec(response.text)?.[1] ?? '';
    assert.equal(sent.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&'), message, response.text);
  };

  test('PostObject.createPresignedPost form: 204, the object byte-identical with its Content-Type and metadata', async () => {
    const { url, fields } = await createPresignedPost(s3, {
      Bucket: bucket,
      Key: 'sdk/${filename}',
      Conditions: [['starts-with', '$key', 'sdk/'], ['content-length-range', 1, 1024 * 1024], ['starts-with', '$Content-Type', 'image/']],
      Fields: { 'Content-Type': 'image/png', 'x-amz-meta-origin': 'sdk' },
      Expires: 600,
    });
    const content = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([content]), 'photo.png');
    const response = await fetch(url, { method: 'POST', body: form });
    assert.equal(response.status, 204, await response.text());
    assert.equal(response.headers.get('etag'), `"${createHash('md5').update(content).digest('hex')}"`);
    assert.equal(response.headers.get('location'), `${server.endpoint}/${bucket}/sdk/photo.png`);
    assert.deepEqual(await getBytes('sdk/photo.png'), content);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sdk/photo.png' }));
    assert.equal(head.ContentType, 'image/png');
    assert.deepEqual(head.Metadata, { origin: 'sdk' });
    assert.equal(head.ServerSideEncryption, 'AES256');
  });

  test('PostObject.boto3 generate_presigned_post form (posted with fetch): 201 PostResponse', { skip: boto3.skip }, async () => {
    const script = [
      'import boto3, json, sys',
      'from botocore.config import Config',
      `c = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="${ROOT_KEYS.accessKeyId}", aws_secret_access_key="${ROOT_KEYS.secretAccessKey}", region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))`,
      `print(json.dumps(c.generate_presigned_post("${bucket}", "boto/b.txt", Fields={"success_action_status": "201"}, Conditions=[{"success_action_status": "201"}], ExpiresIn=600)))`,
    ].join('\n');
    const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-I', '-c', script, server.endpoint]);
    const { url, fields } = JSON.parse(stdout) as { url: string; fields: Record<string, string> };
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob(['from boto3']), 'b.txt');
    const response = await fetch(url, { method: 'POST', body: form });
    const text = await response.text();
    assert.equal(response.status, 201, text);
    const etag = `"${createHash('md5').update('from boto3').digest('hex')}"`;
    assert.match(text, new RegExp(`<PostResponse><Location>${server.endpoint}/${bucket}/boto/b.txt</Location><Bucket>${bucket}</Bucket><Key>boto/b.txt</Key><ETag>${etag.replace(/"/g, '&quot;')}</ETag></PostResponse>`));
    assert.equal((await getBytes('boto/b.txt')).toString(), 'from boto3');
  });

  test('PostObject.SigV2 form (AWSAccessKeyId, signature): success_action_redirect → 303 with bucket, key and etag', async () => {
    const document = { expiration: new Date(Date.now() + 600_000).toISOString(), conditions: [{ bucket }, ['eq', '$key', 'v2.txt'], ['starts-with', '$success_action_redirect', 'http://app.example/']] };
    const policy = Buffer.from(JSON.stringify(document)).toString('base64');
    const signature = createHmac('sha1', ROOT_KEYS.secretAccessKey).update(policy).digest('base64');
    const response = await post(formBody([['key', 'v2.txt'], ['AWSAccessKeyId', ROOT_KEYS.accessKeyId], ['policy', policy], ['signature', signature], ['success_action_redirect', 'http://app.example/done?x=1']], { content: 'v2' }));
    assert.equal(response.status, 303, response.text);
    const etag = `"${createHash('md5').update('v2').digest('hex')}"`;
    assert.equal(response.headers.location, `http://app.example/done?x=1&bucket=${bucket}&key=v2.txt&etag=${encodeURIComponent(etag)}`);
    assert.equal((await getBytes('v2.txt')).toString(), 'v2');
  });

  test('PostObject.fields: tagging XML, checksum, storage class, acl, SSE, website redirect; fields after the file are ignored', async () => {
    const content = 'tagged content';
    const sha256 = createHash('sha256').update(content).digest('base64');
    const tagging = '<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>';
    const extra: Field[] = [['tagging', tagging], ['x-amz-checksum-sha256', sha256], ['x-amz-storage-class', 'STANDARD_IA'], ['acl', 'private'], ['success_action_status', '200'],
      ['x-amz-server-side-encryption', 'AES256'], ['x-amz-website-redirect-location', '/elsewhere.html']];
    const conditions = [['eq', '$key', 'fields.txt'], ...extra.map(([name, value]) => ['eq', `$${name}`, value])];
    const response = await post(formBody([['key', 'fields.txt'], ...extra, ...signedV4Fields(bucket, conditions)], { content }, [['x-amz-meta-late', 'ignored']]));
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers['x-amz-checksum-sha256'], sha256);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'fields.txt', ChecksumMode: 'ENABLED' }));
    assert.equal(head.StorageClass, 'STANDARD_IA');
    assert.equal(head.ServerSideEncryption, 'AES256');
    assert.equal(head.WebsiteRedirectLocation, '/elsewhere.html');
    assert.equal(head.ChecksumSHA256, sha256);
    assert.deepEqual(head.Metadata, {});
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'fields.txt' }));
    assert.deepEqual(tags.TagSet, [{ Key: 'team', Value: 'web' }]);
  });

  test('PostObject.a wrong checksum field → 400 BadDigest, nothing stored', async () => {
    const wrong = createHash('sha256').update('other').digest('base64');
    const response = await post(formBody([['key', 'bad-sum.txt'], ['x-amz-checksum-sha256', wrong], ...signedV4Fields(bucket, [['starts-with', '$key', ''], ['starts-with', '$x-amz-checksum-sha256', '']])], { content: 'data' }));
    expectError(response, 'BadDigest', 400, 'The SHA256 you specified did not match the calculated checksum.');
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'bad-sum.txt' })), { name: 'NotFound' });
  });

  test('PostObject.If-None-Match: * on an existing key → 412 PreconditionFailed (conditional as a PUT)', async () => {
    const form = () => formBody([['key', 'once.txt'], ...signedV4Fields(bucket, [['eq', '$key', 'once.txt']])], { content: 'first' });
    assert.equal((await post(form(), { 'if-none-match': '*' })).status, 204);
    expectError(await post(form(), { 'if-none-match': '*' }), 'PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    assert.equal((await getBytes('once.txt')).toString(), 'first');
  });

  test('PostObject.event: s3:ObjectCreated:Post with the form\'s caller, size and ETag', async () => {
    const evented = await server.newBucket('post-events');
    await s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: evented,
      NotificationConfiguration: { QueueConfigurations: [{ Id: 'posts', QueueArn: HOOK, Events: ['s3:ObjectCreated:Post'] }] },
    }));
    await receiver.sink.waitUntil((messages) => messages.some((m) => m.Event === 's3:TestEvent' && m.Bucket === evented));
    assert.equal((await post(formBody([['key', 'e.txt'], ...signedV4Fields(evented, [['eq', '$key', 'e.txt']])], { content: 'evented' }), {}, evented)).status, 204);
    await receiver.sink.waitUntil(() => receiver.sink.records().some((r) => r.s3.bucket.name === evented));
    const record = receiver.sink.records().find((r) => r.s3.bucket.name === evented);
    assert.equal(record.eventName, 'ObjectCreated:Post');
    assert.equal(record.s3.object.key, 'e.txt');
    assert.equal(record.s3.object.size, 7);
    assert.equal(record.s3.object.eTag, createHash('md5').update('evented').digest('hex'));
    assert.equal(record.userIdentity.principalId, server.coffer.rootUser.id);
  });

  test('PostObject.Expect: 100-continue is answered (the form, not the headers, says who the caller is)', async () => {
    const body = formBody([['key', 'continued.txt'], ...signedV4Fields(bucket, [['eq', '$key', 'continued.txt']])], { content: 'after continue' });
    const url = new URL(server.endpoint);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: url.hostname, port: url.port, method: 'POST', path: `/${bucket}`, agent: false, timeout: 5000,
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': body.length, expect: '100-continue' },
      }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('continue', () => req.end(body)); // the body goes only once the server asked for it
      req.on('timeout', () => req.destroy(new Error('no 100 Continue')));
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(status, 204);
    assert.equal((await getBytes('continued.txt')).toString(), 'after continue');
  });

  test('PostObject.versioned bucket: each POST is a new version', async () => {
    const versioned = await server.newBucket('post-versioned');
    await s3.send(new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: 'Enabled' } }));
    const form = () => formBody([['key', 'v'], ...signedV4Fields(versioned, [['eq', '$key', 'v']])], { content: 'x' });
    const first = await post(form(), {}, versioned);
    const second = await post(form(), {}, versioned);
    assert.equal(first.status, 204);
    assert.ok(first.headers['x-amz-version-id'] && first.headers['x-amz-version-id'] !== second.headers['x-amz-version-id']);
  });

  test('PostObject.anonymous: AccessDenied on a private bucket, 204 where the bucket policy lets anyone PutObject', async () => {
    const open = await server.newBucket('post-public');
    const form = formBody([['key', 'anon.txt']], { content: 'anonymous' });
    expectError(await post(form, {}, open), 'AccessDenied', 403, 'Access Denied');
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${open}/*` }] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: open, Policy: JSON.stringify(policy) }));
    assert.equal((await post(form, {}, open)).status, 204);
    assert.equal((await getBytes('anon.txt', open)).toString(), 'anonymous');
  });

  test('PostObject.the form\'s fields are the bucket policy\'s condition keys (s3:x-amz-acl from `acl`)', async () => {
    const guarded = await server.newBucket('post-condition');
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${guarded}/*`, Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } } }],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: guarded, Policy: JSON.stringify(policy) }));
    expectError(await post(formBody([['key', 'c.txt']], { content: 'c' }), {}, guarded), 'AccessDenied', 403, 'Access Denied');
    assert.equal((await post(formBody([['key', 'c.txt'], ['acl', 'bucket-owner-full-control']], { content: 'c' }), {}, guarded)).status, 204);
  });

  describe('errors', () => {
    const content = { content: 'body' };
    const keyed = (conditions: unknown[] = []) => [['key', 'err.txt'] as Field, ...signedV4Fields(bucket, [['eq', '$key', 'err.txt'], ...conditions])];

    test('PostObject.policy expired → 403 AccessDenied', async () => {
      const fields = [['key', 'err.txt'] as Field, ...signedV4Fields(bucket, [['eq', '$key', 'err.txt']], { expiration: new Date(Date.now() - 1000) })];
      expectError(await post(formBody(fields, content)), 'AccessDenied', 403, 'Invalid according to Policy: Policy expired.');
    });
    test('PostObject.a field no condition names → 403 Extra input fields', async () => {
      expectError(await post(formBody([...keyed(), ['X-Amz-Meta-Color', 'red']], content)), 'AccessDenied', 403, 'Invalid according to Policy: Extra input fields: X-Amz-Meta-Color');
    });
    test('PostObject.a failing condition → 403 Policy Condition failed', async () => {
      const fields = [['key', 'other.txt'] as Field, ...signedV4Fields(bucket, [['eq', '$key', 'err.txt']])];
      expectError(await post(formBody(fields, content)), 'AccessDenied', 403, 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "err.txt"]');
    });
    test('PostObject.content-length-range: larger → EntityTooLarge, smaller → EntityTooSmall, nothing stored', async () => {
      expectError(await post(formBody(keyed([['content-length-range', 1, 3]]), content)), 'EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.');
      expectError(await post(formBody(keyed([['content-length-range', 10, 20]]), content)), 'EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.');
      await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'err.txt' })), { name: 'NotFound' });
    });
    test('PostObject.no key field → 400 InvalidArgument', async () => {
      expectError(await post(formBody(signedV4Fields(bucket, []), content)), 'InvalidArgument', 400, "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.");
    });
    test('PostObject.the policy\'s key conditions hold for the key with ${filename} replaced', async () => {
      const fields = [['key', '${filename}'] as Field, ...signedV4Fields(bucket, [['starts-with', '$key', 'pho']])];
      assert.equal((await post(formBody(fields, { ...content, filename: 'photo.txt' }))).status, 204);
      assert.equal((await getBytes('photo.txt')).toString(), 'body');
      const literal = [['key', '${filename}'] as Field, ...signedV4Fields(bucket, [['eq', '$key', '${filename}']])];
      expectError(await post(formBody(literal, { ...content, filename: 'photo.txt' })), 'AccessDenied', 403, 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "${filename}"]');
    });
    test('PostObject.an empty key, given or made of a nameless file\'s ${filename} → 400 InvalidArgument, nothing stored', async () => {
      const empty = [['key', ''] as Field, ...signedV4Fields(bucket, [['eq', '$key', '']])];
      expectError(await post(formBody(empty, content)), 'InvalidArgument', 400, 'User key must have a length greater than 0.');
      const nameless = [['key', '${filename}'] as Field, ...signedV4Fields(bucket, [['starts-with', '$key', '']])];
      expectError(await post(formBody(nameless, { ...content, filename: '' })), 'InvalidArgument', 400, 'User key must have a length greater than 0.');
      assert.ok(!((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).some((o) => o.Key === ''));
    });
    test('PostObject.no file part → 400 IncorrectNumberOfFilesInPostRequest', async () => {
      expectError(await post(formBody(keyed(), undefined)), 'IncorrectNumberOfFilesInPostRequest', 400, 'POST requires exactly one file upload per request.');
    });
    test('PostObject.a body that is not multipart/form-data, or cut short → 400 MalformedPOSTRequest', async () => {
      const message = 'The body of your POST request is not well-formed multipart/form-data.';
      expectError(await post(Buffer.from('key=a'), { 'content-type': 'application/x-www-form-urlencoded' }), 'MalformedPOSTRequest', 400, message);
      const whole = formBody(keyed(), content);
      const cut = whole.subarray(0, whole.length - 20); // the closing boundary never comes
      expectError(await post(cut), 'MalformedPOSTRequest', 400, message);
      await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'err.txt' })), { name: 'NotFound' });
    });
    test('PostObject.fields before the file over 20 KB → 400 MaxPostPreDataLengthExceededError', async () => {
      expectError(await post(formBody([...keyed(), ['x-ignore-pad', 'p'.repeat(21 * 1024)]], content)), 'MaxPostPreDataLengthExceededError', 400, 'Your POST request fields preceding the upload file were too large.');
    });
    test('PostObject.a wrong signature → 403 SignatureDoesNotMatch', async () => {
      const fields = [['key', 'err.txt'] as Field, ...signedV4Fields(bucket, [['eq', '$key', 'err.txt']], { secret: 'not-the-secret' })];
      expectError(await post(formBody(fields, content)), 'SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    });
    test('PostObject.an unknown access key → 403 InvalidAccessKeyId', async () => {
      const fields = [['key', 'err.txt'] as Field, ...signedV4Fields(bucket, [['eq', '$key', 'err.txt']], { accessKeyId: 'AKIAUNKNOWNUNKNOWN00' })];
      expectError(await post(formBody(fields, content)), 'InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.');
    });
    test('PostObject.a policy that is not JSON → 400 InvalidPolicyDocument; without expiration too', async () => {
      const sign = (policy: string) => createHmac('sha1', ROOT_KEYS.secretAccessKey).update(policy).digest('base64');
      const v2 = (document: string) => {
        const policy = Buffer.from(document).toString('base64');
        return formBody([['key', 'err.txt'], ['AWSAccessKeyId', ROOT_KEYS.accessKeyId], ['policy', policy], ['signature', sign(policy)]], content);
      };
      expectError(await post(v2('{"conditions": [')), 'InvalidPolicyDocument', 400, 'Invalid Policy: Invalid JSON.');
      expectError(await post(v2('{"conditions": []}')), 'InvalidPolicyDocument', 400, 'Invalid Policy: Policy missing expiration.');
    });
    test('PostObject.a policy without its signature → 400 InvalidArgument naming AWSAccessKeyId', async () => {
      const policy = Buffer.from('{}').toString('base64');
      expectError(await post(formBody([['key', 'err.txt'], ['policy', policy]], content)), 'InvalidArgument', 400, "Bucket POST must contain a field named 'AWSAccessKeyId'.  If it is specified, please check the order of the fields.");
    });
    test('PostObject.a form larger than the object size limit → 400 EntityTooLarge', async () => {
      const small = formBody(keyed(), content);
      expectError(await post(small, { 'content-length': 6 * 1024 ** 3 }), 'EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.');
    });
    test('PostObject.cut forms are 4xx and store nothing; corrupted ones are never a 5xx', async () => {
      const fields = [['key', 'mutated.txt'] as Field, ...signedV4Fields(bucket, [['eq', '$key', 'mutated.txt']])];
      const whole = formBody(fields, { content: 'x'.repeat(3000) });
      for (let at = 0; at < whole.length; at += 97) {
        const response = await post(whole.subarray(0, at)); // Content-Length as sent: a form cut short
        assert.ok(response.status >= 400 && response.status < 500, `cut at ${at}: ${response.status}: ${response.text}`);
      }
      await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'mutated.txt' })), { name: 'NotFound' });
      for (let at = 0; at < whole.length; at += 131) {
        const flipped = Buffer.from(whole);
        flipped[at] = flipped[at]! ^ 0x2a;
        const response = await post(flipped);
        // A flip inside the file's bytes leaves a well-formed form (204).
        assert.ok(response.status === 204 || (response.status >= 400 && response.status < 500), `flip at ${at}: ${response.status}: ${response.text}`);
      }
    });
    test('PostObject.a part whose Content-Disposition names no field → 400 MalformedPOSTRequest, the server unharmed', async () => {
      const boundary = 'unnamed-part-boundary';
      for (const filename of ['', '; filename="f"']) {
        const body = `--${boundary}\r\ncontent-disposition: form-data${filename}\r\n\r\nvalue\r\n--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="f"\r\n\r\nx\r\n--${boundary}--\r\n`;
        const response = await rawRequest(server.endpoint, {
          method: 'POST', path: `/${bucket}`, headers: { host: new URL(server.endpoint).host, 'content-type': `multipart/form-data; boundary=${boundary}` }, body,
        });
        expectError(response, 'MalformedPOSTRequest', 400, 'The body of your POST request is not well-formed multipart/form-data.');
      }
    });
    test('PostObject.an object-lock field on a bucket without object lock → 400 InvalidRequest, as PutObject answers it', async () => {
      const fields = [...keyed([['eq', '$x-amz-object-lock-legal-hold', 'ON']]), ['x-amz-object-lock-legal-hold', 'ON'] as Field];
      expectError(await post(formBody(fields, content)), 'InvalidRequest', 400, 'Bucket is missing Object Lock Configuration');
    });
  });
});
