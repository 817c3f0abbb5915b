import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, GetBucketVersioningCommand, PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorCode } from '../../helpers/raw-request.js';
import { startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { signedRequest } from './helpers.js';

describe('bucket versioning', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  const bucket = () => server.newBucket('ver');

  function putVersioning(name: string, body: string) {
    return signedRequest(server, { method: 'PUT', path: `/${name}`, query: 'versioning=', body });
  }

  test('GetBucketVersioning.neverVersionedIsEmpty', async () => {
    const name = await bucket();
    const out = await s3.send(new GetBucketVersioningCommand({ Bucket: name }));
    assert.equal(out.Status, undefined);
    assert.equal(out.MFADelete, undefined);
    const raw = await signedRequest(server, { method: 'GET', path: `/${name}`, query: 'versioning=' });
    assert.equal(raw.status, 200);
    assert.match(raw.text, /<VersioningConfiguration xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/"(\/>|><\/VersioningConfiguration>)$/);
  });

  test('PutBucketVersioning.enableThenSuspend', async () => {
    const name = await bucket();
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Enabled');
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Suspended' } }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Suspended');
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Enabled');
  });

  test('PutBucketVersioning.suspendNeverVersioned', async () => {
    const name = await bucket();
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Suspended' } }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Suspended');
  });

  test('PutBucketVersioning.invalidStatusIsMalformedXML', async () => {
    const name = await bucket();
    for (const status of ['enabled', 'Disabled', 'Off', '']) {
      const res = await putVersioning(name, `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${status}</Status></VersioningConfiguration>`);
      assert.equal(res.status, 400, status);
      assert.equal(errorCode(res.text), 'MalformedXML', status);
    }
  });

  test('PutBucketVersioning.malformedDocuments', async () => {
    const name = await bucket();
    const cases: [string, string][] = [
      ['<VersioningConfiguration><Status>Enabled</Status>', 'MalformedXML'],
      ['<Versioning><Status>Enabled</Status></Versioning>', 'MalformedXML'],
      ['<VersioningConfiguration><Status>Enabled</Status><Foo>1</Foo></VersioningConfiguration>', 'MalformedXML'],
      ['<VersioningConfiguration><MFADelete>Disabled</MFADelete><Status>Enabled</Status></VersioningConfiguration>', 'MalformedXML'],
      ['<VersioningConfiguration><MfaDelete>Maybe</MfaDelete><Status>Enabled</Status></VersioningConfiguration>', 'MalformedXML'],
      ['<VersioningConfiguration></VersioningConfiguration>', 'IllegalVersioningConfigurationException'],
    ];
    for (const [body, code] of cases) {
      const res = await putVersioning(name, body);
      assert.equal(res.status, 400, body);
      assert.equal(errorCode(res.text), code, body);
    }
    const empty = await putVersioning(name, '');
    assert.equal(empty.status, 400);
    assert.equal(errorCode(empty.text), 'MissingRequestBodyError');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, undefined);
  });

  test('PutBucketVersioning.mfaDelete', async () => {
    const name = await bucket();
    const disabled = await putVersioning(name, '<VersioningConfiguration><MfaDelete>Disabled</MfaDelete><Status>Enabled</Status></VersioningConfiguration>');
    assert.equal(disabled.status, 200);
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Enabled');
    const enabled = await putVersioning(name, '<VersioningConfiguration><MfaDelete>Enabled</MfaDelete><Status>Suspended</Status></VersioningConfiguration>');
    assert.equal(enabled.status, 501);
    assert.equal(errorCode(enabled.text), 'NotImplemented');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Enabled');
  });

  test('PutBucketVersioning.objectLockBucketCannotSuspend', async () => {
    const name = uniqueBucket('lock');
    await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Enabled');
    const res = await putVersioning(name, '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>');
    assert.equal(res.status, 409);
    assert.equal(errorCode(res.text), 'InvalidBucketState');
  });

  test('GetBucketVersioning.noSuchBucket', async () => {
    const res = await signedRequest(server, { method: 'GET', path: `/${uniqueBucket('missing')}`, query: 'versioning=' });
    assert.equal(res.status, 404);
    assert.equal(errorCode(res.text), 'NoSuchBucket');
  });

  test('PutBucketVersioning.otherUserDenied', async () => {
    const name = await bucket();
    await assert.rejects(
      server.otherClient().send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } })),
      (e: { name?: string }) => e.name === 'AccessDenied',
    );
  });
});
