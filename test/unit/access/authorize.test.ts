import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthorizer, LazyValuesContext, ownershipRule, type PolicySource, type Verdict } from '../../../src/access/authorize.js';
import type { User } from '../../../src/auth/credentials.js';
import type { BucketRecord } from '../../../src/store/meta/metadata-store.js';

const user = (id: string): User => ({ id: id.repeat(64), accessKeyId: id, secretAccessKey: 's', displayName: id });
const root = user('a');
const owner = user('b');
const stranger = user('c');
const bucket: BucketRecord = { name: 'b', ownerId: owner.id, createdAt: new Date(0), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false };
const fixed = (verdict: Verdict): PolicySource => ({ evaluate: () => verdict });

async function allowed(authorize: ReturnType<typeof createAuthorizer>, principal: User | null, action: string, key?: string, withBucket = true): Promise<boolean> {
  try {
    await authorize(principal, action, { bucket: 'b', key }, { bucket: withBucket ? bucket : undefined });
    return true;
  } catch (error) {
    assert.equal((error as { code?: string }).code, 'AccessDenied');
    return false;
  }
}

test('authorize.explicit Deny wins over any Allow, in any order', async () => {
  assert.equal(await allowed(createAuthorizer([fixed('Allow'), fixed('Deny')]), owner, 's3:GetObject', 'k'), false);
  assert.equal(await allowed(createAuthorizer([fixed('Deny'), fixed('Allow')]), owner, 's3:GetObject', 'k'), false);
});

test('authorize.one Allow suffices; none is the implicit deny', async () => {
  assert.equal(await allowed(createAuthorizer([fixed('NotApplicable'), fixed('Allow')]), stranger, 's3:GetObject', 'k'), true);
  assert.equal(await allowed(createAuthorizer([fixed('NotApplicable')]), stranger, 's3:GetObject', 'k'), false);
  assert.equal(await allowed(createAuthorizer([]), root, 's3:GetObject', 'k'), false);
});

test('ownershipRule: root and the bucket owner may; others and anonymous may not', async () => {
  const authorize = createAuthorizer([ownershipRule(root.id)]);
  assert.equal(await allowed(authorize, root, 's3:DeleteBucket'), true);
  assert.equal(await allowed(authorize, owner, 's3:PutObject', 'k'), true);
  assert.equal(await allowed(authorize, stranger, 's3:GetObject', 'k'), false);
  assert.equal(await allowed(authorize, null, 's3:GetObject', 'k'), false);
});

test('ownershipRule: any authenticated user may list its buckets and create one; anonymous may not', async () => {
  const authorize = createAuthorizer([ownershipRule(root.id)]);
  assert.equal(await allowed(authorize, stranger, 's3:ListAllMyBuckets', undefined, false), true);
  assert.equal(await allowed(authorize, stranger, 's3:CreateBucket', undefined, false), true);
  assert.equal(await allowed(authorize, stranger, 's3express:ListAllMyDirectoryBuckets', undefined, false), false);
  assert.equal(await allowed(authorize, null, 's3:ListAllMyBuckets', undefined, false), false);
});

test('ownershipRule: a user given identity policies gets no service-level default', async () => {
  const authorize = createAuthorizer([ownershipRule(root.id, (u) => u === stranger)]);
  assert.equal(await allowed(authorize, stranger, 's3:CreateBucket', undefined, false), false);
  assert.equal(await allowed(authorize, owner, 's3:CreateBucket', undefined, false), true);
});

test('authorize.object tags are read only when a source asks for s3:ExistingObjectTag, then asked again', async () => {
  let reads = 0;
  const asksForTags: PolicySource = { evaluate: (_p, _a, _r, context) => {
    const getter = context.values?.['s3:ExistingObjectTag'];
    const tags = typeof getter === 'function' ? (getter() as Record<string, string> | undefined) : undefined;
    return tags?.['class'] === 'public' ? 'Allow' : 'NotApplicable';
  } };
  const loadObjectTags = async () => (reads++, { class: 'public' });
  await createAuthorizer([asksForTags])(stranger, 's3:GetObject', { bucket: 'b', key: 'k' }, { bucket, loadObjectTags });
  assert.equal(reads, 1);
  await createAuthorizer([fixed('Allow')])(stranger, 's3:GetObject', { bucket: 'b', key: 'k' }, { bucket, loadObjectTags });
  assert.equal(reads, 1);
});

test('LazyValuesContext: condition values are made only when a source reads them, and reach it beside the object tags', async () => {
  let made = 0;
  const loadObjectTags = async () => ({ class: 'public' });
  const time = new Date(0);
  const context = () => new LazyValuesContext(() => (made++, { 'aws:SourceIp': '10.0.0.1' }), { bucket, time, loadObjectTags });
  const fresh = context();
  assert.equal(made, 0);
  assert.equal(fresh.bucket, bucket);
  assert.equal(fresh.time, time);
  assert.equal(fresh.loadObjectTags, loadObjectTags);
  await createAuthorizer([fixed('Allow')])(stranger, 's3:GetObject', { bucket: 'b', key: 'k' }, context());
  assert.equal(made, 0, 'a source that reads no condition makes no values');
  const readsBoth: PolicySource = { evaluate: (_p, _a, _r, request) => {
    const values = request.values;
    const getter = values?.['s3:ExistingObjectTag'];
    const tags = typeof getter === 'function' ? (getter() as Record<string, string> | undefined) : undefined;
    return values?.['aws:SourceIp'] === '10.0.0.1' && tags?.['class'] === 'public' ? 'Allow' : 'NotApplicable';
  } };
  await createAuthorizer([readsBoth])(stranger, 's3:GetObject', { bucket: 'b', key: 'k' }, context());
  assert.ok(made >= 1);
});
