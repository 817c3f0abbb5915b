/**
 * A configuration document with an element AWS's schema does not have is refused (400
 * MalformedXML; MalformedACLError for an ACL), never stored without it: a setting Coffer does
 * not know (a newer API's, or a typo) must not answer 200 and be dropped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { contentMd5, errorCode, signedRequest } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';
import { canonicalIdFor } from '../../../src/auth/users.js';

const BOGUS = '<Bogus>true</Bogus>';
const OWNER = canonicalIdFor(ROOT_KEYS.accessKeyId);

/** Documents with a slot `{at}` where the unknown element goes, at each level of nesting. */
const DOCUMENTS: ReadonlyArray<readonly [query: string, document: string, code: string]> = [
  ['encryption', '<ServerSideEncryptionConfiguration>{at}<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>', 'MalformedXML'],
  ['encryption', '<ServerSideEncryptionConfiguration><Rule>{at}<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>', 'MalformedXML'],
  ['encryption', '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>{at}</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>', 'MalformedXML'],
  ['publicAccessBlock', '<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>{at}</PublicAccessBlockConfiguration>', 'MalformedXML'],
  ['ownershipControls', '<OwnershipControls>{at}<Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>', 'MalformedXML'],
  ['ownershipControls', '<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership>{at}</Rule></OwnershipControls>', 'MalformedXML'],
  ['tagging', '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet>{at}</Tagging>', 'MalformedXML'],
  ['tagging', '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value>{at}</Tag></TagSet></Tagging>', 'MalformedXML'],
  ['acl', `<AccessControlPolicy><Owner><ID>${OWNER}</ID></Owner><AccessControlList></AccessControlList>{at}</AccessControlPolicy>`, 'MalformedACLError'],
  ['acl', `<AccessControlPolicy><Owner><ID>${OWNER}</ID></Owner><AccessControlList><Grant><Grantee><ID>${OWNER}</ID></Grantee><Permission>FULL_CONTROL</Permission>{at}</Grant></AccessControlList></AccessControlPolicy>`, 'MalformedACLError'],
];

describe('configuration documents: an element the schema does not have is refused', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ bucketDefaults: 'legacy' });
  });
  after(() => server.stop());

  const put = (bucket: string, query: string, body: string) =>
    signedRequest(server.endpoint, ROOT_KEYS, { method: 'PUT', path: `/${bucket}`, query, body, headers: { 'content-md5': contentMd5(body) } });

  DOCUMENTS.forEach(([query, document, code], i) => {
    test(`PUT ?${query} (document ${i}): an unknown element → 400 ${code}; the same document without it → 2xx`, async () => {
      const bucket = await server.newBucket('unknown');
      const refused = await put(bucket, query, document.replace('{at}', BOGUS));
      assert.equal(refused.status, 400, refused.text);
      assert.equal(errorCode(refused.text), code);
      const accepted = await put(bucket, query, document.replace('{at}', ''));
      assert.ok(accepted.status === 200 || accepted.status === 204, accepted.text);
    });
  });
});
