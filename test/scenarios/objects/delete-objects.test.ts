import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { setVersioning } from './store-access.js';

let server: TestServer;
let client: S3Client;
before(async () => {
  server = await startServer();
  client = server.client();
});
after(() => server.stop());

const bucketWith = (keys: readonly string[]) => server.newBucket('del', { keys });

async function keysIn(bucket: string): Promise<string[]> {
  return ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((c) => c.Key!);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function deleteXml(keys: readonly string[], quiet = false): string {
  return `<Delete>${quiet ? '<Quiet>true</Quiet>' : ''}${keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('')}</Delete>`;
}

async function rawDelete(bucket: string, body: string, headers: Record<string, string> = {}) {
  const path = `/${bucket}`;
  const signed = signV4({ method: 'POST', path, query: 'delete', host: new URL(server.endpoint).host, headers, body, ...ROOT_KEYS });
  return rawRequest(server.endpoint, { method: 'POST', path: `${path}?delete`, headers: signed, body });
}

const md5 = (body: string) => createHash('md5').update(body).digest('base64');

describe('DeleteObjects', () => {
  it('DeleteObjects.basic', async () => {
    const bucket = await bucketWith(['a', 'b', 'c']);
    const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'a' }, { Key: 'c' }, { Key: 'absent' }] } }));
    assert.deepEqual(out.Deleted?.map((d) => d.Key), ['a', 'c', 'absent']);
    assert.equal(out.Errors, undefined);
    assert.equal(out.Deleted?.[0]?.DeleteMarker, undefined);
    assert.deepEqual(await keysIn(bucket), ['b']);
  });

  it('DeleteObjects.quiet', async () => {
    const bucket = await bucketWith(['a', 'b']);
    const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Quiet: true, Objects: [{ Key: 'a' }, { Key: 'b' }] } }));
    assert.equal(out.Deleted, undefined);
    assert.equal(out.Errors, undefined);
    assert.deepEqual(await keysIn(bucket), []);
  });

  it('DeleteObjects.keysNeedingXmlEscaping', async () => {
    const keys = ['a&b', '<tag>', 'quote"s', "apo'strophe", 'ü €'];
    const bucket = await bucketWith(keys);
    const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    assert.deepEqual(out.Deleted?.map((d) => d.Key).sort(), [...keys].sort());
    assert.deepEqual(await keysIn(bucket), []);
    const raw = await rawDelete(bucket, deleteXml(['x&y']), { 'content-md5': md5(deleteXml(['x&y'])) });
    assert.equal(raw.status, 200);
    assert.match(raw.text, /<Deleted><Key>x&amp;y<\/Key><\/Deleted>/);
  });

  it('DeleteObjects.thousandKeys', async () => {
    const bucket = await bucketWith(['k-0', 'k-999']);
    const keys = Array.from({ length: 1000 }, (_, i) => `k-${i}`);
    const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    assert.equal(out.Deleted?.length, 1000);
    assert.deepEqual(await keysIn(bucket), []);
  });

  it('DeleteObjects.moreThan1000Keys', async () => {
    const bucket = await bucketWith([]);
    const body = deleteXml(Array.from({ length: 1001 }, (_, i) => `k-${i}`));
    const raw = await rawDelete(bucket, body, { 'content-md5': md5(body) });
    assert.equal(raw.status, 400);
    assert.equal(errorCode(raw.text), 'MalformedXML');
    await expectS3Error(
      client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: Array.from({ length: 1001 }, (_, i) => ({ Key: `k-${i}` })) } })),
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  });

  it('DeleteObjects.missingContentMd5', async () => {
    const bucket = await bucketWith(['a']);
    const raw = await rawDelete(bucket, deleteXml(['a']));
    assert.equal(raw.status, 400);
    assert.equal(errorCode(raw.text), 'InvalidRequest');
    assert.match(raw.text, /<Message>Missing required header for this request: Content-MD5<\/Message>/);
    assert.deepEqual(await keysIn(bucket), ['a']);
  });

  it('DeleteObjects.contentMd5Mismatch', async () => {
    const bucket = await bucketWith(['a']);
    const raw = await rawDelete(bucket, deleteXml(['a']), { 'content-md5': md5('something else') });
    assert.equal(raw.status, 400);
    assert.equal(errorCode(raw.text), 'BadDigest');
    assert.deepEqual(await keysIn(bucket), ['a']);
  });

  it('DeleteObjects.checksumHeaderInsteadOfMd5', async () => {
    const bucket = await bucketWith(['a']);
    const body = deleteXml(['a']);
    const sha = createHash('sha256').update(body).digest('base64');
    const bad = await rawDelete(bucket, body, { 'x-amz-checksum-sha256': createHash('sha256').update('other').digest('base64') });
    assert.equal(bad.status, 400);
    assert.equal(errorCode(bad.text), 'BadDigest');
    const ok = await rawDelete(bucket, body, { 'x-amz-checksum-sha256': sha });
    assert.equal(ok.status, 200);
    assert.deepEqual(await keysIn(bucket), []);
  });

  it('DeleteObjects.malformedXml', async () => {
    const bucket = await bucketWith([]);
    for (const body of ['<Delete><Object><Key>a</Key></Object>', '<Delete></Delete>', '<Other><Object><Key>a</Key></Object></Other>', '<Delete><Object></Object></Delete>', '']) {
      const raw = await rawDelete(bucket, body, { 'content-md5': md5(body) });
      assert.equal(raw.status, 400, body);
      assert.equal(errorCode(raw.text), 'MalformedXML', body);
    }
  });

  it('DeleteObjects.invalidVersionId', async () => {
    const bucket = await bucketWith(['a']);
    const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'a', VersionId: 'not-a-version' }, { Key: 'a' }] } }));
    assert.deepEqual(out.Errors, [{ Key: 'a', VersionId: 'not-a-version', Code: 'NoSuchVersion', Message: 'The specified version does not exist.' }]);
    assert.deepEqual(out.Deleted?.map((d) => d.Key), ['a']);
  });

  it('DeleteObjects.versionedBucket', async () => {
    const bucket = await bucketWith([]);
    await setVersioning(server, bucket, 'Enabled');
    const v1 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'one' }));
    const v2 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two' }));
    // No version id: a delete marker.
    const marked = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'k' }] } }));
    const marker = marked.Deleted?.[0];
    assert.equal(marker?.Key, 'k');
    assert.equal(marker?.DeleteMarker, true);
    assert.ok(marker?.DeleteMarkerVersionId);
    assert.equal(marker?.VersionId, undefined);
    await expectS3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    // The marker by version id: removing it brings v2 back.
    const unmarked = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'k', VersionId: marker!.DeleteMarkerVersionId }] } }));
    assert.deepEqual(unmarked.Deleted, [{ Key: 'k', VersionId: marker!.DeleteMarkerVersionId, DeleteMarker: true, DeleteMarkerVersionId: marker!.DeleteMarkerVersionId }]);
    assert.equal(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString(), 'two');
    // A plain version by id, and an id that does not exist (no error, as AWS).
    const removed = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'k', VersionId: v2.VersionId }, { Key: 'k', VersionId: 'B'.repeat(32) }] } }));
    assert.deepEqual(removed.Deleted, [{ Key: 'k', VersionId: v2.VersionId }, { Key: 'k', VersionId: 'B'.repeat(32) }]);
    assert.equal(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString(), 'one');
    assert.ok(v1.VersionId);
  });

  it('DeleteObjects.suspendedBucketNullMarker', async () => {
    const bucket = await bucketWith(['k']);
    await setVersioning(server, bucket, 'Suspended');
    const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'k' }] } }));
    assert.deepEqual(out.Deleted, [{ Key: 'k', DeleteMarker: true, DeleteMarkerVersionId: 'null' }]);
  });

  it('DeleteObjects.noSuchBucket', async () => {
    await expectS3Error(client.send(new DeleteObjectsCommand({ Bucket: uniqueBucket('gone'), Delete: { Objects: [{ Key: 'a' }] } })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
  });
});
