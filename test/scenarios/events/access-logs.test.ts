/**
 * Server access logging end to end, with COFFER_ACCESS_LOG_FLUSH_SECONDS=1: requests of several
 * kinds to a logged bucket become log objects in the target bucket, whose every line parses with a
 * regex of AWS's access-log format and carries the right fields; configuration errors as AWS's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  DeletePublicAccessBlockCommand,
  DeleteObjectCommand,
  GetBucketLoggingCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketLoggingCommand,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  type BucketLoggingStatus,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { runKmsCommand } from '../../../src/cli/kms.js';
import { KMS_CLI_ENV, newKmsKey } from '../../helpers/encryption.js';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { rawRequest } from '../../helpers/raw-request.js';
import { OTHER_USER, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

/** AWS's server access log line: 26 fields; time in brackets; request line, referer and user agent quoted. */
const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
const LINE = new RegExp(
  '^(\\S+) (\\S+) \\[(\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000)\\] (\\S+) (\\S+) (\\S+) ((?:REST|WEBSITE)\\.[A-Z]+\\.[A-Z_]+) (\\S+) ' +
  `${QUOTED} (\\d{3}) (\\S+) (-|\\d+) (-|\\d+) (\\d+) (\\d+) ${QUOTED} ${QUOTED} (\\S+) (\\S+) (SigV2|SigV4|-) (\\S+) (AuthHeader|QueryString|HtmlForm|-) (\\S+) (\\S+) (\\S+) (\\S+)$`,
);
const FIELDS = [
  'owner', 'bucket', 'time', 'remoteIp', 'requester', 'requestId', 'operation', 'key', 'requestUri', 'status', 'errorCode',
  'bytesSent', 'objectSize', 'totalTime', 'turnAround', 'referer', 'userAgent', 'versionId', 'hostId', 'signatureVersion',
  'cipherSuite', 'authType', 'hostHeader', 'tlsVersion', 'accessPointArn', 'aclRequired',
] as const;
type LogLine = Record<(typeof FIELDS)[number], string>;

function parseLine(line: string): LogLine {
  const match = LINE.exec(line);
  assert.ok(match, `not an access-log line: ${line}`);
  return Object.fromEntries(FIELDS.map((name, i) => [name, match[i + 1]!])) as LogLine;
}

const KEY_TIME = '\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-[0-9A-F]{16}';

