/**
 * Copies one replication work item (an outbox record with a 'replication' delivery, appended by
 * the write that made the version: ops/replication/work-items.ts) to its destination, and sets
 * the source version's x-amz-replication-status. The outbox dispatcher calls it, in order per
 * key, and retries it with back-off while it throws: a destination that is down (a connection
 * error, a 5xx) delays replication and loses nothing. A destination that refuses (a 4xx: bucket
 * gone or unversioned, keys refused) will not change its mind on a retry: the version is marked
 * FAILED and the item dropped, as S3 does.
 *
 * Local destinations (a bucket on this server) get the version itself: same id, bytes (the blobs
 * are shared, not copied), metadata, tags, checksum and part layout. Remote ones get it through
 * the S3 API; a Coffer keeps the version id (x-coffer-replica-version-id), any other S3 gives one
 * of its own. Replicas are written REPLICA and never replicate on.
 */
import { Readable } from 'node:stream';
import type { MasterKeyRing } from '../crypto/key-ring.js';
import type { KmsKeyRing } from '../crypto/kms-keys.js';
import { DataKeys } from '../crypto/sealed-blobs.js';
import { isKms, kmsDataKeys } from '../ops/objects/kms.js';
import { readManifest } from '../ops/objects/read-object.js';
import { bucketEvents, s3ServiceRequest } from '../ops/notification/events.js';
import { replicationConfigOf } from '../ops/replication/work-items.js';
import type { RemoteDestination } from '../replication/destinations.js';
import { bucketOfArn } from '../replication/rules.js';
import type { BlobStore } from '../store/blob/blob-store.js';
import type { RemoteReplicaWriter } from './remote-replica.js';
import { StoreError, type EventDelivery, type Extent, type MetadataStore, type ObjectVersion, type OutboxRecord } from '../store/meta/metadata-store.js';

export interface ReplicatorOptions {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  readonly masterKeys: MasterKeyRing;
  /** SSE-KMS objects' data keys are wrapped by a key of this ring, not by the master key. */
  readonly kms: KmsKeyRing;
  /** Where KMS ARNs live. */
  readonly region: string;
  readonly accountId: string;
  /** The server's remote destinations, by bucket ARN; any other ARN is a bucket on this server. */
  readonly remotes: ReadonlyMap<string, RemoteDestination>;
  readonly log: (message: string, error?: unknown) => void;
}

/** Counters since start, by outcome. */
export interface ReplicationCounters {
  completed: number;
  failed: number;
}

/** A refusal a retry cannot change: the version is marked FAILED. */
class Refused extends Error {
  /** AWS's replication failure reason (`failureReason` of s3:Replication:OperationFailedReplication). */
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

export class Replicator {
  readonly counters: ReplicationCounters = { completed: 0, failed: 0 };
  /** By bucket ARN, made on first use (the SDK is loaded only then). */
  private readonly writers = new Map<string, Promise<RemoteReplicaWriter>>();

  constructor(private readonly options: ReplicatorOptions) {}

  /** Resolves once the version is replicated or marked FAILED; rejects (to be retried) otherwise. */
  async replicate(record: OutboxRecord, delivery: EventDelivery): Promise<void> {
    const { meta } = this.options;
    const versionId = record.object?.versionId;
    const source = versionId === undefined ? undefined : await meta.getVersion(record.bucket, record.key, versionId);
    // Deleted before it could be replicated (a version-specific delete is not replicated): nothing left to copy.
    if (!source) return;
    const storageClass = await this.storageClassOf(record.bucket, delivery);
    try {
      const remote = this.options.remotes.get(delivery.targetArn);
      if (remote) await this.toRemote(remote, source, storageClass);
      else await this.toLocal(delivery.targetArn, source, storageClass);
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      this.options.log(`replication of ${record.bucket}/${record.key} (${source.versionId}) to ${delivery.targetArn} failed: ${error.message}`);
      this.counters.failed++;
      if (!source.isDeleteMarker) {
        // The FAILED status and its event commit together; S3 sends no event for a completed replication.
        const events = await this.failureEvents(record, delivery, source, error.reason);
        await meta.setReplicationStatus(record.bucket, record.key, source.versionId, 'FAILED', events);
      }
      return;
    }
    this.counters.completed++;
    if (!source.isDeleteMarker) await meta.setReplicationStatus(record.bucket, record.key, source.versionId, 'COMPLETED');
  }

