import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_USERS, AUTHENTICATED_USERS, cannedGrants, parseGrantHeader } from '../../../src/access/acl.js';
import { aclSource } from '../../../src/access/acl-source.js';
import type { User } from '../../../src/auth/credentials.js';
import type { BucketRecord, Grant } from '../../../src/store/meta/metadata-store.js';
import { S3Error } from '../../../src/errors.js';

const OWNER = 'a'.repeat(64);
const ALICE: User = { accessKeyId: 'AK', secretAccessKey: 's', id: 'c'.repeat(64), displayName: 'alice' };

function bucket(grants: Grant[], extra: Partial<NonNullable<BucketRecord['access']>> = {}): BucketRecord {
  return { name: 'b', ownerId: OWNER, createdAt: new Date(0), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false, access: { grants, ownership: 'ObjectWriter', ...extra } };
}

describe('access.acl', () => {
  it('parseGrantHeader.ids, emails and group uris, comma-separated', () => {
    assert.deepEqual(parseGrantHeader('x-amz-grant-read', `id="${OWNER}", emailAddress="a@example.com",uri="${ALL_USERS}"`), [
      { type: 'CanonicalUser', id: OWNER },
      { type: 'AmazonCustomerByEmail', email: 'a@example.com' },
      { type: 'Group', uri: ALL_USERS },
    ]);
  });

  it('parseGrantHeader.bare values, as AWS takes them too', () => {
    assert.deepEqual(parseGrantHeader('x-amz-grant-read', `id=${OWNER}, emailAddress=a@example.com,uri=${ALL_USERS}`), [
      { type: 'CanonicalUser', id: OWNER },
      { type: 'AmazonCustomerByEmail', email: 'a@example.com' },
      { type: 'Group', uri: ALL_USERS },
    ]);
  });

  it('parseGrantHeader.malformed or unknown group → InvalidArgument', () => {
    for (const value of ['', 'id=', 'id="x" uri="y"', 'id=x uri=y', 'id="x', 'name="x"']) {
      assert.throws(() => parseGrantHeader('x-amz-grant-read', value), (e: unknown) => e instanceof S3Error && e.code === 'InvalidArgument', value);
    }
    assert.throws(() => parseGrantHeader('x-amz-grant-read', 'uri="http://example.com/g"'), (e: unknown) => e instanceof S3Error && e.message === 'Invalid group uri');
  });

  it('cannedGrants.every canned ACL; unknown → InvalidArgument', () => {
    assert.deepEqual(cannedGrants('authenticated-read', OWNER, OWNER).map((g) => g.permission), ['FULL_CONTROL', 'READ']);
    assert.deepEqual(cannedGrants('public-read-write', OWNER, OWNER).map((g) => g.permission), ['FULL_CONTROL', 'READ', 'WRITE']);
    assert.deepEqual(cannedGrants('bucket-owner-full-control', ALICE.id, OWNER)[1], { grantee: { type: 'CanonicalUser', id: OWNER }, permission: 'FULL_CONTROL' });
    assert.deepEqual(cannedGrants('bucket-owner-read', OWNER, OWNER), cannedGrants('private', OWNER, OWNER));
    assert.deepEqual(cannedGrants('log-delivery-write', OWNER, OWNER).map((g) => g.permission), ['FULL_CONTROL', 'WRITE', 'READ_ACP']);
    assert.throws(() => cannedGrants('public', OWNER, OWNER), (e: unknown) => e instanceof S3Error && e.code === 'InvalidArgument');
  });
});

describe('access.aclSource', () => {
  const source = aclSource();
  const read = (grantee: Grant['grantee'], permission: Grant['permission'] = 'READ'): Grant => ({ grantee, permission });

  it('bucket READ → ListBucket (not PutObject); WRITE → PutObject and DeleteObject; FULL_CONTROL → ACP too', () => {
    const b = bucket([read({ type: 'CanonicalUser', id: ALICE.id })]);
    assert.equal(source.evaluate(ALICE, 's3:ListBucket', { bucket: 'b' }, { bucket: b }), 'Allow');
    assert.equal(source.evaluate(ALICE, 's3:PutObject', { bucket: 'b', key: 'k' }, { bucket: b }), 'NotApplicable');
    const w = bucket([read({ type: 'CanonicalUser', id: ALICE.id }, 'WRITE')]);
    assert.equal(source.evaluate(ALICE, 's3:DeleteObject', { bucket: 'b', key: 'k' }, { bucket: w }), 'Allow');
    assert.equal(source.evaluate(ALICE, 's3:GetBucketAcl', { bucket: 'b' }, { bucket: w }), 'NotApplicable');
    const f = bucket([read({ type: 'CanonicalUser', id: ALICE.id }, 'FULL_CONTROL')]);
    assert.equal(source.evaluate(ALICE, 's3:PutBucketAcl', { bucket: 'b' }, { bucket: f }), 'Allow');
    assert.equal(source.evaluate(ALICE, 's3:PutBucketPolicy', { bucket: 'b' }, { bucket: f }), 'NotApplicable');
  });

  it('groups: AllUsers includes anonymous, AuthenticatedUsers does not; IgnorePublicAcls and BucketOwnerEnforced silence them', () => {
    const everyone = bucket([read({ type: 'Group', uri: ALL_USERS })]);
    const users = bucket([read({ type: 'Group', uri: AUTHENTICATED_USERS })]);
    assert.equal(source.evaluate(null, 's3:ListBucket', { bucket: 'b' }, { bucket: everyone }), 'Allow');
    assert.equal(source.evaluate(null, 's3:ListBucket', { bucket: 'b' }, { bucket: users }), 'NotApplicable');
    assert.equal(source.evaluate(ALICE, 's3:ListBucket', { bucket: 'b' }, { bucket: users }), 'Allow');
    const ignored = bucket([read({ type: 'Group', uri: ALL_USERS })], { publicAccessBlock: { blockPublicAcls: false, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false } });
    assert.equal(source.evaluate(null, 's3:ListBucket', { bucket: 'b' }, { bucket: ignored }), 'NotApplicable');
    const enforced = bucket([read({ type: 'Group', uri: ALL_USERS })], { ownership: 'BucketOwnerEnforced' });
    assert.equal(source.evaluate(null, 's3:ListBucket', { bucket: 'b' }, { bucket: enforced }), 'NotApplicable');
  });

  it('object READ → GetObject; the object owner always has READ_ACP/WRITE_ACP; no object context → no object grant', () => {
    const b = bucket([]);
    const object = { ownerId: ALICE.id, acl: [read({ type: 'Group', uri: ALL_USERS })] };
    assert.equal(source.evaluate(null, 's3:GetObject', { bucket: 'b', key: 'k' }, { bucket: b, object }), 'Allow');
    assert.equal(source.evaluate(null, 's3:GetObjectAcl', { bucket: 'b', key: 'k' }, { bucket: b, object }), 'NotApplicable');
    assert.equal(source.evaluate(ALICE, 's3:PutObjectAcl', { bucket: 'b', key: 'k' }, { bucket: b, object }), 'Allow');
    assert.equal(source.evaluate(null, 's3:GetObject', { bucket: 'b', key: 'k' }, { bucket: b }), 'NotApplicable');
  });
});
