/**
 * The MetadataStore contract (src/store/meta/metadata-store.ts), run against every implementation:
 * `metadataStoreContract('sqlite', () => new SqliteMetadataStore({ path: ':memory:' }))`.
 * A later implementation (PostgreSQL) reuses it unchanged; a skipped case must carry its reason.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  StoreError,
  type BlobSealing,
  type BucketAccess,
  type BucketRecord,
  type Grant,
  type Extent,
  type ListEntry,
  type MetadataStore,
  type MultipartUpload,
  type NewVersion,
  type OutboxEvent,
  type StoreErrorCode,
  type UploadEntry,
  type UploadPart,
  type VersionEntry,
} from '../../src/store/meta/metadata-store.js';
import { IdentityStoreError, type IdentityStoreErrorCode } from '../../src/store/meta/identity-store.js';

export type MetadataStoreFactory = () => MetadataStore | Promise<MetadataStore>;

const OWNER = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

let blobCounter = 0;
/** A fresh blob id (32 hex characters, like the fs blob store's). */
export function newBlobId(): string {
  blobCounter++;
  return blobCounter.toString(16).padStart(32, '0');
}

function bucketRecord(name: string, overrides: Partial<BucketRecord> = {}): BucketRecord {
  return { name, ownerId: OWNER, createdAt: new Date(1_700_000_000_000), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false, ...overrides };
}

function extent(blobId = newBlobId(), length = 10): Extent {
  return { blobId, offset: 0, length };
}

function sealedExtent(keyId = 'master:0123456789abcdef'): Extent {
  return { ...extent(), sealing: { keyId, wrappedKey: 'd3JhcHBlZA==', nonceBase: 'AAAAAAAAAAAAAAAA', segmentBytes: 65536, blobBytes: 10 } };
}

function version(bucket: string, key: string, overrides: Partial<NewVersion> = {}): NewVersion {
  const manifest = overrides.manifest ?? [extent()];
  return {
    bucket,
    key,
    versionId: 'null',
    isDeleteMarker: false,
    size: manifest.reduce((n, e) => n + e.length, 0),
    etag: 'd41d8cd98f00b204e9800998ecf8427e',
    lastModified: new Date(1_700_000_000_000),
    ownerId: OWNER,
    headers: { contentType: 'text/plain' },
    userMetadata: {},
    storageClass: 'STANDARD',
    tags: [],
    ...overrides,
    manifest,
  };
}

function upload(bucket: string, key: string, uploadId: string, initiatedMs = 1_700_000_000_000): MultipartUpload {
  return { uploadId, bucket, key, initiated: new Date(initiatedMs), ownerId: OWNER, headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [] };
}

function part(partNumber: number, manifest: Extent[] = [extent()]): UploadPart {
  return { partNumber, size: manifest.reduce((n, e) => n + e.length, 0), etag: `etag-${partNumber}`, lastModified: new Date(1_700_000_000_000), manifest };
}

