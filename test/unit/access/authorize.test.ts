import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthorizer, ownershipRule, type PolicySource, type Verdict } from '../../../src/access/authorize.js';
import type { User } from '../../../src/auth/credentials.js';
import type { BucketRecord } from '../../../src/store/meta/metadata-store.js';

const user = (id: string): User => ({ id: id.repeat(64), accessKeyId: id, secretAccessKey: 's', displayName: id });
const root = user('a');
const owner = user('b');
const stranger = user('c');
const bucket: BucketRecord = { name: 'b', ownerId: owner.id, createdAt: new Date(0), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false };
const fixed = (verdict: Verdict): PolicySource => ({ evaluate: () => verdict });

function allowed(authorize: ReturnType<typeof createAuthorizer>, principal: User | null, action: string, key?: string, withBucket = true): boolean {
  try {
    authorize(principal, action, { bucket: 'b', key }, { bucket: withBucket ? bucket : undefined });
    return true;
  } catch (error) {
    assert.equal((error as { code?: string }).code, 'AccessDenied');
    return false;
  }
}

test('authorize.explicit Deny wins over any Allow, in any order', () => {
  assert.equal(allowed(createAuthorizer([fixed('Allow'), fixed('Deny')]), owner, 's3:GetObject', 'k'), false);
  assert.equal(allowed(createAuthorizer([fixed('Deny'), fixed('Allow')]), owner, 's3:GetObject', 'k'), false);
});

test('authorize.one Allow suffices; none is the implicit deny', () => {
  assert.equal(allowed(createAuthorizer([fixed('NotApplicable'), fixed('Allow')]), stranger, 's3:GetObject', 'k'), true);
  assert.equal(allowed(createAuthorizer([fixed('NotApplicable')]), stranger, 's3:GetObject', 'k'), false);
  assert.equal(allowed(createAuthorizer([]), root, 's3:GetObject', 'k'), false);
});

test('ownershipRule: root and the bucket owner may; others and anonymous may not', () => {
  const authorize = createAuthorizer([ownershipRule(root.id)]);
  assert.equal(allowed(authorize, root, 's3:DeleteBucket'), true);
  assert.equal(allowed(authorize, owner, 's3:PutObject', 'k'), true);
  assert.equal(allowed(authorize, stranger, 's3:GetObject', 'k'), false);
  assert.equal(allowed(authorize, null, 's3:GetObject', 'k'), false);
});

test('ownershipRule: any authenticated user may list its buckets and create one; anonymous may not', () => {
  const authorize = createAuthorizer([ownershipRule(root.id)]);
  assert.equal(allowed(authorize, stranger, 's3:ListAllMyBuckets', undefined, false), true);
  assert.equal(allowed(authorize, stranger, 's3:CreateBucket', undefined, false), true);
  assert.equal(allowed(authorize, stranger, 's3express:ListAllMyDirectoryBuckets', undefined, false), false);
  assert.equal(allowed(authorize, null, 's3:ListAllMyBuckets', undefined, false), false);
});
