import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { errorCode } from '../../helpers/raw-request.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';
import { errorHeaders, signedRequest } from './helpers.js';

describe('object versions', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  const bucket = (versioning?: 'Enabled' | 'Suspended') => server.newBucket('obj', { versioning });
  const put = (Bucket: string, Key: string, Body: string) => s3.send(new PutObjectCommand({ Bucket, Key, Body }));
  const read = async (Bucket: string, Key: string, VersionId?: string) => {
    const out = await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }));
    return { body: await out.Body!.transformToString(), versionId: out.VersionId };
  };

  test('PutObject.enabledCreatesUniqueVersions', async () => {
    const b = await bucket('Enabled');
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const out = await put(b, 'k', `v${i}`);
      assert.match(out.VersionId!, /^[A-Za-z0-9_-]{32}$/);
      ids.add(out.VersionId!);
    }
    assert.equal(ids.size, 5);
    let i = 0;
    for (const id of ids) {
      assert.deepEqual(await read(b, 'k', id), { body: `v${i++}`, versionId: id });
    }
    assert.equal((await read(b, 'k')).body, 'v4');
  });

  test('PutObject.unversionedHasNoVersionId', async () => {
    const b = await bucket();
    const out = await put(b, 'k', 'x');
    assert.equal(out.VersionId, undefined);
    const got = await read(b, 'k');
    assert.equal(got.versionId, undefined);
    // The null version can be named explicitly.
    assert.equal((await read(b, 'k', 'null')).body, 'x');
  });

  test('PutObject.suspendedOmitsVersionIdButStoresNull', async () => {
    const b = await bucket('Enabled');
    const v1 = (await put(b, 'k', 'one')).VersionId!;
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
    const out = await put(b, 'k', 'two');
    assert.equal(out.VersionId, undefined);
    assert.deepEqual(await read(b, 'k'), { body: 'two', versionId: 'null' });
    await put(b, 'k', 'three'); // replaces the null version
    assert.deepEqual(await read(b, 'k', 'null'), { body: 'three', versionId: 'null' });
    assert.deepEqual(await read(b, 'k', v1), { body: 'one', versionId: v1 });
  });

  test('GetObject.preVersioningObjectIsNullVersion', async () => {
    const b = await bucket();
    await put(b, 'k', 'old');
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    const v2 = (await put(b, 'k', 'new')).VersionId!;
    assert.deepEqual(await read(b, 'k', 'null'), { body: 'old', versionId: 'null' });
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v2 }));
    assert.deepEqual(await read(b, 'k'), { body: 'old', versionId: 'null' });
  });

  test('DeleteObject.enabledAddsDeleteMarker', async () => {
    const b = await bucket('Enabled');
    const v1 = (await put(b, 'k', 'one')).VersionId!;
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    assert.equal(del.DeleteMarker, true);
    assert.match(del.VersionId!, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(del.VersionId, v1);

    const e = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    assert.equal(errorHeaders(e)['x-amz-delete-marker'], 'true');
    assert.equal(errorHeaders(e)['x-amz-version-id'], del.VersionId);

    const head = await signedRequest(server, { method: 'HEAD', path: `/${b}/k` });
    assert.equal(head.status, 404);
    assert.equal(head.headers['x-amz-delete-marker'], 'true');

    // The older version is still there.
    assert.equal((await read(b, 'k', v1)).body, 'one');
  });

  test('GetObject.deleteMarkerVersionIsMethodNotAllowed', async () => {
    const b = await bucket('Enabled');
    await put(b, 'k', 'one');
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }))).VersionId!;
    const e = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: marker })), 'MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
    assert.equal(errorHeaders(e)['x-amz-delete-marker'], 'true');
    assert.equal(errorHeaders(e)['x-amz-version-id'], marker);
    assert.ok(errorHeaders(e)['last-modified']);
    const head = await signedRequest(server, { method: 'HEAD', path: `/${b}/k`, query: `versionId=${marker}` });
    assert.equal(head.status, 405);
    assert.equal(head.headers['x-amz-delete-marker'], 'true');
    const raw = await signedRequest(server, { method: 'GET', path: `/${b}/k`, query: `versionId=${marker}` });
    assert.match(raw.text, /<Method>GET<\/Method><ResourceType>DeleteMarker<\/ResourceType>/);
  });

  test('GetObject.noSuchVersion', async () => {
    const b = await bucket('Enabled');
    await put(b, 'k', 'one');
    const missing = 'A'.repeat(32);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: missing })), 'NoSuchVersion', 404, 'The specified version does not exist.');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'other', VersionId: missing })), 'NoSuchVersion', 404, 'The specified version does not exist.');
  });

  test('GetObject.malformedVersionIdIsInvalidArgument', async () => {
    const b = await bucket('Enabled');
    await put(b, 'k', 'one');
    for (const id of ['abc', 'A'.repeat(33), '']) {
      const e = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: id })), 'InvalidArgument', 400, 'Invalid version id specified');
      assert.equal(e.message, 'Invalid version id specified');
    }
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: 'bad' })), 'InvalidArgument', 400, 'Invalid version id specified');
  });

  test('DeleteObject.versionIdIsPermanent', async () => {
    const b = await bucket('Enabled');
    const v1 = (await put(b, 'k', 'one')).VersionId!;
    const v2 = (await put(b, 'k', 'two')).VersionId!;
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v2 }));
    assert.equal(del.VersionId, v2);
    assert.equal(del.DeleteMarker, undefined);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: v2 })), 'NoSuchVersion', 404, 'The specified version does not exist.');
    assert.deepEqual(await read(b, 'k'), { body: 'one', versionId: v1 });
    // Deleting a version that is gone is not an error.
    const again = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v2 }));
    assert.equal(again.$metadata.httpStatusCode, 204);
  });

  test('DeleteObject.deletingMarkerRestoresPrevious', async () => {
    const b = await bucket('Enabled');
    const v1 = (await put(b, 'k', 'one')).VersionId!;
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }))).VersionId!;
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: marker }));
    assert.equal(del.DeleteMarker, true);
    assert.equal(del.VersionId, marker);
    assert.deepEqual(await read(b, 'k'), { body: 'one', versionId: v1 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
    assert.equal(head.VersionId, v1);
  });

  test('DeleteObject.suspendedReplacesNullWithNullMarker', async () => {
    const b = await bucket('Enabled');
    const v1 = (await put(b, 'k', 'one')).VersionId!;
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
    await put(b, 'k', 'null-data');
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    assert.equal(del.DeleteMarker, true);
    assert.equal(del.VersionId, 'null');
    // The null object is gone for good; the marker is the null version now.
    const e = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'null' })), 'MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
    assert.equal(errorHeaders(e)['x-amz-version-id'], 'null');
    // A second delete leaves one null marker (it replaces itself).
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: 'null' }));
    assert.deepEqual(await read(b, 'k'), { body: 'one', versionId: v1 });
  });

  test('DeleteObject.unversionedRemovesObject', async () => {
    const b = await bucket();
    await put(b, 'k', 'one');
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    assert.equal(del.VersionId, undefined);
    assert.equal(del.DeleteMarker, undefined);
    const e = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    assert.equal(errorHeaders(e)['x-amz-delete-marker'], undefined);
  });

  test('DeleteObject.enabledMissingKeyStillAddsMarker', async () => {
    const b = await bucket('Enabled');
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'never' }));
    assert.equal(del.DeleteMarker, true);
    assert.match(del.VersionId!, /^[A-Za-z0-9_-]{32}$/);
  });

  test('HeadObject.versionId', async () => {
    const b = await bucket('Enabled');
    const v1 = (await put(b, 'k', 'one')).VersionId!;
    await put(b, 'k', 'three');
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
    assert.equal(head.VersionId, v1);
    assert.equal(head.ContentLength, 3);
    const missing = await signedRequest(server, { method: 'HEAD', path: `/${b}/k`, query: `versionId=${'B'.repeat(32)}` });
    assert.equal(missing.status, 404);
    const bad = await signedRequest(server, { method: 'GET', path: `/${b}/k`, query: 'versionId=nope' });
    assert.equal(bad.status, 400);
    assert.equal(errorCode(bad.text), 'InvalidArgument');
  });
});
