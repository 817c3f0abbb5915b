/**
 * No request is handled by another operation (issue 10): sub-resources of operations Coffer does
 * not implement answer 501 and change nothing; a request no operation matches answers 405.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, rawRequest, signV4, type RawResponse } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';

describe('routing: unknown sub-resources never reach another operation', () => {
  let server: TestServer;
  let bucket: string;
  before(async () => {
    server = await startServer();
    bucket = await server.newBucket('routing', { keys: ['k'] });
  });
  after(() => server.stop());

  function send(method: string, path: string, query = '', body = ''): Promise<RawResponse> {
    const host = new URL(server.endpoint).host;
    const headers = signV4({ method, path, query, host, body, ...ROOT_KEYS });
    return rawRequest(server.endpoint, { method, path: query ? `${path}?${query}` : path, headers, body });
  }

  async function expectNotImplemented(res: RawResponse, operation: string): Promise<void> {
    assert.equal(res.status, 501, res.text);
    assert.equal(errorCode(res.text), 'NotImplemented');
    assert.match(res.text, new RegExp(`<Message>${operation} is not implemented by Coffer yet.</Message>`));
  }

  it('UpdateObjectEncryption.notImplemented: PUT /b/k?encryption leaves the object as it was', async () => {
    const document = '<ObjectEncryption><SSE-KMS><KMSKeyArn>arn:aws:kms:us-east-1:1:key/x</KMSKeyArn></SSE-KMS></ObjectEncryption>';
    await expectNotImplemented(await send('PUT', `/${bucket}/k`, 'encryption', document), 'UpdateObjectEncryption');
    const got = await send('GET', `/${bucket}/k`);
    assert.equal(got.text, 'k');
  });

  it('DeleteBucketMetadataConfiguration.notImplemented: the bucket stays', async () => {
    await expectNotImplemented(await send('DELETE', `/${bucket}`, 'metadataConfiguration'), 'DeleteBucketMetadataConfiguration');
    assert.equal((await send('HEAD', `/${bucket}`)).status, 200);
  });

  it('RenameObject.notImplemented: no object is written', async () => {
    await expectNotImplemented(await send('PUT', `/${bucket}/renamed`, 'renameObject'), 'RenameObject');
    assert.equal((await send('HEAD', `/${bucket}/renamed`)).status, 404);
  });

  it('CreateSession.pathStyleServiceRequest → 405, not a listing', async () => {
    for (const method of ['POST', 'GET']) {
      const res = await send(method, '/', 'session');
      assert.equal(res.status, 405, `${method}: ${res.text}`);
      assert.equal(errorCode(res.text), 'MethodNotAllowed');
    }
  });

  it('DeleteObject.withAnotherSubresource → 405, the object stays', async () => {
    const res = await send('DELETE', `/${bucket}/k`, 'acl');
    assert.equal(res.status, 405, res.text);
    assert.equal(errorCode(res.text), 'MethodNotAllowed');
    assert.equal((await send('GET', `/${bucket}/k`)).text, 'k');
  });
});
