/** Objects that jobs write into buckets themselves (inventory reports, access-log objects), through the stores. */
import { createHash } from 'node:crypto';
import type { MasterKeyRing } from '../crypto/key-ring.js';
import type { KmsKeyRing } from '../crypto/kms-keys.js';
import { DataKeys, writeSealedBlob } from '../crypto/sealed-blobs.js';
import type { BlobStore } from '../store/blob/blob-store.js';
import type { BucketRecord, Grant, MetadataStore, ObjectEncryption } from '../store/meta/metadata-store.js';
import { bucketDefaultEncryption } from '../ops/config/encryption.js';
import { etagFor } from '../ops/objects/encryption.js';
import { dataKeysUnder, usableKmsKey } from '../ops/objects/kms.js';
import { newVersionId } from '../ops/versioning/version-ids.js';
import { S3Error } from '../errors.js';

export interface ObjectWriterStores {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  /** Objects are sealed like every other: SSE-S3 under the master key, */
  readonly masterKeys: MasterKeyRing;
  /** or SSE-KMS / DSSE-KMS under the key the bucket's default encryption names. */
  readonly kms: KmsKeyRing;
  /** Where KMS ARNs live. */
  readonly region: string;
  readonly accountId: string;
}

/**
 * The encryption the bucket's default gives a new object, as a PutObject without encryption
 * headers gets it (a disabled or missing default key throws its KMS error: the job tries again later).
 */
async function defaultEncryptionOf(stores: ObjectWriterStores, bucket: BucketRecord, key: string): Promise<{ encryption: ObjectEncryption; keys: DataKeys }> {
  const defaults = await bucketDefaultEncryption(stores.meta, bucket);
  if (defaults.algorithm === 'AES256') return { encryption: { mode: 'AES256', bucketKeyEnabled: defaults.bucketKeyEnabled || undefined }, keys: new DataKeys(stores.masterKeys) };
  const kmsKey = await usableKmsKey(stores, defaults.kmsMasterKeyId);
  const encryption: ObjectEncryption = { mode: defaults.algorithm, kmsKeyId: kmsKey.record.id, bucketKeyEnabled: defaults.algorithm === 'aws:kms' && defaults.bucketKeyEnabled ? true : undefined };
  return { encryption, keys: dataKeysUnder(stores, kmsKey, encryption, bucket.name, key) };
}

/** Whether a write failed because the bucket default's KMS key is disabled or gone (not a fault of the job's). */
export function isKmsRefusal(error: unknown): boolean {
  return error instanceof S3Error && error.code.startsWith('KMS.');
}

/**
 * Writes a small object into `bucket` (blob durable first, then its version), owned by the bucket's
 * owner and encrypted as the bucket's default encryption says, as a PutObject would be, with `acl`
 * (else the owner's full control alone); returns the MD5 hex of its body.
 */
export async function putObject(stores: ObjectWriterStores, bucket: BucketRecord, key: string, body: Buffer, contentType: string, acl?: readonly Grant[]): Promise<string> {
  const md5 = createHash('md5').update(body).digest();
  const { encryption, keys } = await defaultEncryptionOf(stores, bucket, key);
  const blob = await writeSealedBlob(stores.blobs, (async function* () {
    yield body;
  })(), keys, body.length);
  try {
    const { released } = await stores.meta.putVersion({
      bucket: bucket.name,
      key,
      versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null',
      isDeleteMarker: false,
      size: body.length,
      etag: etagFor(encryption, md5, blob.dataKey),
      lastModified: new Date(),
      ownerId: bucket.ownerId,
      headers: { contentType },
      userMetadata: {},
      storageClass: 'STANDARD',
      tags: [],
      manifest: [{ blobId: blob.blobId, offset: 0, length: body.length, sealing: blob.sealing }],
      encryption,
      ...(acl ? { acl } : {}),
    });
    await stores.blobs.delete(released);
  } catch (error) {
    await stores.blobs.delete([blob.blobId]);
    throw error;
  }
  return md5.toString('hex');
}