async function expectIdentityError(promise: Promise<unknown>, code: IdentityStoreErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof IdentityStoreError, `expected IdentityStoreError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

async function expectStoreError(promise: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected StoreError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

function outboxEvent(bucket: string, key: string, name: string, overrides: Partial<OutboxEvent> = {}): OutboxEvent {
  return {
    name,
    bucket,
    key,
    time: new Date(1_700_000_000_123),
    region: 'us-east-1',
    bucketOwnerId: OWNER,
    object: { size: 10, etag: 'd41d8cd98f00b204e9800998ecf8427e', versionId: 'null' },
    request: { requestId: 'REQ', hostId: 'HOST', principalId: OWNER, sourceIp: '127.0.0.1' },
    deliveries: [{ configurationId: 'cfg', targetArn: 'arn:coffer:sqs:us-east-1:coffer:hook' }],
    ...overrides,
  };
}

const listKeys = (entries: readonly ListEntry[]) => entries.map((e) => (e.kind === 'prefix' ? `P:${e.prefix}` : e.version.key));
const versionKeys = (entries: readonly VersionEntry[]) => entries.map((e) => (e.kind === 'prefix' ? `P:${e.prefix}` : `${e.version.key}@${e.version.versionId}`));
const uploadKeys = (entries: readonly UploadEntry[]) => entries.map((e) => (e.kind === 'prefix' ? `P:${e.prefix}` : `${e.upload.key}#${e.upload.uploadId}`));
const sorted = (ids: readonly string[]) => [...ids].sort();

export function metadataStoreContract(name: string, factory: MetadataStoreFactory): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('buckets', () => {
      test('createBucket.then getBucket returns the record', async () => {
        const record = bucketRecord('alpha', { region: 'eu-west-1', objectLockEnabled: true, versioning: 'Enabled' });
        await store.createBucket(record);
        assert.deepEqual(await store.getBucket('alpha'), { ...record, requestConfigs: {} });
        assert.equal(await store.getBucket('missing'), undefined);
      });

      test('createBucket.ownerBucketsMax counts the owner\'s buckets atomically; a taken name is still BucketExists', async () => {
        await store.createBucket(bucketRecord('one'), 2);
        await store.createBucket(bucketRecord('two'), 2);
        await expectStoreError(store.createBucket(bucketRecord('one'), 2), 'BucketExists');
        const racing = await Promise.allSettled([store.createBucket(bucketRecord('three'), 2), store.createBucket(bucketRecord('four'), 3)]);
        assert.deepEqual(racing.map((r) => r.status), ['rejected', 'fulfilled']);
        await expectStoreError(store.createBucket(bucketRecord('five'), 3), 'TooManyBuckets');
        await store.createBucket(bucketRecord('other', { ownerId: OTHER }), 1);
      });

      test('createBucket.taken name throws BucketExists and keeps the first owner', async () => {
        await store.createBucket(bucketRecord('alpha'));
        await expectStoreError(store.createBucket(bucketRecord('alpha', { ownerId: OTHER })), 'BucketExists');
        assert.equal((await store.getBucket('alpha'))?.ownerId, OWNER);
      });

      test('listBuckets.name order, optionally one owner', async () => {
        await store.createBucket(bucketRecord('charlie'));
        await store.createBucket(bucketRecord('alpha', { ownerId: OTHER }));
        await store.createBucket(bucketRecord('bravo'));
        assert.deepEqual((await store.listBuckets()).map((b) => b.name), ['alpha', 'bravo', 'charlie']);
        assert.deepEqual((await store.listBuckets(OWNER)).map((b) => b.name), ['bravo', 'charlie']);
        assert.deepEqual((await store.listBuckets('c'.repeat(64))).map((b) => b.name), []);
      });

      test('deleteBucket.missing throws BucketNotFound', async () => {
        await expectStoreError(store.deleteBucket('missing'), 'BucketNotFound');
      });

      test('deleteBucket.with a version or a delete marker throws BucketNotEmpty; uploads in progress are aborted with it, their blobs released', async () => {
        await store.createBucket(bucketRecord('alpha'));
        await store.putVersion(version('alpha', 'k'));
        await store.createUpload(upload('alpha', 'k', 'u1'));
        const blobId = newBlobId();
        await store.putPart('alpha', 'u1', part(1, [extent(blobId)]));
        await store.createUpload(upload('alpha', 'j', 'u2'));
        const more = [newBlobId(), newBlobId()];
        await store.putPart('alpha', 'u2', part(1, [extent(more[0])]));
        await store.putPart('alpha', 'u2', part(2, [extent(more[1])]));
        await expectStoreError(store.deleteBucket('alpha'), 'BucketNotEmpty');
        assert.ok(await store.getUpload('alpha', 'u1'), 'a refused delete aborts nothing');
        await store.deleteVersion('alpha', 'k', 'null');
        await store.putVersion(version('alpha', 'k', { isDeleteMarker: true, manifest: [], size: 0, etag: '' }));
        await expectStoreError(store.deleteBucket('alpha'), 'BucketNotEmpty');
        await store.deleteVersion('alpha', 'k', 'null');
        const { released } = await store.deleteBucket('alpha');
        assert.deepEqual([...released].sort(), [blobId, ...more].sort());
        assert.equal(await store.getBucket('alpha'), undefined);
        assert.equal(await store.getUpload('alpha', 'u1'), undefined);
        assert.equal(await store.getUpload('alpha', 'u2'), undefined);
      });

      test('deleteBucket.removes its configurations; the name can be re-created', async () => {
        await store.createBucket(bucketRecord('alpha'));
        await store.putBucketConfig('alpha', 'tagging', '<Tagging/>');
        await store.deleteBucket('alpha');
        await store.createBucket(bucketRecord('alpha', { ownerId: OTHER }));
        assert.equal(await store.getBucketConfig('alpha', 'tagging'), undefined);
        assert.equal((await store.getBucket('alpha'))?.ownerId, OTHER);
      });

      test('setBucketVersioning.changes the state; missing bucket throws BucketNotFound', async () => {
        await store.createBucket(bucketRecord('alpha'));
        await store.setBucketVersioning('alpha', 'Enabled');
        assert.equal((await store.getBucket('alpha'))?.versioning, 'Enabled');
        await store.setBucketVersioning('alpha', 'Suspended');
        assert.equal((await store.getBucket('alpha'))?.versioning, 'Suspended');
        await expectStoreError(store.setBucketVersioning('missing', 'Enabled'), 'BucketNotFound');
      });

      test('updateBucketAccess.createBucket keeps access; a change gets what is stored and the owner, and replaces it (the cached bucket too); a throw writes nothing; missing bucket throws BucketNotFound', async () => {
        const grants: Grant[] = [{ grantee: { type: 'CanonicalUser', id: OWNER }, permission: 'FULL_CONTROL' }];
        await store.createBucket(bucketRecord('alpha', { access: { grants, ownership: 'BucketOwnerEnforced' } }));
        await store.createBucket(bucketRecord('legacy'));
        assert.deepEqual((await store.getBucket('alpha'))?.access, { grants, ownership: 'BucketOwnerEnforced' });
        assert.equal((await store.getBucket('legacy'))?.access, undefined);
        const access: BucketAccess = {
          grants: [...grants, { grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'READ' }],
          ownership: 'ObjectWriter',
          publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: false },
        };
        const seen: Array<[BucketAccess | undefined, string]> = [];
        await store.updateBucketAccess('alpha', (current, ownerId) => {
          seen.push([current, ownerId]);
          return access;
        });
        assert.deepEqual(seen, [[{ grants, ownership: 'BucketOwnerEnforced' }, OWNER]]);
        assert.deepEqual((await store.getBucket('alpha'))?.access, access);
        assert.deepEqual((await store.listBuckets()).find((b) => b.name === 'alpha')?.access, access);
        await store.updateBucketAccess('legacy', (current) => {
          assert.equal(current, undefined);
          return { grants };
        });
        assert.deepEqual((await store.getBucket('legacy'))?.access, { grants });
        await assert.rejects(store.updateBucketAccess('alpha', () => {
          throw new Error('refused');
        }), /refused/);
        assert.deepEqual((await store.getBucket('alpha'))?.access, access);
        await expectStoreError(store.updateBucketAccess('missing', () => access), 'BucketNotFound');
      });

      test('updateBucketAccess.concurrent changes of different parts each see the one before: none is lost', async () => {
        const grants: Grant[] = [{ grantee: { type: 'CanonicalUser', id: OWNER }, permission: 'FULL_CONTROL' }];
        await store.createBucket(bucketRecord('alpha', { access: { grants } }));
        const block = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };
        const read = { grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, permission: 'READ' } as const;
        await Promise.all([
          store.updateBucketAccess('alpha', (current) => ({ ...current!, ownership: 'ObjectWriter' })),
          store.updateBucketAccess('alpha', (current) => ({ ...current!, publicAccessBlock: block })),
          store.updateBucketAccess('alpha', (current) => ({ ...current!, grants: [...current!.grants, read] })),
        ]);
        assert.deepEqual((await store.getBucket('alpha'))?.access, { grants: [...grants, read], ownership: 'ObjectWriter', publicAccessBlock: block });
      });

      test('getBucket.carries the policy document, following every change of it at once', async () => {
        await store.createBucket(bucketRecord('alpha'));
        assert.equal('policy' in (await store.getBucket('alpha'))!, false);
        await store.putBucketConfig('alpha', 'policy', '{"v":1}');
        assert.equal((await store.getBucket('alpha'))?.policy, '{"v":1}');
        await store.putBucketConfig('alpha', 'policy', '{"v":2}');
        assert.equal((await store.getBucket('alpha'))?.policy, '{"v":2}');
        await store.putBucketConfig('alpha', 'cors', 'x');
        assert.equal((await store.getBucket('alpha'))?.policy, '{"v":2}');
        await store.putBucketConfig('alpha', 'policy', undefined);
        assert.equal('policy' in (await store.getBucket('alpha'))!, false);
        await store.putBucketConfig('alpha', 'policy', '{"v":3}');
        assert.equal((await store.listBuckets()).some((b) => 'policy' in b), false);
        await store.deleteBucket('alpha');
        await store.createBucket(bucketRecord('alpha'));
        assert.equal('policy' in (await store.getBucket('alpha'))!, false);
      });

      test('getBucket.carries the request configurations, following every change of them at once', async () => {
        await store.createBucket(bucketRecord('alpha'));
        assert.deepEqual((await store.getBucket('alpha'))?.requestConfigs, {});
        await store.putBucketConfig('alpha', 'lifecycle', 'l1');
        await store.putBucketConfig('alpha', 'notification', 'n1');
        await store.putBucketConfig('alpha', 'request-payment', 'Requester');
        await store.putBucketConfig('alpha', 'encryption', 'e1');
        await store.putBucketConfig('alpha', 'cors', 'c1');
        assert.deepEqual((await store.getBucket('alpha'))?.requestConfigs, { lifecycle: 'l1', notification: 'n1', 'request-payment': 'Requester', encryption: 'e1' });
        await store.putBucketConfig('alpha', 'lifecycle', 'l2');
        await store.putBucketConfig('alpha', 'notification', undefined);
        assert.deepEqual((await store.getBucket('alpha'))?.requestConfigs, { lifecycle: 'l2', 'request-payment': 'Requester', encryption: 'e1' });
        assert.equal((await store.listBuckets()).some((b) => 'requestConfigs' in b), false);
        await store.putBucketConfig('alpha', 'lifecycle', undefined);
        await store.putBucketConfig('alpha', 'request-payment', undefined);
        await store.putBucketConfig('alpha', 'encryption', undefined);
        assert.deepEqual((await store.getBucket('alpha'))?.requestConfigs, {});
      });

      test('getBucket.carries the CORS document, following every change of it at once', async () => {
        await store.createBucket(bucketRecord('alpha'));
        assert.equal('cors' in (await store.getBucket('alpha'))!, false);
        await store.putBucketConfig('alpha', 'cors', '[1]');
        assert.equal((await store.getBucket('alpha'))?.cors, '[1]');
        await store.putBucketConfig('alpha', 'policy', '{"v":1}');
        const both = (await store.getBucket('alpha'))!;
        assert.deepEqual([both.cors, both.policy], ['[1]', '{"v":1}']);
        await store.putBucketConfig('alpha', 'cors', '[2]');
        assert.equal((await store.getBucket('alpha'))?.cors, '[2]');
        await store.putBucketConfig('alpha', 'cors', undefined);
        assert.equal('cors' in (await store.getBucket('alpha'))!, false);
        assert.equal((await store.listBuckets()).some((b) => 'cors' in b), false);
      });

      test('putBucketConfig.put, replace, delete, per kind; missing bucket throws BucketNotFound', async () => {
        await store.createBucket(bucketRecord('alpha'));
        assert.equal(await store.getBucketConfig('alpha', 'cors'), undefined);
        await store.putBucketConfig('alpha', 'cors', 'one');
        await store.putBucketConfig('alpha', 'policy', '{"p":1}');
        await store.putBucketConfig('alpha', 'cors', 'two');
        assert.equal(await store.getBucketConfig('alpha', 'cors'), 'two');
        assert.equal(await store.getBucketConfig('alpha', 'policy'), '{"p":1}');
        await store.putBucketConfig('alpha', 'cors', undefined);
        assert.equal(await store.getBucketConfig('alpha', 'cors'), undefined);
        assert.equal(await store.getBucketConfig('alpha', 'policy'), '{"p":1}');
        await store.putBucketConfig('alpha', 'cors', undefined); // deleting an absent config is fine
        await expectStoreError(store.putBucketConfig('missing', 'cors', 'x'), 'BucketNotFound');
      });
    });

    describe('object versions', () => {
      beforeEach(async () => {
        await store.createBucket(bucketRecord('bkt'));
      });

      test('putVersion.then getVersion returns every attribute', async () => {
        const v = version('bkt', 'dir/ä key', {
          headers: { contentType: 'text/plain', cacheControl: 'no-cache', contentDisposition: 'inline', contentEncoding: 'gzip', contentLanguage: 'de', expires: 'Thu, 01 Dec 1994 16:00:00 GMT', websiteRedirectLocation: '/x' },
          userMetadata: { title: 'my title', 'x-y': 'ü' },
          storageClass: 'STANDARD_IA',
          checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value: 'AAAAAA==' },
          parts: [{ partNumber: 1, size: 10, etag: 'e1' }],
          tags: [{ key: 'k', value: 'v' }],
          manifest: [extent(newBlobId(), 4), extent(newBlobId(), 6)],
        });
        await store.putVersion(v);
        const got = await store.getVersion('bkt', 'dir/ä key');
        assert.deepEqual(got, { ...v, isLatest: true });
        assert.deepEqual(await store.getVersion('bkt', 'dir/ä key', 'null'), got);
        assert.equal(await store.getVersion('bkt', 'other'), undefined);
        assert.equal(await store.getVersion('bkt', 'dir/ä key', 'nope'), undefined);
      });

      test('putVersion.then getVersion returns the encryption and each extent\'s sealing', async () => {
        const sealed = sealedExtent();
        const v = version('bkt', 'enc', {
          encryption: { mode: 'SSE-C', customerKeyMd5: 'bWQ1', customerKeyFingerprint: 'ZnA=', bucketKeyEnabled: true },
          manifest: [sealed, extent()],
        });
        await store.putVersion(v);
        const got = await store.getVersion('bkt', 'enc');
        assert.deepEqual(got?.encryption, v.encryption);
        assert.deepEqual(got?.manifest, v.manifest);
      });

      test('rewrapSealings.replaces the sealings it is given, in versions and parts, and only those', async () => {
        const old = sealedExtent('master:old');
        const kept = sealedExtent('master:new');
        await store.putVersion(version('bkt', 'a', { manifest: [old, kept, extent()] }));
        await store.putVersion(version('bkt', 'b', { manifest: [kept] }));
        await store.createUpload(upload('bkt', 'c', 'u-rewrap'));
        await store.putPart('bkt', 'u-rewrap', part(1, [{ ...old, blobId: newBlobId() }]));
        const rewrap = (s: BlobSealing) => (s.keyId === 'master:old' ? { ...s, keyId: 'master:new', wrappedKey: 'cmV3cmFwcGVk' } : undefined);
        assert.equal(await store.rewrapSealings(rewrap), 2);
        const a = await store.getVersion('bkt', 'a');
        assert.deepEqual(a?.manifest, [{ ...old, sealing: { ...old.sealing!, keyId: 'master:new', wrappedKey: 'cmV3cmFwcGVk' } }, kept, a!.manifest[2]]);
        assert.deepEqual((await store.getVersion('bkt', 'b'))?.manifest, [kept]);
        const parts = await store.listParts('bkt', 'u-rewrap', 0, 10);
        assert.equal(parts.entries[0]?.manifest[0]?.sealing?.keyId, 'master:new');
        assert.equal(await store.rewrapSealings(rewrap), 0, 'a second run finds nothing left to rewrap');
      });

      test('resealVersion.swaps a version in clear for sealed blobs while it is unchanged; an overwrite in between wins', async () => {
        const clear = [extent(newBlobId(), 4), extent(newBlobId(), 6)];
        await store.putVersion(version('bkt', 'old', { manifest: clear }));
        const sealed = [sealedExtent(), sealedExtent()];
        const applied = await store.resealVersion('bkt', 'old', 'null', clear, sealed, { mode: 'AES256' });
        assert.equal(applied.applied, true);
        assert.deepEqual([...applied.released].sort(), clear.map((e) => e.blobId).sort());
        const got = await store.getVersion('bkt', 'old');
        assert.deepEqual(got?.manifest, sealed);
        assert.deepEqual(got?.encryption, { mode: 'AES256' });
        assert.deepEqual(await store.referencedBlobs(sealed.map((e) => e.blobId)), new Set(sealed.map((e) => e.blobId)));

        const overwritten = [extent(newBlobId(), 3)];
        await store.putVersion(version('bkt', 'raced', { manifest: overwritten }));
        const stale = [extent(newBlobId(), 4)];
        const lost = await store.resealVersion('bkt', 'raced', 'null', stale, [sealedExtent()], { mode: 'AES256' });
        assert.deepEqual(lost, { applied: false, released: [] });
        assert.deepEqual((await store.getVersion('bkt', 'raced'))?.manifest, overwritten);
        assert.deepEqual(await store.resealVersion('bkt', 'gone', 'null', stale, [sealedExtent()], { mode: 'AES256' }), { applied: false, released: [] });
      });

      test('putVersion.a sealing of version 2 with an outer layer (DSSE-KMS) round-trips, inline or in a file', async () => {
        const dual = { ...sealedExtent('kms:11111111-2222-3333-4444-555555555555').sealing!, version: 2 as const, outer: { wrappedKey: 'b3V0ZXI=', nonceBase: 'BBBBBBBBBBBBBBBB' } };
        const manifest = [{ ...extent(), sealing: dual }, { blobId: '', offset: 0, length: 3, sealing: dual, inline: Buffer.from('abc') }];
        await store.putVersion(version('bkt', 'dsse', { manifest, encryption: { mode: 'aws:kms:dsse', kmsKeyId: '11111111-2222-3333-4444-555555555555' } }));
        const got = await store.getVersion('bkt', 'dsse');
        assert.deepEqual(got?.manifest, manifest);
        assert.equal(got?.encryption?.mode, 'aws:kms:dsse');
      });

      test('resealPart.swaps a part in clear for sealed blobs while it is unchanged, and gives an upload without encryption the sealing\'s; a part uploaded again wins', async () => {
        await store.createUpload(upload('bkt', 'mp', 'u-reseal'));
        const clear = [extent(newBlobId(), 4)];
        await store.putPart('bkt', 'u-reseal', part(1, clear));
        const sealed = [sealedExtent()];
        const applied = await store.resealPart('u-reseal', 1, clear, sealed, { mode: 'AES256' });
        assert.deepEqual(applied, { applied: true, released: clear.map((e) => e.blobId) });
        assert.deepEqual((await store.listParts('bkt', 'u-reseal', 0, 10)).entries[0]?.manifest, sealed);
        assert.deepEqual((await store.getUpload('bkt', 'u-reseal'))?.encryption, { mode: 'AES256' });
        assert.deepEqual(await store.referencedBlobs(sealed.map((e) => e.blobId)), new Set(sealed.map((e) => e.blobId)));

        const again = [extent(newBlobId(), 5)];
        await store.putPart('bkt', 'u-reseal', part(2, again));
        assert.deepEqual(await store.resealPart('u-reseal', 2, [extent(newBlobId(), 5)], [sealedExtent()], { mode: 'AES256' }), { applied: false, released: [] });
        assert.deepEqual((await store.listParts('bkt', 'u-reseal', 1, 10)).entries[0]?.manifest, again);
        assert.deepEqual(await store.resealPart('u-gone', 1, clear, [sealedExtent()], { mode: 'AES256' }), { applied: false, released: [] });
      });

      test('putVersion.missing bucket throws BucketNotFound', async () => {
        await expectStoreError(store.putVersion(version('missing', 'k')), 'BucketNotFound');
      });

      test('putVersion.same id replaces the version and releases its blobs', async () => {
        const first = extent();
        assert.deepEqual((await store.putVersion(version('bkt', 'k', { manifest: [first] }))).released, []);
        const second = extent();
        const { released } = await store.putVersion(version('bkt', 'k', { manifest: [second], etag: 'e2' }));
        assert.deepEqual(released, [first.blobId]);
        assert.equal((await store.getVersion('bkt', 'k'))?.etag, 'e2');
        assert.deepEqual((await store.listVersions('bkt', { prefix: '', delimiter: '', keyMarker: '', versionIdMarker: '', limit: 10 })).entries.length, 1);
      });

      test('putVersion.new id keeps the older versions; only the newest is latest', async () => {
        await store.putVersion(version('bkt', 'k', { versionId: 'v1' }));
        const { released } = await store.putVersion(version('bkt', 'k', { versionId: 'v2' }));
        assert.deepEqual(released, []);
        assert.equal((await store.getVersion('bkt', 'k'))?.versionId, 'v2');
        assert.equal((await store.getVersion('bkt', 'k', 'v1'))?.isLatest, false);
        assert.equal((await store.getVersion('bkt', 'k', 'v2'))?.isLatest, true);
      });

      test('putVersion.latest may be a delete marker', async () => {
        await store.putVersion(version('bkt', 'k', { versionId: 'v1' }));
        await store.putVersion(version('bkt', 'k', { versionId: 'dm', isDeleteMarker: true, manifest: [], size: 0, etag: '' }));
        const latest = await store.getVersion('bkt', 'k');
        assert.equal(latest?.versionId, 'dm');
        assert.equal(latest?.isDeleteMarker, true);
      });

      test('putVersion.ifNoneMatch fails when a current version exists, not on a delete marker', async () => {
        await store.putVersion(version('bkt', 'k', { versionId: 'v1' }), { ifNoneMatch: '*' });
        await expectStoreError(store.putVersion(version('bkt', 'k', { versionId: 'v2' }), { ifNoneMatch: '*' }), 'PreconditionFailed');
        assert.equal((await store.getVersion('bkt', 'k'))?.versionId, 'v1');
        await store.putVersion(version('bkt', 'k', { versionId: 'dm', isDeleteMarker: true, manifest: [], size: 0, etag: '' }));
        await store.putVersion(version('bkt', 'k', { versionId: 'v3' }), { ifNoneMatch: '*' });
        assert.equal((await store.getVersion('bkt', 'k'))?.versionId, 'v3');
      });

      test('putVersion.ifMatch: absent key → ObjectNotFound, other etag → PreconditionFailed, same etag or * → written', async () => {
        await expectStoreError(store.putVersion(version('bkt', 'k'), { ifMatch: 'e1' }), 'ObjectNotFound');
        await store.putVersion(version('bkt', 'k', { etag: 'e1' }));
        await expectStoreError(store.putVersion(version('bkt', 'k', { etag: 'e2' }), { ifMatch: 'zzz' }), 'PreconditionFailed');
        await store.putVersion(version('bkt', 'k', { etag: 'e2' }), { ifMatch: 'e1' });
        await store.putVersion(version('bkt', 'k', { etag: 'e3' }), { ifMatch: '*' });
        assert.equal((await store.getVersion('bkt', 'k'))?.etag, 'e3');
        await store.putVersion(version('bkt', 'k', { versionId: 'dm', isDeleteMarker: true, manifest: [], size: 0, etag: '' }));
        await expectStoreError(store.putVersion(version('bkt', 'k', { etag: 'e4' }), { ifMatch: '*' }), 'ObjectNotFound');
      });

      test('putVersion.ifNoneMatch with an ETag fails only when it is the current version\'s', async () => {
        await store.putVersion(version('bkt', 'k', { etag: 'e1' }), { ifNoneMatch: 'e0' });
        await expectStoreError(store.putVersion(version('bkt', 'k', { etag: 'e2' }), { ifNoneMatch: 'e1' }), 'PreconditionFailed');
        await store.putVersion(version('bkt', 'k', { etag: 'e2' }), { ifNoneMatch: 'other' });
        assert.equal((await store.getVersion('bkt', 'k'))?.etag, 'e2');
      });

      test('deleteVersion.conditions are checked against the current version, atomically with the delete', async () => {
        const at = new Date(1_700_000_000_000);
        await store.putVersion(version('bkt', 'k', { etag: 'e1', lastModified: at, manifest: [extent(newBlobId(), 7)] }));
        await expectStoreError(store.deleteVersion('bkt', 'k', 'null', { ifMatch: 'e2' }), 'PreconditionFailed');
        await expectStoreError(store.deleteVersion('bkt', 'k', 'null', { ifMatchSize: 8 }), 'PreconditionFailed');
        await expectStoreError(store.deleteVersion('bkt', 'k', 'null', { ifMatchLastModified: new Date(at.getTime() + 1000) }), 'PreconditionFailed');
        assert.equal((await store.getVersion('bkt', 'k'))?.etag, 'e1', 'a failed condition deletes nothing');
        await store.deleteVersion('bkt', 'k', 'null', { ifMatch: 'e1', ifMatchSize: 7, ifMatchLastModified: new Date(at.getTime() + 400) });
        assert.equal(await store.getVersion('bkt', 'k'), undefined);
        await expectStoreError(store.deleteVersion('bkt', 'k', 'null', { ifMatch: '*' }), 'ObjectNotFound');
        await expectStoreError(store.deleteVersion('bkt', 'k', 'null', { ifMatchSize: 7 }), 'ObjectNotFound');
      });

      test('putVersion.delete marker with a condition: written only when it holds', async () => {
        await store.putVersion(version('bkt', 'k', { versionId: 'v1', etag: 'e1' }));
        const marker = (id: string) => version('bkt', 'k', { versionId: id, isDeleteMarker: true, manifest: [], size: 0, etag: '' });
        await expectStoreError(store.putVersion(marker('dm1'), { ifMatch: 'e9' }), 'PreconditionFailed');
        await store.putVersion(marker('dm2'), { ifMatch: 'e1' });
        assert.equal((await store.getVersion('bkt', 'k'))?.versionId, 'dm2');
        await expectStoreError(store.putVersion(marker('dm3'), { ifMatch: '*' }), 'ObjectNotFound');
      });

      test('putVersion.a failed condition adds no reference (its blob stays unreferenced)', async () => {
        await store.putVersion(version('bkt', 'k'));
        const rejected = extent();
        await expectStoreError(store.putVersion(version('bkt', 'k', { manifest: [rejected] }), { ifNoneMatch: '*' }), 'PreconditionFailed');
        assert.equal((await store.referencedBlobs([rejected.blobId])).size, 0);
      });

      test('putVersion.concurrent writes to one key: the last one issued wins, every other blob is released once', async () => {
        const manifests = Array.from({ length: 10 }, () => [extent()]);
        const results = await Promise.all(manifests.map((m, i) => store.putVersion(version('bkt', 'k', { manifest: m, etag: `e${i}` }))));
        const released = results.flatMap((r) => r.released);
        assert.deepEqual(sorted(released), sorted(manifests.slice(0, 9).map((m) => m[0]!.blobId)));
        assert.equal((await store.getVersion('bkt', 'k'))?.etag, 'e9');
      });

      test('deleteVersion.latest promotes the next newest', async () => {
        await store.putVersion(version('bkt', 'k', { versionId: 'v1' }));
        await store.putVersion(version('bkt', 'k', { versionId: 'v2' }));
        await store.putVersion(version('bkt', 'k', { versionId: 'v3' }));
        await store.deleteVersion('bkt', 'k', 'v3');
        assert.equal((await store.getVersion('bkt', 'k'))?.versionId, 'v2');
        assert.equal((await store.getVersion('bkt', 'k', 'v2'))?.isLatest, true);
        await store.deleteVersion('bkt', 'k', 'v1'); // a non-latest one: latest stays
        assert.equal((await store.getVersion('bkt', 'k'))?.versionId, 'v2');
        await store.deleteVersion('bkt', 'k', 'v2');
        assert.equal(await store.getVersion('bkt', 'k'), undefined);
      });

      test('deleteVersion.returns the deleted version and releases its blobs; missing throws VersionNotFound', async () => {
        const e = extent();
        await store.putVersion(version('bkt', 'k', { manifest: [e] }));
        const { deleted, released } = await store.deleteVersion('bkt', 'k', 'null');
        assert.equal(deleted.key, 'k');
        assert.equal(deleted.isDeleteMarker, false);
        assert.deepEqual(released, [e.blobId]);
        await expectStoreError(store.deleteVersion('bkt', 'k', 'null'), 'VersionNotFound');
        await expectStoreError(store.deleteVersion('bkt', 'never', 'v1'), 'VersionNotFound');
      });

      test('putVersion.inline extents keep their bytes in the row, reference no blob, release none; copies and parts carry them', async () => {
        const bytes = Buffer.from('sealed bytes of a small object');
        const inline: Extent = { ...sealedExtent(), blobId: '', length: 10, inline: bytes };
        const file = extent();
        await store.putVersion(version('bkt', 'k', { manifest: [inline, file] }));
        const got = (await store.getVersion('bkt', 'k'))!;
        assert.deepEqual(got.manifest, [inline, file]);
        assert.ok(Buffer.isBuffer(got.manifest[0]!.inline));
        await store.putVersion(version('bkt', 'copy', { manifest: got.manifest }), undefined, { sharedBlobs: true });
        await store.createUpload(upload('bkt', 'mp', 'u-inline'));
        await store.putPart('bkt', 'u-inline', part(1, [inline]));
        assert.deepEqual((await store.listParts('bkt', 'u-inline', 0, 10)).entries[0]?.manifest, [inline]);
        assert.deepEqual((await store.deleteVersion('bkt', 'k', 'null')).released, []);
        assert.deepEqual((await store.getVersion('bkt', 'copy'))!.manifest[0]!.inline, bytes);
        assert.deepEqual((await store.deleteVersion('bkt', 'copy', 'null')).released, [file.blobId]);
      });

      test('deleteVersion.a blob shared by two versions is released only with the last reference', async () => {
        const shared = extent();
        await store.putVersion(version('bkt', 'a', { manifest: [shared] }));
        await store.putVersion(version('bkt', 'b', { manifest: [{ ...shared, offset: 2, length: 3 }] }));
        assert.deepEqual((await store.deleteVersion('bkt', 'a', 'null')).released, []);
        assert.deepEqual([...(await store.referencedBlobs([shared.blobId]))], [shared.blobId]);
        assert.deepEqual((await store.deleteVersion('bkt', 'b', 'null')).released, [shared.blobId]);
        assert.equal((await store.referencedBlobs([shared.blobId])).size, 0);
      });

      test('putVersionTags.latest or a given version; missing throws VersionNotFound', async () => {
        await store.putVersion(version('bkt', 'k', { versionId: 'v1', tags: [{ key: 'a', value: '1' }] }));
        await store.putVersion(version('bkt', 'k', { versionId: 'v2' }));
        const updated = await store.putVersionTags('bkt', 'k', undefined, [{ key: 'x', value: 'y' }, { key: 'e', value: '' }]);
        assert.equal(updated.versionId, 'v2');
        assert.deepEqual(updated.tags, [{ key: 'x', value: 'y' }, { key: 'e', value: '' }]);
        assert.deepEqual((await store.getVersion('bkt', 'k', 'v2'))?.tags, [{ key: 'x', value: 'y' }, { key: 'e', value: '' }]);
        await store.putVersionTags('bkt', 'k', 'v1', []);
        assert.deepEqual((await store.getVersion('bkt', 'k', 'v1'))?.tags, []);
        await expectStoreError(store.putVersionTags('bkt', 'k', 'v9', []), 'VersionNotFound');
        await expectStoreError(store.putVersionTags('bkt', 'nope', undefined, []), 'VersionNotFound');
      });

      test('putVersionAcl.replaces one version\'s ACL, kept with it; missing throws VersionNotFound', async () => {
        const owner: Grant = { grantee: { type: 'CanonicalUser', id: OWNER }, permission: 'FULL_CONTROL' };
        await store.putVersion(version('bkt', 'k', { versionId: 'v1', acl: [owner] }));
        await store.putVersion(version('bkt', 'k', { versionId: 'v2' }));
        assert.deepEqual((await store.getVersion('bkt', 'k', 'v1'))?.acl, [owner]);
        assert.equal((await store.getVersion('bkt', 'k'))?.acl, undefined);
        const acl: Grant[] = [owner, { grantee: { type: 'CanonicalUser', id: OTHER }, permission: 'READ' }];
        const updated = await store.putVersionAcl('bkt', 'k', 'v2', acl);
        assert.deepEqual(updated.acl, acl);
        assert.deepEqual((await store.getVersion('bkt', 'k'))?.acl, acl);
        assert.deepEqual((await store.getVersion('bkt', 'k', 'v2'))?.headers, { contentType: 'text/plain' });
        assert.deepEqual((await store.getVersion('bkt', 'k', 'v1'))?.acl, [owner]);
        await expectStoreError(store.putVersionAcl('bkt', 'k', 'v9', acl), 'VersionNotFound');
      });

      test('setReplicationStatus.sets one version\'s status, kept with it and by later reads of the latest; a missing version is false', async () => {
        await store.putVersion(version('bkt', 'k', { versionId: 'v1', replicationStatus: 'PENDING' }));
        await store.putVersion(version('bkt', 'k', { versionId: 'v2', replicationStatus: 'REPLICA' }));
        assert.equal((await store.getVersion('bkt', 'k', 'v1'))?.replicationStatus, 'PENDING');
        assert.equal(await store.setReplicationStatus('bkt', 'k', 'v1', 'COMPLETED'), true);
        assert.equal((await store.getVersion('bkt', 'k', 'v1'))?.replicationStatus, 'COMPLETED');
        assert.equal((await store.getVersion('bkt', 'k'))?.replicationStatus, 'REPLICA');
        assert.equal(await store.setReplicationStatus('bkt', 'k', 'v2', 'FAILED'), true);
        assert.equal((await store.getVersion('bkt', 'k'))?.replicationStatus, 'FAILED');
        assert.deepEqual((await store.getVersion('bkt', 'k', 'v2'))?.headers, { contentType: 'text/plain' });
        assert.equal(await store.setReplicationStatus('bkt', 'k', 'v9', 'COMPLETED'), false);
        await store.putVersion(version('bkt', 'plain', { versionId: 'v1' }));
        assert.equal((await store.getVersion('bkt', 'plain'))?.replicationStatus, undefined);
      });

      // Stores may cache latest versions: every write path must be visible to the next read of
      // the latest version, including writes that fail and roll back next to ones that commit.
      test('getVersion.latest follows every kind of write to the key', async () => {
        const latest = async () => {
          const v = await store.getVersion('bkt', 'k');
          return v && `${v.versionId}:${v.etag}:${v.isDeleteMarker ? 'D' : '-'}:${v.tags.map((t) => t.key).join(',')}`;
        };
        assert.equal(await latest(), undefined);
        await store.putVersion(version('bkt', 'k', { versionId: 'v1', etag: 'e1' }));
        assert.equal(await latest(), 'v1:e1:-:');
        await store.putVersion(version('bkt', 'k', { versionId: 'v2', etag: 'e2' }));
        assert.equal(await latest(), 'v2:e2:-:');
        await store.putVersionTags('bkt', 'k', undefined, [{ key: 't', value: '1' }]);
        assert.equal(await latest(), 'v2:e2:-:t');
        // A failed conditional write next to a committed one in the same batch.
        await Promise.all([
          expectStoreError(store.putVersion(version('bkt', 'k', { versionId: 'v3', etag: 'e3' }), { ifMatch: 'nope' }), 'PreconditionFailed'),
          store.putVersion(version('bkt', 'other', { etag: 'o1' })),
        ]);
        assert.equal(await latest(), 'v2:e2:-:t');
        await store.putVersion(version('bkt', 'k', { versionId: 'dm', isDeleteMarker: true, manifest: [], size: 0, etag: '' }));
        assert.equal(await latest(), 'dm::D:');
        await store.deleteVersion('bkt', 'k', 'dm');
        assert.equal(await latest(), 'v2:e2:-:t');
        await store.putVersion(version('bkt', 'k', { versionId: 'v2', etag: 'e2b' })); // replaces v2 in place
        assert.equal(await latest(), 'v2:e2b:-:');
        await store.createUpload(upload('bkt', 'k', 'u1'));
        const p = extent();
        await store.putPart('bkt', 'u1', part(1, [p]));
        await store.completeUpload('u1', version('bkt', 'k', { versionId: 'v4', etag: 'mp-1', manifest: [p] }));
        assert.equal(await latest(), 'v4:mp-1:-:');
        for (const id of ['v4', 'v2', 'v1']) await store.deleteVersion('bkt', 'k', id);
        assert.equal(await latest(), undefined);
        assert.equal((await store.getVersion('bkt', 'other'))?.etag, 'o1');
      });

      test('getVersion.changing a returned version (where allowed) never changes later reads', async () => {
        await store.putVersion(version('bkt', 'k', { tags: [{ key: 'a', value: '1' }], userMetadata: { m: 'x' } }));
        const first = await store.getVersion('bkt', 'k');
        assert.ok(first);
        const attempt = (change: () => void) => {
          try {
            change();
          } catch {
            // a store that shares cached versions freezes them
          }
        };
        attempt(() => (first.tags as Array<{ key: string; value: string }>).push({ key: 'b', value: '2' }));
        attempt(() => ((first.userMetadata as Record<string, string>).m = 'changed'));
        attempt(() => ((first.manifest as unknown[]).length = 0));
        const again = await store.getVersion('bkt', 'k');
        assert.deepEqual(again?.tags, [{ key: 'a', value: '1' }]);
        assert.deepEqual(again?.userMetadata, { m: 'x' });
        assert.equal(again?.manifest.length, 1);
      });
    });

    describe('listObjects', () => {
      const list = (q: { prefix?: string; delimiter?: string; after?: string; limit?: number }) =>
        store.listObjects('bkt', { prefix: q.prefix ?? '', delimiter: q.delimiter ?? '', after: q.after ?? '', limit: q.limit ?? 1000 });

      beforeEach(async () => {
        await store.createBucket(bucketRecord('bkt'));
      });

      async function put(...keys: string[]) {
        for (const key of keys) await store.putVersion(version('bkt', key));
      }

      test('listObjects.UTF-8 byte order: above U+FFFF sorts after U+E000–U+FFFF', async () => {
        // UTF-16 code unit order would put U+1F600 (D83D DE00) before U+E000 and U+FFFD.
        const keys = ['a', 'B', 'a/b', 'a-b', 'é', '\u{E000}', '\u{FFFD}', '\u{1F600}', '\u{10FFFF}', 'z', '~'];
        await put(...keys);
        const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        assert.deepEqual(expected, ['B', 'a', 'a-b', 'a/b', 'z', '~', 'é', '\u{E000}', '\u{FFFD}', '\u{1F600}', '\u{10FFFF}']);
        assert.deepEqual(listKeys((await list({})).entries), expected);
        // Paging with `after` walks the same order, one key at a time.
        const paged: string[] = [];
        let after = '';
        for (;;) {
          const page = await list({ after, limit: 1 });
          paged.push(...listKeys(page.entries));
          if (!page.isTruncated) break;
          after = paged[paged.length - 1]!;
        }
        assert.deepEqual(paged, expected);
        assert.deepEqual(listKeys((await list({ after: '\u{FFFD}' })).entries), ['\u{1F600}', '\u{10FFFF}']);
      });

      test('listObjects.prefix and delimiter roll keys up into common prefixes', async () => {
        await put('photos/2024/a.jpg', 'photos/2024/b.jpg', 'photos/2025/c.jpg', 'photos/top.jpg', 'photosX', 'readme', 'z/1');
        assert.deepEqual(listKeys((await list({ delimiter: '/' })).entries), ['P:photos/', 'photosX', 'readme', 'P:z/']);
        assert.deepEqual(listKeys((await list({ prefix: 'photos/', delimiter: '/' })).entries), ['P:photos/2024/', 'P:photos/2025/', 'photos/top.jpg']);
        assert.deepEqual(listKeys((await list({ prefix: 'photos/2024/' })).entries), ['photos/2024/a.jpg', 'photos/2024/b.jpg']);
        assert.deepEqual(listKeys((await list({ prefix: 'nothing' })).entries), []);
        assert.deepEqual(listKeys((await list({ prefix: 'photos', delimiter: '2' })).entries), ['P:photos/2', 'photos/top.jpg', 'photosX']);
      });

      test('listObjects.limit counts keys and prefixes; after skips a listed common prefix', async () => {
        await put('a/1', 'a/2', 'b', 'c/1', 'd');
        const first = await list({ delimiter: '/', limit: 2 });
        assert.deepEqual(listKeys(first.entries), ['P:a/', 'b']);
        assert.equal(first.isTruncated, true);
        const second = await list({ delimiter: '/', after: 'b', limit: 2 });
        assert.deepEqual(listKeys(second.entries), ['P:c/', 'd']);
        assert.equal(second.isTruncated, false);
        // A marker equal to (or under) a common prefix does not list that prefix again.
        assert.deepEqual(listKeys((await list({ delimiter: '/', after: 'a/' })).entries), ['b', 'P:c/', 'd']);
        assert.deepEqual(listKeys((await list({ delimiter: '/', after: 'a/1' })).entries), ['b', 'P:c/', 'd']);
        const exact = await list({ limit: 5 });
        assert.equal(exact.entries.length, 5);
        assert.equal(exact.isTruncated, false);
      });

      test('listObjects.multi-character delimiter and a common prefix ending in U+10FFFF', async () => {
        await put('x::1', 'x::2', 'y::1', 'y', '\u{10FFFF}/a', '\u{10FFFF}/b', '\u{10FFFF}0');
        assert.deepEqual(listKeys((await list({ delimiter: '::' })).entries), ['P:x::', 'y', 'P:y::', '\u{10FFFF}/a', '\u{10FFFF}/b', '\u{10FFFF}0']);
        assert.deepEqual(listKeys((await list({ delimiter: '\u{10FFFF}' })).entries), ['x::1', 'x::2', 'y', 'y::1', 'P:\u{10FFFF}']);
      });

      test('listObjects.only latest non-delete-marker versions', async () => {
        await store.putVersion(version('bkt', 'gone', { versionId: 'v1' }));
        await store.putVersion(version('bkt', 'gone', { versionId: 'dm', isDeleteMarker: true, manifest: [], size: 0, etag: '' }));
        await store.putVersion(version('bkt', 'kept', { versionId: 'v1', etag: 'old' }));
        await store.putVersion(version('bkt', 'kept', { versionId: 'v2', etag: 'new' }));
        const page = await list({});
        assert.deepEqual(listKeys(page.entries), ['kept']);
        const entry = page.entries[0]!;
        assert.ok(entry.kind === 'object');
        assert.equal(entry.version.etag, 'new');
      });

      test('listObjects.many keys under one prefix cost one entry', async () => {
        for (let i = 0; i < 300; i++) await store.putVersion(version('bkt', `deep/${String(i).padStart(4, '0')}`));
        await put('after');
        const page = await list({ delimiter: '/', limit: 2 });
        assert.deepEqual(listKeys(page.entries), ['after', 'P:deep/']);
        assert.equal(page.isTruncated, false);
      });

      test('listObjects.other buckets are not listed', async () => {
        await store.createBucket(bucketRecord('other'));
        await store.putVersion(version('other', 'x'));
        await put('y');
        assert.deepEqual(listKeys((await list({})).entries), ['y']);
      });
    });

    describe('listVersions', () => {
      const list = (q: { prefix?: string; delimiter?: string; keyMarker?: string; versionIdMarker?: string; limit?: number }) =>
        store.listVersions('bkt', { prefix: q.prefix ?? '', delimiter: q.delimiter ?? '', keyMarker: q.keyMarker ?? '', versionIdMarker: q.versionIdMarker ?? '', limit: q.limit ?? 1000 });

      beforeEach(async () => {
        await store.createBucket(bucketRecord('bkt'));
        await store.putVersion(version('bkt', 'b', { versionId: 'b1' }));
        await store.putVersion(version('bkt', 'a', { versionId: 'a1' }));
        await store.putVersion(version('bkt', 'b', { versionId: 'b2' }));
        await store.putVersion(version('bkt', 'a', { versionId: 'a2' }));
        await store.putVersion(version('bkt', 'a', { versionId: 'a3', isDeleteMarker: true, manifest: [], size: 0, etag: '' }));
        await store.putVersion(version('bkt', 'c/x', { versionId: 'c1' }));
        await store.putVersion(version('bkt', '\u{1F600}', { versionId: 'e1' }));
        await store.putVersion(version('bkt', '\u{FFFD}', { versionId: 'f1' }));
      });

      test('listVersions.key ascending (UTF-8 order), newest first within a key, delete markers included', async () => {
        const page = await list({});
        assert.deepEqual(versionKeys(page.entries), ['a@a3', 'a@a2', 'a@a1', 'b@b2', 'b@b1', 'c/x@c1', '\u{FFFD}@f1', '\u{1F600}@e1']);
        const flags = page.entries.map((e) => (e.kind === 'version' ? `${e.version.isLatest ? 'L' : '-'}${e.version.isDeleteMarker ? 'D' : '-'}` : ''));
        assert.deepEqual(flags, ['LD', '--', '--', 'L-', '--', 'L-', 'L-', 'L-']);
        assert.equal(page.isTruncated, false);
      });

      test('listVersions.keyMarker alone starts after every version of that key', async () => {
        assert.deepEqual(versionKeys((await list({ keyMarker: 'a' })).entries), ['b@b2', 'b@b1', 'c/x@c1', '\u{FFFD}@f1', '\u{1F600}@e1']);
      });

      test('listVersions.keyMarker with versionIdMarker starts after that version', async () => {
        assert.deepEqual(versionKeys((await list({ keyMarker: 'a', versionIdMarker: 'a3', limit: 3 })).entries), ['a@a2', 'a@a1', 'b@b2']);
        assert.deepEqual(versionKeys((await list({ keyMarker: 'a', versionIdMarker: 'a1', limit: 1 })).entries), ['b@b2']);
      });

      test('listVersions.paging with markers visits every version once', async () => {
        const seen: string[] = [];
        let keyMarker = '';
        let versionIdMarker = '';
        for (let i = 0; i < 20; i++) {
          const page = await list({ keyMarker, versionIdMarker, limit: 2 });
          seen.push(...versionKeys(page.entries));
          if (!page.isTruncated) break;
          const last = page.entries[page.entries.length - 1]!;
          assert.ok(last.kind === 'version');
          keyMarker = last.version.key;
          versionIdMarker = last.version.versionId;
        }
        assert.deepEqual(seen, ['a@a3', 'a@a2', 'a@a1', 'b@b2', 'b@b1', 'c/x@c1', '\u{FFFD}@f1', '\u{1F600}@e1']);
      });

      test('listVersions.prefix and delimiter', async () => {
        assert.deepEqual(versionKeys((await list({ delimiter: '/' })).entries), ['a@a3', 'a@a2', 'a@a1', 'b@b2', 'b@b1', 'P:c/', '\u{FFFD}@f1', '\u{1F600}@e1']);
        assert.deepEqual(versionKeys((await list({ prefix: 'b' })).entries), ['b@b2', 'b@b1']);
        assert.deepEqual(versionKeys((await list({ delimiter: '/', keyMarker: 'c/' })).entries), ['\u{FFFD}@f1', '\u{1F600}@e1']);
      });
    });

    describe('multipart uploads', () => {
      beforeEach(async () => {
        await store.createBucket(bucketRecord('bkt'));
      });

      test('createUpload.then getUpload; other bucket or missing id → undefined; missing bucket → BucketNotFound', async () => {
        const u: MultipartUpload = {
          ...upload('bkt', 'k', 'u1'),
          headers: { contentType: 'image/png' },
          userMetadata: { a: 'b' },
          storageClass: 'STANDARD_IA',
          tags: [{ key: 't', value: 'v' }],
          checksumAlgorithm: 'CRC32',
          checksumType: 'COMPOSITE',
          encryption: { mode: 'AES256', bucketKeyEnabled: true },
          acl: [{ grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'READ' }],
        };
        await store.createUpload(u);
        assert.deepEqual(await store.getUpload('bkt', 'u1'), u);
        assert.equal(await store.getUpload('bkt', 'nope'), undefined);
        await store.createBucket(bucketRecord('other'));
        assert.equal(await store.getUpload('other', 'u1'), undefined);
        await expectStoreError(store.createUpload(upload('missing', 'k', 'u2')), 'BucketNotFound');
      });

      test('putPart.adds parts; replacing a part releases the old one; unknown upload → UploadNotFound', async () => {
        await store.createUpload(upload('bkt', 'k', 'u1'));
        const p1 = extent();
        assert.deepEqual((await store.putPart('bkt', 'u1', part(1, [p1]))).released, []);
        const p1b = extent();
        assert.deepEqual((await store.putPart('bkt', 'u1', { ...part(1, [p1b]), etag: 'again' })).released, [p1.blobId]);
        await store.putPart('bkt', 'u1', part(3));
        await store.putPart('bkt', 'u1', part(2));
        const page = await store.listParts('bkt', 'u1', 0, 10);
        assert.deepEqual(page.entries.map((p) => p.partNumber), [1, 2, 3]);
        assert.equal(page.entries[0]!.etag, 'again');
        assert.deepEqual(page.entries[0]!.manifest, [p1b]);
        await expectStoreError(store.putPart('bkt', 'nope', part(1)), 'UploadNotFound');
        await store.createBucket(bucketRecord('other'));
        await expectStoreError(store.putPart('other', 'u1', part(1)), 'UploadNotFound');
      });

      test('listParts.strictly after the marker, limited, truncation flagged', async () => {
        await store.createUpload(upload('bkt', 'k', 'u1'));
        for (const n of [1, 2, 3, 5, 8]) await store.putPart('bkt', 'u1', { ...part(n), checksum: `c${n}` });
        const page = await store.listParts('bkt', 'u1', 2, 2);
        assert.deepEqual(page.entries.map((p) => p.partNumber), [3, 5]);
        assert.equal(page.entries[0]!.checksum, 'c3');
        assert.equal(page.isTruncated, true);
        const rest = await store.listParts('bkt', 'u1', 5, 2);
        assert.deepEqual(rest.entries.map((p) => p.partNumber), [8]);
        assert.equal(rest.isTruncated, false);
        await expectStoreError(store.listParts('bkt', 'nope', 0, 10), 'UploadNotFound');
      });

      test('completeUpload.used parts move to the version; unused parts are released; the upload is gone', async () => {
        await store.createUpload(upload('bkt', 'k', 'u1'));
        const [a, b, c] = [extent(), extent(), extent()];
        await store.putPart('bkt', 'u1', part(1, [a]));
        await store.putPart('bkt', 'u1', part(2, [b]));
        await store.putPart('bkt', 'u1', part(3, [c]));
        const { released } = await store.completeUpload('u1', version('bkt', 'k', { manifest: [a, c], etag: 'x-2' }));
        assert.deepEqual(released, [b.blobId]);
        assert.deepEqual(sorted([...(await store.referencedBlobs([a.blobId, b.blobId, c.blobId]))]), sorted([a.blobId, c.blobId]));
        assert.equal(await store.getUpload('bkt', 'u1'), undefined);
        assert.deepEqual((await store.getVersion('bkt', 'k'))?.manifest, [a, c]);
        await expectStoreError(store.completeUpload('u1', version('bkt', 'k', { manifest: [a] })), 'UploadNotFound');
        await expectStoreError(store.listParts('bkt', 'u1', 0, 10), 'UploadNotFound');
      });

      test('completeUpload.replacing the null version releases its blobs too', async () => {
        const old = extent();
        await store.putVersion(version('bkt', 'k', { manifest: [old] }));
        await store.createUpload(upload('bkt', 'k', 'u1'));
        const p = extent();
        await store.putPart('bkt', 'u1', part(1, [p]));
        const { released } = await store.completeUpload('u1', version('bkt', 'k', { manifest: [p] }));
        assert.deepEqual(released, [old.blobId]);
      });

      test('completeUpload.condition fails atomically: the upload and its parts remain', async () => {
        await store.putVersion(version('bkt', 'k'));
        await store.createUpload(upload('bkt', 'k', 'u1'));
        const p = extent();
        await store.putPart('bkt', 'u1', part(1, [p]));
        await expectStoreError(store.completeUpload('u1', version('bkt', 'k', { manifest: [p] }), { ifNoneMatch: '*' }), 'PreconditionFailed');
        assert.ok(await store.getUpload('bkt', 'u1'));
        assert.equal((await store.listParts('bkt', 'u1', 0, 10)).entries.length, 1);
        assert.equal((await store.referencedBlobs([p.blobId])).size, 1);
      });

      test('completeUpload.record: getCompletedUpload returns it for its bucket only; no record without one or on failure', async () => {
        const T = 1_700_000_000_000;
        const keep = { forgetBefore: new Date(T - 1000), keptMax: 100 };
        await store.createUpload(upload('bkt', 'dir/k', 'u1'));
        await store.putPart('bkt', 'u1', part(1));
        const checksum = { algorithm: 'SHA256', type: 'COMPOSITE' as const, value: 'abc=-1' };
        const [p] = (await store.listParts('bkt', 'u1', 0, 10)).entries.map((x) => x.manifest[0]!);
        await store.completeUpload('u1', version('bkt', 'dir/k', { versionId: 'v1', etag: 'e-1', checksum, manifest: [p!] }), undefined, { partsDigest: 'd1', ...keep });
        assert.deepEqual(await store.getCompletedUpload('bkt', 'u1'), {
          uploadId: 'u1', bucket: 'bkt', key: 'dir/k', versionId: 'v1', etag: 'e-1', checksum, partsDigest: 'd1', completedAt: new Date(T),
        });
        await store.createBucket(bucketRecord('other'));
        assert.equal(await store.getCompletedUpload('other', 'u1'), undefined);
        assert.equal(await store.getCompletedUpload('bkt', 'nope'), undefined);

        // No checksum: none recorded. No record requested: none kept.
        await store.createUpload(upload('bkt', 'k2', 'u2'));
        const q = extent();
        await store.putPart('bkt', 'u2', part(1, [q]));
        await store.completeUpload('u2', version('bkt', 'k2', { manifest: [q] }), undefined, { partsDigest: 'd2', ...keep });
        assert.equal((await store.getCompletedUpload('bkt', 'u2'))?.checksum, undefined);
        await store.createUpload(upload('bkt', 'k3', 'u3'));
        const r = extent();
        await store.putPart('bkt', 'u3', part(1, [r]));
        await store.completeUpload('u3', version('bkt', 'k3', { manifest: [r] }));
        assert.equal(await store.getCompletedUpload('bkt', 'u3'), undefined);

        // A completion that fails its condition records nothing.
        await store.createUpload(upload('bkt', 'k2', 'u4'));
        const s4 = extent();
        await store.putPart('bkt', 'u4', part(1, [s4]));
        await expectStoreError(store.completeUpload('u4', version('bkt', 'k2', { manifest: [s4] }), { ifNoneMatch: '*' }, { partsDigest: 'd4', ...keep }), 'PreconditionFailed');
        assert.equal(await store.getCompletedUpload('bkt', 'u4'), undefined);
      });

      test('completeUpload.record: older than forgetBefore or beyond keptMax is dropped by a later completion; deleteBucket drops them all', async () => {
        const T = 1_700_000_000_000;
        const completeAt = async (id: string, at: number, forgetBefore: number, keptMax: number) => {
          await store.createUpload(upload('bkt', id, id));
          const e = extent();
          await store.putPart('bkt', id, part(1, [e]));
          await store.completeUpload(id, version('bkt', id, { manifest: [e], lastModified: new Date(at) }), undefined, { partsDigest: id, forgetBefore: new Date(forgetBefore), keptMax });
        };
        const kept = async (ids: string[]) => {
          const found: string[] = [];
          for (const id of ids) if (await store.getCompletedUpload('bkt', id)) found.push(id);
          return found;
        };
        await completeAt('a', T, 0, 100);
        await completeAt('b', T + 10, 0, 100);
        await completeAt('c', T + 20, 0, 100);
        assert.deepEqual(await kept(['a', 'b', 'c']), ['a', 'b', 'c']);
        await completeAt('d', T + 30, T + 15, 100); // a and b are older than forgetBefore
        assert.deepEqual(await kept(['a', 'b', 'c', 'd']), ['c', 'd']);
        await completeAt('e', T + 40, 0, 2); // only the newest two are kept
        assert.deepEqual(await kept(['c', 'd', 'e']), ['d', 'e']);

        for (const id of ['a', 'b', 'c', 'd', 'e']) await store.deleteVersion('bkt', id, 'null');
        await store.deleteBucket('bkt');
        await store.createBucket(bucketRecord('bkt'));
        assert.deepEqual(await kept(['d', 'e']), []);
      });

      test('abortUpload.releases every part; a second abort → UploadNotFound', async () => {
        await store.createUpload(upload('bkt', 'k', 'u1'));
        const [a, b] = [extent(), extent()];
        await store.putPart('bkt', 'u1', part(1, [a]));
        await store.putPart('bkt', 'u1', part(2, [b]));
        assert.deepEqual(sorted((await store.abortUpload('bkt', 'u1')).released), sorted([a.blobId, b.blobId]));
        assert.equal(await store.getUpload('bkt', 'u1'), undefined);
        await expectStoreError(store.abortUpload('bkt', 'u1'), 'UploadNotFound');
      });

      test('abortUpload.wrong bucket → UploadNotFound and the upload stays', async () => {
        await store.createBucket(bucketRecord('other'));
        await store.createUpload(upload('bkt', 'k', 'u1'));
        await expectStoreError(store.abortUpload('other', 'u1'), 'UploadNotFound');
        assert.ok(await store.getUpload('bkt', 'u1'));
      });

      test('listUploads.key order then initiation order; markers; prefix and delimiter', async () => {
        await store.createUpload(upload('bkt', 'b', 'ub2', 2000));
        await store.createUpload(upload('bkt', 'b', 'ub1', 1000));
        await store.createUpload(upload('bkt', 'a', 'ua1', 3000));
        await store.createUpload(upload('bkt', 'd/x', 'ud1', 1000));
        await store.createUpload(upload('bkt', 'd/y', 'ud2', 1000));
        await store.createUpload(upload('bkt', '\u{1F600}', 'ue1', 1000));
        await store.createUpload(upload('bkt', '\u{FFFD}', 'uf1', 1000));
        const q = (o: { prefix?: string; delimiter?: string; keyMarker?: string; uploadIdMarker?: string; limit?: number }) =>
          store.listUploads('bkt', { prefix: o.prefix ?? '', delimiter: o.delimiter ?? '', keyMarker: o.keyMarker ?? '', uploadIdMarker: o.uploadIdMarker ?? '', limit: o.limit ?? 1000 });
        assert.deepEqual(uploadKeys((await q({})).entries), ['a#ua1', 'b#ub1', 'b#ub2', 'd/x#ud1', 'd/y#ud2', '\u{FFFD}#uf1', '\u{1F600}#ue1']);
        assert.deepEqual(uploadKeys((await q({ keyMarker: 'a' })).entries), ['b#ub1', 'b#ub2', 'd/x#ud1', 'd/y#ud2', '\u{FFFD}#uf1', '\u{1F600}#ue1']);
        assert.deepEqual(uploadKeys((await q({ keyMarker: 'b', uploadIdMarker: 'ub1' })).entries), ['b#ub2', 'd/x#ud1', 'd/y#ud2', '\u{FFFD}#uf1', '\u{1F600}#ue1']);
        const page = await q({ limit: 2 });
        assert.deepEqual(uploadKeys(page.entries), ['a#ua1', 'b#ub1']);
        assert.equal(page.isTruncated, true);
        assert.deepEqual(uploadKeys((await q({ delimiter: '/' })).entries), ['a#ua1', 'b#ub1', 'b#ub2', 'P:d/', '\u{FFFD}#uf1', '\u{1F600}#ue1']);
        assert.deepEqual(uploadKeys((await q({ prefix: 'd/' })).entries), ['d/x#ud1', 'd/y#ud2']);
      });
    });

    describe('shared blobs (copies)', () => {
      // A copy resolves its source, then commits: if the source was deleted in between, the copy must
      // fail rather than reference a blob that has been released (and deleted from disk).
      test('putVersion.sharedBlobs refuses a blob released since the source was read', async () => {
        await store.createBucket(bucketRecord('bkt'));
        const gone = extent();
        await store.putVersion(version('bkt', 'src', { manifest: [gone] }));
        assert.deepEqual((await store.deleteVersion('bkt', 'src', 'null')).released, [gone.blobId]);
        await expectStoreError(store.putVersion(version('bkt', 'dst', { manifest: [gone] }), undefined, { sharedBlobs: true }), 'ConditionalConflict');
        assert.equal(await store.getVersion('bkt', 'dst'), undefined);

        const live = extent();
        await store.putVersion(version('bkt', 'src2', { manifest: [live] }));
        await store.putVersion(version('bkt', 'dst2', { manifest: [live] }), undefined, { sharedBlobs: true });
        assert.deepEqual((await store.deleteVersion('bkt', 'src2', 'null')).released, [], 'the copy still references the blob');
        assert.deepEqual((await store.deleteVersion('bkt', 'dst2', 'null')).released, [live.blobId]);
      });

      test('putPart.sharedBlobs refuses a released blob', async () => {
        await store.createBucket(bucketRecord('bkt'));
        await store.createUpload(upload('bkt', 'k', 'u1'));
        await expectStoreError(store.putPart('bkt', 'u1', part(1, [extent()]), { sharedBlobs: true }), 'ConditionalConflict');
      });
    });

    describe('id-keyed bucket configurations', () => {
      test('listBucketConfigs.one family, id byte order, strictly after afterKind, limited', async () => {
        await store.createBucket(bucketRecord('bkt'));
        for (const id of ['b', 'a', 'c', 'B']) await store.putBucketConfig('bkt', `metrics:${id}`, `doc-${id}`);
        await store.putBucketConfig('bkt', 'analytics:a', 'other family');
        await store.putBucketConfig('bkt', 'lifecycle', '{}');
        const kinds = async (after: string, limit: number) => (await store.listBucketConfigs('bkt', 'metrics', after, limit)).map((e) => e.kind);
        assert.deepEqual(await kinds('', 10), ['metrics:B', 'metrics:a', 'metrics:b', 'metrics:c']);
        assert.deepEqual(await kinds('metrics:a', 2), ['metrics:b', 'metrics:c']);
        assert.deepEqual((await store.listBucketConfigs('bkt', 'metrics', '', 1))[0], { kind: 'metrics:B', document: 'doc-B' });
        await store.putBucketConfig('bkt', 'metrics:a', undefined);
        assert.deepEqual(await kinds('', 10), ['metrics:B', 'metrics:b', 'metrics:c']);
        assert.deepEqual(await store.listBucketConfigs('bkt', 'inventory', '', 10), []);
      });
    });

    describe('lifecycle', () => {
      const T0 = 1_700_000_000_000;
      const at = (ms: number) => new Date(T0 + ms);
      const scan = (kind: 'current' | 'noncurrent' | 'lone-delete-marker', dueMs: number, prefix = '', after = '', limit = 100) =>
        store.findLifecycleCandidates('bkt', { kind, prefix, dueAtOrBefore: at(dueMs), after, limit });
      const keysOf = (page: { items: readonly { key: string; versionId: string }[] }) => page.items.map((c) => `${c.key}@${c.versionId}`);

      test('findLifecycleCandidates.current: latest non-marker versions due by lastModified, prefix, pages', async () => {
        await store.createBucket(bucketRecord('bkt'));
        await store.putVersion(version('bkt', 'logs/a', { lastModified: at(10), tags: [{ key: 't', value: '1' }] }));
        await store.putVersion(version('bkt', 'logs/b', { lastModified: at(20) }));
        await store.putVersion(version('bkt', 'logs/c', { lastModified: at(30) }));
        await store.putVersion(version('bkt', 'data/d', { lastModified: at(5) }));
        await store.putVersion(version('bkt', 'logs/m', { lastModified: at(1), isDeleteMarker: true, manifest: [], size: 0, etag: '' }));
        assert.deepEqual(keysOf(await scan('current', 20, 'logs/')), ['logs/a@null', 'logs/b@null']);
        assert.deepEqual(keysOf(await scan('current', 100)), ['data/d@null', 'logs/a@null', 'logs/b@null', 'logs/c@null']);
        const first = await scan('current', 100, 'logs/', '', 2);
        assert.deepEqual(keysOf(first), ['logs/a@null', 'logs/b@null']);
        assert.ok(first.next);
        const second = await scan('current', 100, 'logs/', first.next, 2);
        assert.deepEqual(keysOf(second), ['logs/c@null']);
        assert.equal(second.next, undefined);
        const [a] = (await scan('current', 10, 'logs/')).items;
        assert.deepEqual({ ...a, lastModified: a!.lastModified.getTime() }, {
          key: 'logs/a', versionId: 'null', isDeleteMarker: false, size: 10, etag: 'd41d8cd98f00b204e9800998ecf8427e', lastModified: T0 + 10, storageClass: 'STANDARD', tags: [{ key: 't', value: '1' }],
        });
      });

      test('findLifecycleCandidates.noncurrent: due by when a newer version replaced it, with the count of newer noncurrent versions', async () => {
        await store.createBucket(bucketRecord('bkt', { versioning: 'Enabled' }));
        for (const [id, ms] of [['v1', 10], ['v2', 20], ['v3', 30], ['v4', 40]] as const) await store.putVersion(version('bkt', 'k', { versionId: id, lastModified: at(ms) }));
        const page = await scan('noncurrent', 30);
        assert.deepEqual(keysOf(page), ['k@v1', 'k@v2']);
        assert.deepEqual(page.items.map((c) => [c.noncurrentSince?.getTime(), c.newerNoncurrentVersions]), [[T0 + 20, 2], [T0 + 30, 1]]);
        assert.deepEqual(keysOf(await scan('noncurrent', 100)), ['k@v1', 'k@v2', 'k@v3']);
        // Removing the latest makes the next newest current again: no longer noncurrent.
        await store.deleteVersion('bkt', 'k', 'v4');
        assert.deepEqual(keysOf(await scan('noncurrent', 100)), ['k@v1', 'k@v2']);
        assert.deepEqual(keysOf(await scan('current', 100)), ['k@v3']);
      });

      test('findLifecycleCandidates.lone-delete-marker: only markers no other version of the key stands behind', async () => {
        await store.createBucket(bucketRecord('bkt', { versioning: 'Enabled' }));
        const marker = (key: string, id: string, ms: number) => version('bkt', key, { versionId: id, lastModified: at(ms), isDeleteMarker: true, manifest: [], size: 0, etag: '' });
        await store.putVersion(marker('lone', 'm1', 10));
        await store.putVersion(version('bkt', 'backed', { versionId: 'v1', lastModified: at(5) }));
        await store.putVersion(marker('backed', 'm2', 10));
        await store.putVersion(marker('late', 'm3', 50));
        assert.deepEqual(keysOf(await scan('lone-delete-marker', 20)), ['lone@m1']);
        assert.deepEqual(keysOf(await scan('lone-delete-marker', 100)), ['lone@m1', 'late@m3']);
      });

      test('findStaleUploads.initiated at or before, prefix, oldest first, pages', async () => {
        await store.createBucket(bucketRecord('bkt'));
        await store.createUpload(upload('bkt', 'tmp/a', 'u1', T0 + 10));
        await store.createUpload(upload('bkt', 'tmp/b', 'u2', T0 + 5));
        await store.createUpload(upload('bkt', 'keep/c', 'u3', T0 + 1));
        await store.createUpload(upload('bkt', 'tmp/d', 'u4', T0 + 50));
        const ids = (page: { items: readonly MultipartUpload[] }) => page.items.map((u) => u.uploadId);
        const first = await store.findStaleUploads('bkt', { prefix: 'tmp/', initiatedAtOrBefore: at(10), after: '', limit: 1 });
        assert.deepEqual(ids(first), ['u2']);
        const second = await store.findStaleUploads('bkt', { prefix: 'tmp/', initiatedAtOrBefore: at(10), after: first.next!, limit: 5 });
        assert.deepEqual(ids(second), ['u1']);
        assert.equal(second.next, undefined);
        assert.deepEqual(ids(await store.findStaleUploads('bkt', { prefix: '', initiatedAtOrBefore: at(100), after: '', limit: 10 })), ['u3', 'u2', 'u1', 'u4']);
      });

      test('removeVersionIf.applies only to the version in the expected state; replacement becomes latest', async () => {
        await store.createBucket(bucketRecord('bkt', { versioning: 'Enabled' }));
        const [b1, b2] = [extent(), extent()];
        await store.putVersion(version('bkt', 'k', { versionId: 'v1', lastModified: at(10), manifest: [b1] }));
        await store.putVersion(version('bkt', 'k', { versionId: 'v2', lastModified: at(20), manifest: [b2] }));
        const stale = await store.removeVersionIf('bkt', 'k', 'v1', { isLatest: true, lastModified: at(10) });
        assert.deepEqual(stale, { applied: false, released: [] });
        assert.deepEqual(await store.removeVersionIf('bkt', 'k', 'v2', { isLatest: true, lastModified: at(99) }), { applied: false, released: [] });
        assert.deepEqual(await store.removeVersionIf('bkt', 'gone', 'v9', { isLatest: false, lastModified: at(10) }), { applied: false, released: [] });
        assert.deepEqual(await store.removeVersionIf('bkt', 'k', 'v1', { isLatest: false, lastModified: at(10) }), { applied: true, released: [b1.blobId] });
        const marker = version('bkt', 'k', { versionId: 'm1', lastModified: at(30), isDeleteMarker: true, manifest: [], size: 0, etag: '' });
        assert.deepEqual(await store.removeVersionIf('bkt', 'k', 'v2', { isLatest: true, lastModified: at(20) }, marker), { applied: true, released: [] });
        const latest = await store.getVersion('bkt', 'k');
        assert.equal(latest?.versionId, 'm1');
        assert.equal(latest?.isDeleteMarker, true);
        assert.equal((await store.getVersion('bkt', 'k', 'v2'))?.isLatest, false);
        // Removing the latest promotes the next newest.
        assert.equal((await store.removeVersionIf('bkt', 'k', 'm1', { isLatest: true, lastModified: at(30) })).applied, true);
        assert.equal((await store.getVersion('bkt', 'k'))?.versionId, 'v2');
      });

      test('updateVersionStorage.storage class and restore date; missing version throws VersionNotFound', async () => {
        await store.createBucket(bucketRecord('bkt'));
        await store.putVersion(version('bkt', 'k'));
        await store.updateVersionStorage('bkt', 'k', 'null', { storageClass: 'GLACIER' });
        assert.equal((await store.getVersion('bkt', 'k'))?.storageClass, 'GLACIER');
        assert.equal((await store.getVersion('bkt', 'k'))?.restoredUntil, undefined);
        await store.updateVersionStorage('bkt', 'k', 'null', { restoredUntil: at(86_400_000) });
        const restored = await store.getVersion('bkt', 'k');
        assert.equal(restored?.storageClass, 'GLACIER');
        assert.equal(restored?.restoredUntil?.getTime(), T0 + 86_400_000);
        assert.equal((await scan('current', 100)).items[0]?.storageClass, 'GLACIER');
        await expectStoreError(store.updateVersionStorage('bkt', 'nope', 'null', { storageClass: 'GLACIER' }), 'VersionNotFound');
      });

      test('updateVersionStorage.keeps the encryption and every extent\'s sealing; listings carry the encryption', async () => {
        await store.createBucket(bucketRecord('bkt'));
        const v = version('bkt', 'k', { encryption: { mode: 'AES256', bucketKeyEnabled: true }, manifest: [sealedExtent(), sealedExtent()] });
        await store.putVersion(v);
        await store.updateVersionStorage('bkt', 'k', 'null', { storageClass: 'GLACIER' });
        await store.updateVersionStorage('bkt', 'k', 'null', { restoredUntil: at(86_400_000) });
        const got = await store.getVersion('bkt', 'k');
        assert.deepEqual(got?.encryption, v.encryption);
        assert.deepEqual(got?.manifest, v.manifest);
        const listed = await store.listObjects('bkt', { prefix: '', delimiter: '', after: '', limit: 10 });
        assert.deepEqual(listed.entries.map((e) => (e.kind === 'object' ? e.version.encryption : undefined)), [v.encryption]);
      });

      test('acquireLease.one holder at a time until it expires or is released; run requests are taken by the holder', async () => {
        const now = at(0);
        const until = at(30_000);
        assert.deepEqual(await store.acquireLease('job', 'a', now, until), { held: true, runRequested: false });
        assert.deepEqual(await store.acquireLease('job', 'b', at(1000), at(31_000)), { held: false, runRequested: false });
        assert.deepEqual(await store.acquireLease('job', 'a', at(1000), at(31_000)), { held: true, runRequested: false });
        await store.requestJobRun('job');
        assert.deepEqual(await store.acquireLease('job', 'b', at(2000), at(32_000)), { held: false, runRequested: true });
        assert.deepEqual(await store.acquireLease('job', 'a', at(2000), at(32_000)), { held: true, runRequested: true });
        assert.deepEqual(await store.acquireLease('job', 'a', at(3000), at(33_000)), { held: true, runRequested: false });
        // Expired: another holder takes it.
        assert.deepEqual(await store.acquireLease('job', 'b', at(33_000), at(63_000)), { held: true, runRequested: false });
        await store.releaseLease('job', 'a'); // not the holder: no effect
        assert.deepEqual(await store.acquireLease('job', 'a', at(34_000), at(64_000)), { held: false, runRequested: false });
        await store.releaseLease('job', 'b');
        assert.deepEqual(await store.acquireLease('job', 'a', at(35_000), at(65_000)), { held: true, runRequested: false });
        // A request made before anyone ever held the lease waits for the first holder.
        await store.requestJobRun('other');
        assert.deepEqual(await store.acquireLease('other', 'a', now, until), { held: true, runRequested: true });
        // Leases are independent: 'job' held by a does not stop b taking 'third'.
        assert.deepEqual(await store.acquireLease('third', 'b', at(35_000), at(65_000)), { held: true, runRequested: false });
      });

      test('peekLease.shows holder, expiry and run request without taking the lease', async () => {
        assert.deepEqual(await store.peekLease('job'), { expiresAt: new Date(0), runRequested: false });
        await store.acquireLease('job', 'a', at(0), at(30_000));
        await store.requestJobRun('job');
        assert.deepEqual(await store.peekLease('job'), { holder: 'a', expiresAt: at(30_000), runRequested: true });
        // Peeking took nothing: the holder still takes the request.
        assert.deepEqual(await store.acquireLease('job', 'a', at(1000), at(31_000)), { held: true, runRequested: true });
        await store.releaseLease('job', 'a');
        assert.deepEqual(await store.peekLease('job'), { expiresAt: new Date(0), runRequested: false });
      });

      test('acquireLease.concurrent attempts: exactly one wins', async () => {
        const now = new Date(1_700_000_000_000);
        const won = await Promise.all(['g1', 'g2', 'g3', 'g4'].map((holder) => store.acquireLease('job', holder, now, new Date(now.getTime() + 1000))));
        assert.equal(won.filter((state) => state.held).length, 1);
      });
    });

    describe('gateway registry', () => {
      const at = (ms: number) => new Date(1_700_000_000_000 + ms);

      test('registerGateway.an id is registered once; renewGateway moves its heartbeat; listGateways shows both times', async () => {
        assert.equal(await store.registerGateway('0a0b0c0d', at(0)), true);
        assert.equal(await store.registerGateway('0a0b0c0d', at(5)), false);
        assert.equal(await store.registerGateway('1f2e3d4c', at(10)), true);
        assert.equal(await store.renewGateway('0a0b0c0d', at(1000)), true);
        assert.deepEqual(await store.listGateways(), [
          { id: '0a0b0c0d', startedAt: at(0), heartbeatAt: at(1000) },
          { id: '1f2e3d4c', startedAt: at(10), heartbeatAt: at(10) },
        ]);
      });

      test('markGatewaysDead.only at the heartbeat it was judged by; a marked gateway cannot renew, and its id stays taken until forgotten', async () => {
        await store.registerGateway('0a0b0c0d', at(0));
        await store.registerGateway('1f2e3d4c', at(0));
        await store.renewGateway('0a0b0c0d', at(2000));
        // Renewed since it was judged dead: not marked.
        await store.markGatewaysDead([{ id: '0a0b0c0d', heartbeatAt: at(0) }, { id: '1f2e3d4c', heartbeatAt: at(0) }], at(3000));
        assert.deepEqual(await store.listGateways(), [
          { id: '0a0b0c0d', startedAt: at(0), heartbeatAt: at(2000) },
          { id: '1f2e3d4c', startedAt: at(0), heartbeatAt: at(0), deadAt: at(3000) },
        ]);
        assert.equal(await store.renewGateway('1f2e3d4c', at(3500)), false);
        assert.equal(await store.registerGateway('1f2e3d4c', at(3500)), false);
        // A second mark keeps the first time.
        await store.markGatewaysDead([{ id: '1f2e3d4c', heartbeatAt: at(0) }], at(4000));
        assert.deepEqual((await store.listGateways())[1]!.deadAt, at(3000));
        await store.forgetGateway('1f2e3d4c');
        await store.forgetGateway('0a0b0c0d');
        assert.deepEqual(await store.listGateways(), []);
        assert.equal(await store.renewGateway('0a0b0c0d', at(4000)), false);
      });
    });

    describe('housekeeping', () => {
      test('referencedBlobs.versions and parts hold references; unknown ids do not', async () => {
        await store.createBucket(bucketRecord('bkt'));
        const [v, p, none] = [extent(), extent(), newBlobId()];
        await store.putVersion(version('bkt', 'k', { manifest: [v] }));
        await store.createUpload(upload('bkt', 'k', 'u1'));
        await store.putPart('bkt', 'u1', part(1, [p]));
        assert.deepEqual(sorted([...(await store.referencedBlobs([v.blobId, p.blobId, none]))]), sorted([v.blobId, p.blobId]));
        assert.equal((await store.referencedBlobs([])).size, 0);
      });

      test('usage.counts buckets, non-delete-marker versions and their bytes; follows replace, delete and failed writes', async () => {
        assert.deepEqual(await store.usage(), { buckets: 0, objects: 0, bytes: 0 });
        await store.createBucket(bucketRecord('bkt'));
        await store.createBucket(bucketRecord('other'));
        await store.putVersion(version('bkt', 'a', { manifest: [extent(newBlobId(), 100)] }));
        await store.putVersion(version('bkt', 'a', { manifest: [extent(newBlobId(), 30)] })); // replaces the null version
        await store.putVersion(version('bkt', 'b', { versionId: 'v1', manifest: [extent(newBlobId(), 7)] }));
        await store.putVersion(version('bkt', 'b', { versionId: 'v2', isDeleteMarker: true, manifest: [] }));
        await Promise.allSettled([store.putVersion(version('missing', 'c', { manifest: [extent(newBlobId(), 1000)] }))]);
        assert.deepEqual(await store.usage(), { buckets: 2, objects: 2, bytes: 37 });
        await store.deleteVersion('bkt', 'b', 'v1');
        assert.deepEqual(await store.usage(), { buckets: 2, objects: 1, bytes: 30 });
      });

      test('scanData.every version (delete markers too) and every part of an upload in progress, across pages', async () => {
        await store.createBucket(bucketRecord('bkt'));
        const keys = Array.from({ length: 1203 }, (_, i) => `k${i}`);
        for (const key of keys) await store.putVersion(version('bkt', key));
        await store.putVersion(version('bkt', 'k0', { versionId: 'dm', isDeleteMarker: true, manifest: [] }));
        await store.createUpload(upload('bkt', 'up', 'u1'));
        const partExtent = extent();
        await store.putPart('bkt', 'u1', part(1, [partExtent]));
        await store.putPart('bkt', 'u1', part(2));
        const seen: string[] = [];
        for await (const row of store.scanData()) {
          seen.push(row.kind === 'version' ? `${row.version.key}@${row.version.versionId}` : `${row.key}#${row.uploadId}/${row.part.partNumber}`);
          if (row.kind === 'part' && row.part.partNumber === 1) assert.deepEqual(row.part.manifest, [partExtent]);
        }
        assert.deepEqual(sorted(seen), sorted([...keys.map((k) => `${k}@null`), 'k0@dm', 'up#u1/1', 'up#u1/2']));
      });

      test('a failed write in a concurrent batch does not undo the others', async () => {
        await store.createBucket(bucketRecord('bkt'));
        const results = await Promise.allSettled([
          store.putVersion(version('bkt', 'one')),
          store.putVersion(version('missing', 'two')),
          store.putVersion(version('bkt', 'three')),
        ]);
        assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
        assert.ok(await store.getVersion('bkt', 'one'));
        assert.ok(await store.getVersion('bkt', 'three'));
      });
    });
    describe('object lock', () => {
      const FUTURE = new Date(Date.now() + 3_600_000);
      const PAST = new Date(Date.now() - 3_600_000);
      const lockBucket = () => store.createBucket(bucketRecord('locked', { versioning: 'Enabled', objectLockEnabled: true }));

      test('setObjectLockConfiguration.enables object lock and is read with the bucket', async () => {
        await store.createBucket(bucketRecord('bkt', { versioning: 'Enabled' }));
        assert.equal((await store.getBucket('bkt'))!.objectLock, undefined);
        await store.setObjectLockConfiguration('bkt', { defaultRetention: { mode: 'GOVERNANCE', days: 3 } });
        const bucket = (await store.getBucket('bkt'))!;
        assert.equal(bucket.objectLockEnabled, true);
        assert.deepEqual(bucket.objectLock, { defaultRetention: { mode: 'GOVERNANCE', days: 3 } });
        await store.setObjectLockConfiguration('bkt', {});
        assert.deepEqual((await store.getBucket('bkt'))!.objectLock, {});
        await expectStoreError(store.setObjectLockConfiguration('nope', {}), 'BucketNotFound');
      });

      test('putVersion/getVersion.a version keeps its retention and legal hold; uploads pass theirs on', async () => {
        await lockBucket();
        const lock = { retention: { mode: 'COMPLIANCE' as const, retainUntil: FUTURE }, legalHold: false };
        await store.putVersion(version('locked', 'k', { versionId: 'v1', lock }));
        assert.deepEqual((await store.getVersion('locked', 'k', 'v1'))!.lock, lock);
        assert.deepEqual((await store.getVersion('locked', 'k'))!.lock, lock);
        await store.putVersion(version('locked', 'plain', { versionId: 'v2' }));
        assert.equal((await store.getVersion('locked', 'plain'))!.lock, undefined);
        await store.createUpload({ ...upload('locked', 'mp', 'u1'), lock: { legalHold: true } });
        assert.deepEqual((await store.getUpload('locked', 'u1'))!.lock, { legalHold: true });
      });

      test('deleteVersion.refuses a version under retention or legal hold (ObjectLocked); GOVERNANCE yields to bypass, COMPLIANCE never', async () => {
        await lockBucket();
        await store.putVersion(version('locked', 'k', { versionId: 'gov', lock: { retention: { mode: 'GOVERNANCE', retainUntil: FUTURE } } }));
        await store.putVersion(version('locked', 'k', { versionId: 'comp', lock: { retention: { mode: 'COMPLIANCE', retainUntil: FUTURE } } }));
        await store.putVersion(version('locked', 'k', { versionId: 'hold', lock: { legalHold: true, retention: { mode: 'GOVERNANCE', retainUntil: PAST } } }));
        await store.putVersion(version('locked', 'k', { versionId: 'expired', lock: { retention: { mode: 'COMPLIANCE', retainUntil: PAST }, legalHold: false } }));
        await expectStoreError(store.deleteVersion('locked', 'k', 'gov'), 'ObjectLocked');
        await expectStoreError(store.deleteVersion('locked', 'k', 'comp'), 'ObjectLocked');
        await expectStoreError(store.deleteVersion('locked', 'k', 'comp', undefined, { bypassGovernance: true }), 'ObjectLocked');
        await expectStoreError(store.deleteVersion('locked', 'k', 'hold', undefined, { bypassGovernance: true }), 'ObjectLocked');
        await store.deleteVersion('locked', 'k', 'gov', undefined, { bypassGovernance: true });
        await store.deleteVersion('locked', 'k', 'expired');
        assert.deepEqual((await store.listVersions('locked', { prefix: '', delimiter: '', keyMarker: '', versionIdMarker: '', limit: 10 })).entries.length, 2);
      });

      test('putVersion.refuses to replace a protected version of the same id', async () => {
        await lockBucket();
        await store.putVersion(version('locked', 'k', { lock: { legalHold: true } }));
        await expectStoreError(store.putVersion(version('locked', 'k')), 'ObjectLocked');
        assert.deepEqual((await store.getVersion('locked', 'k', 'null'))!.lock, { legalHold: true });
      });

      test('updateVersionLock.changes one version (latest without an id) in one step; a refusal changes nothing', async () => {
        await lockBucket();
        await store.putVersion(version('locked', 'k', { versionId: 'v1' }));
        await store.putVersion(version('locked', 'k', { versionId: 'v2' }));
        const updated = await store.updateVersionLock('locked', 'k', undefined, (v) => {
          assert.equal(v.versionId, 'v2');
          return { legalHold: true };
        });
        assert.deepEqual(updated.lock, { legalHold: true });
        await store.updateVersionLock('locked', 'k', 'v1', (v) => ({ ...v.lock, retention: { mode: 'GOVERNANCE', retainUntil: FUTURE } }));
        assert.deepEqual((await store.getVersion('locked', 'k', 'v1'))!.lock, { retention: { mode: 'GOVERNANCE', retainUntil: FUTURE } });
        await assert.rejects(store.updateVersionLock('locked', 'k', 'v1', () => { throw new Error('refused'); }), /refused/);
        assert.deepEqual((await store.getVersion('locked', 'k', 'v1'))!.lock, { retention: { mode: 'GOVERNANCE', retainUntil: FUTURE } });
        await store.updateVersionLock('locked', 'k', 'v2', () => ({}));
        assert.equal((await store.getVersion('locked', 'k', 'v2'))!.lock, undefined);
        await expectStoreError(store.updateVersionLock('locked', 'k', 'nope', () => ({})), 'VersionNotFound');
      });

      test('removeVersionIf/findLifecycleCandidates.candidates carry their lock; a protected version is never removed', async () => {
        await lockBucket();
        const lastModified = new Date(1_700_000_000_000);
        await store.putVersion(version('locked', 'k', { versionId: 'v1', lastModified, lock: { retention: { mode: 'GOVERNANCE', retainUntil: FUTURE } } }));
        await store.putVersion(version('locked', 'k', { versionId: 'v2', lastModified: new Date(1_700_000_000_100) }));
        const [candidate] = (await store.findLifecycleCandidates('locked', { kind: 'noncurrent', prefix: '', dueAtOrBefore: new Date(), after: '', limit: 10 })).items;
        assert.deepEqual(candidate!.lock, { retention: { mode: 'GOVERNANCE', retainUntil: FUTURE } });
        const result = await store.removeVersionIf('locked', 'k', 'v1', { isLatest: false, lastModified });
        assert.deepEqual(result, { applied: false, released: [] });
        assert.ok(await store.getVersion('locked', 'k', 'v1'));
      });
    });

    describe('event outbox', () => {
      test('outbox.every write that takes events appends them in its transaction, in seq order', async () => {
        await store.createBucket(bucketRecord('bkt', { versioning: 'Enabled' }));
        await store.putBucketConfig('bkt', 'notification', '{}', [outboxEvent('bkt', '', 'TestEvent', { object: undefined })]);
        await store.putVersion(version('bkt', 'k', { versionId: 'v1' }), undefined, { events: [outboxEvent('bkt', 'k', 'ObjectCreated:Put')] });
        await store.putVersionTags('bkt', 'k', 'v1', [{ key: 't', value: '1' }], [outboxEvent('bkt', 'k', 'ObjectTagging:Put')]);
        await store.createUpload(upload('bkt', 'm', 'u1'));
        const p = extent();
        await store.putPart('bkt', 'u1', part(1, [p]));
        await store.completeUpload('u1', version('bkt', 'm', { versionId: 'v2', manifest: [p] }), undefined, undefined,
          [outboxEvent('bkt', 'm', 'ObjectCreated:CompleteMultipartUpload')]);
        await store.deleteVersion('bkt', 'k', 'v1', undefined, { events: [outboxEvent('bkt', 'k', 'ObjectRemoved:Delete')] });
        const records = await store.listOutbox(0, 100);
        assert.deepEqual(records.map((r) => `${r.name} ${r.key}`), [
          'TestEvent ', 'ObjectCreated:Put k', 'ObjectTagging:Put k', 'ObjectCreated:CompleteMultipartUpload m', 'ObjectRemoved:Delete k',
        ]);
        for (let i = 1; i < records.length; i++) assert.ok(records[i]!.seq > records[i - 1]!.seq);
        const { seq, ...event } = records[1]!;
        assert.deepEqual(event, outboxEvent('bkt', 'k', 'ObjectCreated:Put'));
        assert.deepEqual((await store.listOutbox(records[2]!.seq, 2)).map((r) => r.seq), [records[3]!.seq, records[4]!.seq]);
      });

      test('accessLog.append, list in order from a seq, delete exactly the named lines', async () => {
        const time = new Date(1_700_000_000_123);
        await store.appendAccessLog([
          { bucket: 'a', time, line: 'one "quoted" line' },
          { bucket: 'b', time, line: 'two' },
          { bucket: 'a', time, line: 'three ü' },
        ]);
        await store.appendAccessLog([]);
        const records = await store.listAccessLog(0, 10);
        assert.deepEqual(records.map(({ seq, ...rest }) => rest), [
          { bucket: 'a', time, line: 'one "quoted" line' }, { bucket: 'b', time, line: 'two' }, { bucket: 'a', time, line: 'three ü' },
        ]);
        assert.ok(records[0]!.seq < records[1]!.seq && records[1]!.seq < records[2]!.seq);
        assert.deepEqual((await store.listAccessLog(records[0]!.seq, 1)).map((r) => r.line), ['two']);
        await store.deleteAccessLog([records[0]!.seq, records[2]!.seq]);
        assert.deepEqual((await store.listAccessLog(0, 10)).map((r) => r.line), ['two']);
        await store.appendAccessLog([{ bucket: 'a', time, line: 'four' }]);
        assert.ok((await store.listAccessLog(0, 10))[1]!.seq > records[2]!.seq);
      });

      test('outbox.ACL, storage and replication-status writes append their events; a missing version appends none', async () => {
        await store.createBucket(bucketRecord('bkt', { versioning: 'Enabled' }));
        await store.putVersion(version('bkt', 'k', { versionId: 'v1' }));
        const transition = outboxEvent('bkt', 'k', 'LifecycleTransition', { detail: { transition: { destinationStorageClass: 'GLACIER' } } });
        await store.putVersionAcl('bkt', 'k', 'v1', [], [outboxEvent('bkt', 'k', 'ObjectAcl:Put')]);
        await store.updateVersionStorage('bkt', 'k', 'v1', { storageClass: 'GLACIER' }, [transition]);
        await store.setReplicationStatus('bkt', 'k', 'v1', 'FAILED', [outboxEvent('bkt', 'k', 'Replication:OperationFailedReplication')]);
        assert.equal(await store.setReplicationStatus('bkt', 'k', 'v9', 'FAILED', [outboxEvent('bkt', 'k', 'Replication:OperationFailedReplication')]), false);
        await expectStoreError(store.putVersionAcl('bkt', 'k', 'v9', [], [outboxEvent('bkt', 'k', 'ObjectAcl:Put')]), 'VersionNotFound');
        await expectStoreError(store.updateVersionStorage('bkt', 'k', 'v9', { storageClass: 'GLACIER' }, [transition]), 'VersionNotFound');
        const records = await store.listOutbox(0, 10);
        assert.deepEqual(records.map((r) => r.name), ['ObjectAcl:Put', 'LifecycleTransition', 'Replication:OperationFailedReplication']);
        const { seq: _seq, ...stored } = records[1]!;
        assert.deepEqual(stored, transition);
      });

      test('outbox.a write that fails appends nothing', async () => {
        await store.createBucket(bucketRecord('bkt'));
        await expectStoreError(store.deleteVersion('bkt', 'absent', 'null', undefined, { events: [outboxEvent('bkt', 'absent', 'ObjectRemoved:Delete')] }), 'VersionNotFound');
        await expectStoreError(
          store.putVersion(version('bkt', 'k'), { ifMatch: 'nope' }, { events: [outboxEvent('bkt', 'k', 'ObjectCreated:Put')] }), 'ObjectNotFound');
        await expectStoreError(
          store.putVersionTags('bkt', 'absent', undefined, [], [outboxEvent('bkt', 'absent', 'ObjectTagging:Delete')]), 'VersionNotFound');
        assert.deepEqual(await store.listOutbox(0, 10), []);
      });

      test('outbox.removeVersionIf appends its events only when it applies', async () => {
        await store.createBucket(bucketRecord('bkt'));
        const lastModified = new Date(1_700_000_000_000);
        await store.putVersion(version('bkt', 'k', { lastModified }));
        const events = [outboxEvent('bkt', 'k', 'LifecycleExpiration:Delete')];
        const stale = await store.removeVersionIf('bkt', 'k', 'null', { isLatest: true, lastModified: new Date(1) }, undefined, { events });
        assert.equal(stale.applied, false);
        assert.deepEqual(await store.listOutbox(0, 10), []);
        assert.equal((await store.removeVersionIf('bkt', 'k', 'null', { isLatest: true, lastModified }, undefined, { events })).applied, true);
        assert.deepEqual((await store.listOutbox(0, 10)).map((r) => `${r.name} ${r.key}`), ['LifecycleExpiration:Delete k']);
      });

      test('outbox.deleteOutbox removes exactly the named records; seqs are never reused', async () => {
        await store.createBucket(bucketRecord('bkt'));
        for (const key of ['a', 'b', 'c']) {
          await store.putVersion(version('bkt', key), undefined, { events: [outboxEvent('bkt', key, 'ObjectCreated:Put')] });
        }
        const [a, b, c] = await store.listOutbox(0, 10);
        await store.deleteOutbox([a!.seq, c!.seq, 999_999]);
        assert.deepEqual((await store.listOutbox(0, 10)).map((r) => r.key), ['b']);
        await store.deleteOutbox([b!.seq]);
        await store.putVersion(version('bkt', 'd'), undefined, { events: [outboxEvent('bkt', 'd', 'ObjectCreated:Put')] });
        const [d] = await store.listOutbox(0, 10);
        assert.ok(d!.seq > c!.seq);
      });
    });

    describe('identities', () => {
      const at = new Date(1_700_000_000_000);
      const user = (name: string, canonicalId: string) => ({ name, canonicalId, createdAt: at });
      const key = (accessKeyId: string, userName: string) => ({ accessKeyId, secretAccessKey: `secret-${accessKeyId}`, userName, status: 'Active' as const, createdAt: at });

      test('createUser.listUsers in name order; a taken name or canonical id throws UserExists', async () => {
        await store.identities.createUser({ ...user('bob', 'b'.repeat(64)), email: 'bob@example.com' });
        await store.identities.createUser(user('alice', 'a'.repeat(64)));
        await expectIdentityError(store.identities.createUser(user('bob', 'c'.repeat(64))), 'UserExists');
        await expectIdentityError(store.identities.createUser(user('carol', 'a'.repeat(64))), 'UserExists');
        assert.deepEqual(await store.identities.listUsers(), [user('alice', 'a'.repeat(64)), { ...user('bob', 'b'.repeat(64)), email: 'bob@example.com' }]);
      });

      test('createAccessKey.several per user, status changes, deletion; unknown user or key throws', async () => {
        await store.identities.createUser(user('alice', 'a'.repeat(64)));
        await store.identities.createAccessKey(key('K1', 'alice'));
        await store.identities.createAccessKey(key('K2', 'alice'));
        await expectIdentityError(store.identities.createAccessKey(key('K1', 'alice')), 'AccessKeyExists');
        await expectIdentityError(store.identities.createAccessKey(key('K3', 'nobody')), 'UserNotFound');
        await store.identities.setAccessKeyStatus('K1', 'Inactive');
        assert.deepEqual(await store.identities.listAccessKeys('alice'), [{ ...key('K1', 'alice'), status: 'Inactive' }, key('K2', 'alice')]);
        await store.identities.deleteAccessKey('K1');
        assert.deepEqual(await store.identities.listAccessKeys(), [key('K2', 'alice')]);
        await expectIdentityError(store.identities.deleteAccessKey('K1'), 'AccessKeyNotFound');
        await expectIdentityError(store.identities.setAccessKeyStatus('K1', 'Active'), 'AccessKeyNotFound');
      });

      test('deleteUser.removes its keys and policy; every change moves the revision', async () => {
        const revisions = [await store.identities.revision()];
        await store.identities.createUser(user('alice', 'a'.repeat(64)));
        revisions.push(await store.identities.revision());
        await store.identities.createAccessKey(key('K1', 'alice'));
        revisions.push(await store.identities.revision());
        await store.identities.setUserPolicy('alice', '{"Version":"2012-10-17"}');
        assert.equal((await store.identities.listUsers())[0]?.policy, '{"Version":"2012-10-17"}');
        revisions.push(await store.identities.revision());
        await store.identities.deleteUser('alice');
        revisions.push(await store.identities.revision());
        assert.equal(new Set(revisions).size, revisions.length, `revisions ${revisions.join(',')}`);
        assert.deepEqual(await store.identities.listAccessKeys(), []);
        await expectIdentityError(store.identities.deleteUser('alice'), 'UserNotFound');
        await expectIdentityError(store.identities.setUserPolicy('alice', undefined), 'UserNotFound');
        await store.identities.createUser(user('alice', 'a'.repeat(64)));
        assert.equal('policy' in (await store.identities.listUsers())[0]!, false);
      });
    });
  });
}