  /** s3:Replication:OperationFailedReplication for the source bucket's notification configuration, if it asks for it. */
  private async failureEvents(record: OutboxRecord, delivery: EventDelivery, source: ObjectVersion, reason: string) {
    const bucket = await this.options.meta.getBucket(record.bucket);
    if (!bucket) return undefined;
    return bucketEvents(
      this.options.meta, bucket, 'Replication:OperationFailedReplication', source.key,
      { size: source.size, etag: source.etag, versionId: source.versionId }, s3ServiceRequest(), new Date(),
      {
        replication: {
          ruleId: delivery.configurationId, destinationBucket: delivery.targetArn, operation: 'OBJECT_PUT',
          requestTime: record.time.toISOString(), failureReason: reason,
        },
      },
    );
  }

  async close(): Promise<void> {
    for (const writer of this.writers.values()) (await writer).close();
    this.writers.clear();
  }

  /** The rule's destination storage class, if the rule still exists; else the source's own. */
  private async storageClassOf(bucket: string, delivery: EventDelivery): Promise<string | undefined> {
    const config = await replicationConfigOf(this.options.meta, bucket);
    return config?.rules.find((rule) => rule.id === delivery.configurationId)?.destination.storageClass;
  }

  private async toLocal(arn: string, source: ObjectVersion, storageClass: string | undefined): Promise<void> {
    const { meta, blobs } = this.options;
    const name = bucketOfArn(arn)!;
    const destination = await meta.getBucket(name);
    if (!destination) throw new Refused('DstBucketNotFound', `destination bucket ${name} does not exist`);
    if (destination.versioning !== 'Enabled') throw new Refused('DstBucketUnversioned', `destination bucket ${name} does not have versioning enabled`);
    // A retried item whose first attempt committed.
    if (await meta.getVersion(name, source.key, source.versionId)) return;
    const { isLatest: _latest, ...version } = source;
    const manifest = isKms(source.encryption) ? await this.reboundManifest(source, name) : source.manifest;
    try {
      const { released } = await meta.putVersion(
        { ...version, manifest, bucket: name, storageClass: storageClass ?? source.storageClass, replicationStatus: 'REPLICA' },
        undefined,
        { sharedBlobs: true },
      );
      await blobs.delete(released).catch((error: unknown) => this.options.log('releasing blobs failed', error));
    } catch (error) {
      // The source version's blobs were released meanwhile: it was deleted, and so is nothing to copy.
      if (error instanceof StoreError && error.code === 'ConditionalConflict') return;
      throw error;
    }
  }

  private async toRemote(remote: RemoteDestination, source: ObjectVersion, storageClass: string | undefined): Promise<void> {
    if (!source.isDeleteMarker && source.encryption?.mode === 'SSE-C') {
      throw new Refused('SrcObjectNotEligible', 'an SSE-C object cannot be read without its customer key');
    }
    const writer = await this.writerFor(remote);
    const refusal = await writer.write(source, storageClass);
    if (refusal !== undefined) throw new Refused(failureReasonOf(refusal.code), `${refusal.code}: ${refusal.message}`);
  }

  /**
   * The replica shares the source's blobs, but a KMS data key is bound to its object's ARN: each is
   * rewrapped for the replica's (the blobs stay as they are; a disabled key throws, and the item is retried).
   */
  private async reboundManifest(source: ObjectVersion, bucket: string): Promise<Extent[]> {
    const from = await this.readKeysFor(source);
    const to = await kmsDataKeys(this.options, source.encryption!, bucket, source.key);
    return source.manifest.map((extent) => (extent.sealing ? { ...extent, sealing: from.rebind(extent.sealing, to) } : extent));
  }

  /**
   * The keys that open the source's blobs: an SSE-KMS object's data key is wrapped by its KMS key
   * (a disabled key throws, and the item is retried until the key is enabled again).
   */
  private async readKeysFor(source: ObjectVersion): Promise<DataKeys> {
    if (!isKms(source.encryption)) return new DataKeys(this.options.masterKeys);
    return kmsDataKeys(this.options, source.encryption!, source.bucket, source.key);
  }

  private writerFor(remote: RemoteDestination): Promise<RemoteReplicaWriter> {
    let writer = this.writers.get(remote.bucketArn);
    if (!writer) {
      const read = (source: ObjectVersion, start: number, end: number) => {
        const { blobs } = this.options;
        const keys = () => this.readKeysFor(source);
        return Readable.from((async function* () {
          yield* readManifest(blobs, source.manifest, start, end, await keys());
        })(), { objectMode: false });
      };
      writer = import('./remote-replica.js').then(({ RemoteReplicaWriter }) => new RemoteReplicaWriter(remote, read));
      // A failed load is tried again by the next attempt, not remembered.
      writer.catch(() => this.writers.delete(remote.bucketArn));
      this.writers.set(remote.bucketArn, writer);
    }
    return writer;
  }
}

/** AWS's failure reason for a remote destination's refusal (its S3 error code). */
function failureReasonOf(code: string): string {
  if (code === 'NoSuchBucket') return 'DstBucketNotFound';
  return 'DstPutObjectNotPermitted';
}