describe('server access logs', () => {
  let server: TestServer;
  let s3: S3Client;

  before(async () => {
    server = await startServer({ accessLogFlushSeconds: 1 });
    s3 = server.client();
  });
  after(() => server.stop());

  async function enableLogging(source: string, status: BucketLoggingStatus): Promise<void> {
    await s3.send(new PutBucketLoggingCommand({ Bucket: source, BucketLoggingStatus: status }));
  }

  /** Every delivered log object's key and lines under `prefix`, once `done(lines)` holds (polls). */
  async function waitForLogs(target: string, prefix: string, done: (lines: LogLine[]) => boolean): Promise<{ keys: string[]; lines: LogLine[] }> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: target, Prefix: prefix }));
      const keys = (listed.Contents ?? []).map((object) => object.Key!);
      const lines: LogLine[] = [];
      for (const key of keys) {
        const text = await (await s3.send(new GetObjectCommand({ Bucket: target, Key: key }))).Body!.transformToString();
        assert.ok(text.endsWith('\n'));
        for (const line of text.slice(0, -1).split('\n')) lines.push(parseLine(line));
      }
      if (done(lines)) return { keys, lines };
      assert.ok(Date.now() < deadline, `log lines did not arrive: ${lines.length} so far`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  test('PutBucketLogging.requests of every kind become parseable lines in log objects named as AWS names them', async () => {
    const source = await server.newBucket('logsrc');
    const target = await server.newBucket('logdst');
    await enableLogging(source, { LoggingEnabled: { TargetBucket: target, TargetPrefix: 'logs/', TargetObjectKeyFormat: { SimplePrefix: {} } } });
    const got = await s3.send(new GetBucketLoggingCommand({ Bucket: source }));
    assert.deepEqual(got.LoggingEnabled, { TargetBucket: target, TargetPrefix: 'logs/', TargetObjectKeyFormat: { SimplePrefix: {} } });

    const key = 'dir/a b.txt';
    const ids: Record<string, string> = {};
    ids.put = (await s3.send(new PutObjectCommand({ Bucket: source, Key: key, Body: 'hello world' }))).$metadata.requestId!;
    const get = await s3.send(new GetObjectCommand({ Bucket: source, Key: key }));
    await get.Body!.transformToString();
    ids.get = get.$metadata.requestId!;
    ids.head = (await s3.send(new HeadObjectCommand({ Bucket: source, Key: key }))).$metadata.requestId!;
    ids.missing = (await expectS3Error(s3.send(new GetObjectCommand({ Bucket: source, Key: 'absent' })), 'NoSuchKey', 404)).$metadata.requestId;
    const anonymous = await fetch(`${server.endpoint}/${source}/${encodeURIComponent(key)}`, { headers: { 'user-agent': 'anon "agent"', referer: 'http://example.com/' } });
    assert.equal(anonymous.status, 403);
    await anonymous.arrayBuffer();
    ids.anonymous = anonymous.headers.get('x-amz-request-id')!;
    const presigned = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: source, Key: key }), { expiresIn: 60 }));
    assert.equal(await presigned.text(), 'hello world');
    ids.presigned = presigned.headers.get('x-amz-request-id')!;
    ids.delete = (await s3.send(new DeleteObjectCommand({ Bucket: source, Key: key }))).$metadata.requestId!;

    const wanted = Object.values(ids);
    const { keys, lines } = await waitForLogs(target, 'logs/', (all) => wanted.every((id) => all.some((line) => line.requestId === id)));
    for (const logKey of keys) assert.match(logKey, new RegExp(`^logs/${KEY_TIME}$`));
    const line = (id: string) => lines.find((l) => l.requestId === id)!;
    const owner = server.coffer.rootUser.id;
    for (const id of wanted) {
      const l = line(id);
      assert.equal(l.owner, owner);
      assert.equal(l.bucket, source);
      assert.equal(l.remoteIp, '127.0.0.1');
      assert.equal(l.hostHeader, new URL(server.endpoint).host);
      assert.equal(l.cipherSuite, '-');
      assert.equal(l.tlsVersion, '-');
    }
    assert.deepEqual(
      Object.fromEntries(Object.entries(ids).map(([name, id]) => {
        const l = line(id);
        return [name, [l.operation, l.key, l.status, l.errorCode, l.requester, l.signatureVersion, l.authType]];
      })),
      {
        put: ['REST.PUT.OBJECT', 'dir/a%20b.txt', '200', '-', owner, 'SigV4', 'AuthHeader'],
        get: ['REST.GET.OBJECT', 'dir/a%20b.txt', '200', '-', owner, 'SigV4', 'AuthHeader'],
        head: ['REST.HEAD.OBJECT', 'dir/a%20b.txt', '200', '-', owner, 'SigV4', 'AuthHeader'],
        missing: ['REST.GET.OBJECT', 'absent', '404', 'NoSuchKey', owner, 'SigV4', 'AuthHeader'],
        anonymous: ['REST.GET.OBJECT', 'dir/a%20b.txt', '403', 'AccessDenied', '-', '-', '-'],
        presigned: ['REST.GET.OBJECT', 'dir/a%20b.txt', '200', '-', owner, 'SigV4', 'QueryString'],
        delete: ['REST.DELETE.OBJECT', 'dir/a%20b.txt', '204', '-', owner, 'SigV4', 'AuthHeader'],
      },
    );
    // Bytes sent and object size: the body for a GET, the object's size for GET/HEAD/PUT, none for HEAD and DELETE.
    assert.deepEqual([line(ids.get!).bytesSent, line(ids.get!).objectSize], ['11', '11']);
    assert.deepEqual([line(ids.head!).bytesSent, line(ids.head!).objectSize], ['-', '11']);
    assert.deepEqual([line(ids.put!).bytesSent, line(ids.put!).objectSize], ['-', '11']);
    assert.equal(line(ids.delete!).bytesSent, '-');
    assert.match(line(ids.put!).requestUri, /^PUT \/[^ ]+\/dir\/a%20b\.txt\?x-id=PutObject HTTP\/1\.1$/);
    const presignedUri = line(ids.presigned!).requestUri;
    assert.match(presignedUri, /X-Amz-Signature=REDACTED/);
    assert.doesNotMatch(presignedUri, /X-Amz-Signature=[0-9a-f]{64}/);
    assert.equal(line(ids.anonymous!).userAgent, 'anon \\"agent\\"');
    assert.equal(line(ids.anonymous!).referer, 'http://example.com/');
    assert.match(line(ids.get!).userAgent, /aws-sdk-js/);
    assert.match(line(ids.get!).time, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:/);
  });

  test('PutBucketLogging.PartitionedPrefix keys name account, region, bucket and event date; a bucket may log into itself', async () => {
    const source = await server.newBucket('logself');
    await enableLogging(source, {
      LoggingEnabled: { TargetBucket: source, TargetPrefix: 'p/', TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } } },
    });
    const id = (await s3.send(new PutObjectCommand({ Bucket: source, Key: 'x', Body: 'x' }))).$metadata.requestId!;
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    const { keys } = await waitForLogs(source, 'p/', (lines) => lines.some((line) => line.requestId === id));
    const partition = `p/${server.coffer.accountId}/${server.coffer.region}/${source}/${day}/`;
    for (const logKey of keys) assert.match(logKey, new RegExp(`^${partition}${KEY_TIME}$`));
    // Writing log objects is not a request: with the lists and reads above the only traffic, no line
    // names a log object being put.
    const { lines } = await waitForLogs(source, 'p/', () => true);
    assert.ok(lines.every((line) => !(line.operation === 'REST.PUT.OBJECT' && line.key.startsWith('p/'))));
  });

  test('PutBucketLogging.website endpoint requests are logged as WEBSITE.<METHOD>.OBJECT, anonymous, with the key read', async () => {
    const source = await server.newBucket('logsite');
    const target = await server.newBucket('logsitet');
    // First: whether a bucket logs is read once per 2 s, on its first request.
    await enableLogging(source, { LoggingEnabled: { TargetBucket: target, TargetPrefix: 'w/' } });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: source }));
    await s3.send(new PutBucketPolicyCommand({
      Bucket: source,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${source}/*` }] }),
    }));
    await s3.send(new PutBucketWebsiteCommand({ Bucket: source, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
    await s3.send(new PutObjectCommand({ Bucket: source, Key: 'index.html', Body: '<p>hi</p>' }));
    const host = `${source}.s3-website.localhost`;
    const page = await rawRequest(server.endpoint, { method: 'GET', path: '/', headers: { host } });
    assert.equal(page.text, '<p>hi</p>');
    const head = await rawRequest(server.endpoint, { method: 'HEAD', path: '/missing.html', headers: { host } });
    assert.equal(head.status, 403);
    const ids = [page.headers['x-amz-request-id'], head.headers['x-amz-request-id']];
    const { lines } = await waitForLogs(target, 'w/', (all) => ids.every((id) => all.some((line) => line.requestId === id)));
    const fields = (id: unknown) => {
      const l = lines.find((line) => line.requestId === id)!;
      return [l.bucket, l.operation, l.key, l.status, l.errorCode, l.requester, l.bytesSent, l.objectSize, l.hostHeader];
    };
    assert.deepEqual(fields(ids[0]), [source, 'WEBSITE.GET.OBJECT', 'index.html', '200', '-', '-', '9', '9', host]);
    assert.deepEqual(fields(ids[1]), [source, 'WEBSITE.HEAD.OBJECT', 'missing.html', '403', 'AccessDenied', '-', '-', '-', host]);
  });

  test('PutBucketLogging.log objects are encrypted as the target bucket\'s default says (DSSE-KMS under the AWS managed key), as AWS', async () => {
    const source = await server.newBucket('logsrc');
    const target = await server.newBucket('logdsse');
    await s3.send(new PutBucketEncryptionCommand({ Bucket: target, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } }] } }));
    await enableLogging(source, { LoggingEnabled: { TargetBucket: target, TargetPrefix: 'logs/' } });
    const id = (await s3.send(new PutObjectCommand({ Bucket: source, Key: 'x', Body: 'x' }))).$metadata.requestId!;
    const { keys } = await waitForLogs(target, 'logs/', (lines) => lines.some((line) => line.requestId === id));
    for (const logKey of keys) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: target, Key: logKey }));
      assert.equal(head.ServerSideEncryption, 'aws:kms:dsse', logKey);
      assert.match(head.SSEKMSKeyId ?? '', /^arn:aws:kms:[^:]+:\d{12}:key\/[0-9a-f-]{36}$/, logKey);
    }
  });

  test('PutBucketLogging.a target whose default KMS key is disabled gets nothing; other buckets\' logs are still delivered', async () => {
    const { arn: keyArn } = await newKmsKey(server);
    const [lockedSource, lockedTarget, source, target] = await Promise.all(['logsrc', 'loglocked', 'logsrc', 'logdst'].map((label) => server.newBucket(label)));
    await s3.send(new PutBucketEncryptionCommand({
      Bucket: lockedTarget!, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }] },
    }));
    assert.equal(await runKmsCommand(['disable', keyArn, '--data-dir', server.dataDir], KMS_CLI_ENV, () => {}), 0);
    await enableLogging(lockedSource!, { LoggingEnabled: { TargetBucket: lockedTarget!, TargetPrefix: 'logs/' } });
    await enableLogging(source!, { LoggingEnabled: { TargetBucket: target!, TargetPrefix: 'logs/' } });
    await s3.send(new PutObjectCommand({ Bucket: lockedSource!, Key: 'x', Body: 'x' }));
    const id = (await s3.send(new PutObjectCommand({ Bucket: source!, Key: 'x', Body: 'x' }))).$metadata.requestId!;
    await waitForLogs(target!, 'logs/', (lines) => lines.some((line) => line.requestId === id));
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: lockedTarget!, Prefix: 'logs/' }))).KeyCount, 0);
  });

  test('PutBucketLogging.an empty BucketLoggingStatus turns logging off', async () => {
    const source = await server.newBucket('logoff');
    const target = await server.newBucket('logofft');
    await enableLogging(source, { LoggingEnabled: { TargetBucket: target, TargetPrefix: '' } });
    await enableLogging(source, {});
    assert.equal((await s3.send(new GetBucketLoggingCommand({ Bucket: source }))).LoggingEnabled, undefined);
  });

  test('PutBucketLogging.TargetGrants: stored and answered; each log object grants them beside the owner\'s full control', async () => {
    const source = await server.newBucket('loggrant');
    const target = uniqueBucket('loggrantt');
    await s3.send(new CreateBucketCommand({ Bucket: target, ObjectOwnership: 'ObjectWriter' }));
    const other = server.coffer.identities.byAccessKeyId(OTHER_USER.accessKeyId)!;
    const grants = [
      { Grantee: { Type: 'CanonicalUser' as const, ID: other.id }, Permission: 'READ' as const },
      { Grantee: { Type: 'Group' as const, URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, Permission: 'WRITE' as const },
    ];
    await enableLogging(source, { LoggingEnabled: { TargetBucket: target, TargetPrefix: 'g/', TargetGrants: grants } });
    const got = (await s3.send(new GetBucketLoggingCommand({ Bucket: source }))).LoggingEnabled;
    assert.deepEqual(got?.TargetGrants?.map((g) => [g.Grantee?.Type, g.Grantee?.ID ?? g.Grantee?.URI, g.Permission]), [
      ['CanonicalUser', other.id, 'READ'], ['Group', 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers', 'WRITE'],
    ]);
    const id = (await s3.send(new PutObjectCommand({ Bucket: source, Key: 'x', Body: 'x' }))).$metadata.requestId!;
    const { keys } = await waitForLogs(target, 'g/', (lines) => lines.some((line) => line.requestId === id));
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: target, Key: keys[0]! }));
    assert.deepEqual(acl.Grants?.map((g) => [g.Grantee?.ID ?? g.Grantee?.URI, g.Permission]), [
      [acl.Owner?.ID, 'FULL_CONTROL'], [other.id, 'READ'], ['http://acs.amazonaws.com/groups/global/AuthenticatedUsers', 'WRITE'],
    ]);
    // The grantee reads the log object by its grant.
    const read = await server.otherClient().send(new GetObjectCommand({ Bucket: target, Key: keys[0]! }));
    assert.match(await read.Body!.transformToString(), new RegExp(id));
  });

  test('PutBucketLogging.target errors: missing bucket, another owner, TargetGrants, malformed documents', async () => {
    const source = await server.newBucket('logerr');
    const absent = uniqueBucket('absent');
    await expectS3Error(enableLogging(source, { LoggingEnabled: { TargetBucket: absent, TargetPrefix: 'l/' } }),
      'InvalidTargetBucketForLogging', 400, 'The target bucket for logging does not exist');
    const foreign = uniqueBucket('foreign');
    await server.otherClient().send(new CreateBucketCommand({ Bucket: foreign }));
    await expectS3Error(enableLogging(source, { LoggingEnabled: { TargetBucket: foreign, TargetPrefix: 'l/' } }),
      'InvalidTargetBucketForLogging', 400, 'The owner for the bucket to be logged and the target bucket must be the same.');
    // A target whose ACLs are disabled (BucketOwnerEnforced, today's default) takes no TargetGrants.
    await expectS3Error(enableLogging(source, {
      LoggingEnabled: { TargetBucket: source, TargetPrefix: 'l/', TargetGrants: [{ Grantee: { Type: 'CanonicalUser', ID: 'a'.repeat(64) }, Permission: 'READ' }] },
    }), 'AccessControlListNotSupported', 400, 'The bucket does not allow ACLs');
    await expectS3Error(enableLogging(source, {
      LoggingEnabled: { TargetBucket: source, TargetPrefix: 'l/', TargetObjectKeyFormat: { SimplePrefix: {}, PartitionedPrefix: {} } },
    }), 'MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema');
    await expectS3Error(enableLogging(source, {
      LoggingEnabled: { TargetBucket: source, TargetPrefix: 'l/', TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'Yesterday' as 'EventTime' } } },
    }), 'MalformedXML', 400);
    assert.equal((await s3.send(new GetBucketLoggingCommand({ Bucket: source }))).LoggingEnabled, undefined);
  });
});
