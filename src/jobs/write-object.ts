/** Objects that jobs write into buckets themselves (inventory reports, access-log objects), through the stores. */
import { createHash } from 'node:crypto';
import type { MasterKeyRing } from '../crypto/key-ring.js';
import { DataKeys, writeSealedBlob } from '../crypto/sealed-blobs.js';
import type { BlobStore } from '../store/blob/blob-store.js';
import type { BucketRecord, MetadataStore } from '../store/meta/metadata-store.js';
import { bucketDefaultEncryption } from '../ops/config/encryption.js';
import { newVersionId } from '../ops/versioning/version-ids.js';

export interface ObjectWriterStores {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  /** Objects are sealed (SSE-S3) like every other. */
  readonly masterKeys: MasterKeyRing;
}

/**
 * Writes a small object into `bucket` (blob durable first, then its version), owned by the bucket's
 * owner and encrypted as the bucket's default encryption says, as a PutObject would be; returns its MD5 hex.
 */
export async function putObject(stores: ObjectWriterStores, bucket: BucketRecord, key: string, body: Buffer, contentType: string): Promise<string> {
  const md5 = createHash('md5').update(body).digest('hex');
  const { bucketKeyEnabled } = await bucketDefaultEncryption(stores.meta, bucket);
  const blob = await writeSealedBlob(stores.blobs, (async function* () {
    yield body;
  })(), new DataKeys(stores.masterKeys), body.length);
  try {
    const { released } = await stores.meta.putVersion({
      bucket: bucket.name,
      key,
      versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null',
      isDeleteMarker: false,
      size: body.length,
      etag: md5,
      lastModified: new Date(),
      ownerId: bucket.ownerId,
      headers: { contentType },
      userMetadata: {},
      storageClass: 'STANDARD',
      tags: [],
      manifest: [{ blobId: blob.blobId, offset: 0, length: body.length, sealing: blob.sealing }],
      encryption: { mode: 'AES256', bucketKeyEnabled: bucketKeyEnabled || undefined },
    });
    await stores.blobs.delete(released);
  } catch (error) {
    await stores.blobs.delete([blob.blobId]);
    throw error;
  }
  return md5;
}
