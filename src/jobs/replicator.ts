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
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, HeadObjectCommand,
  PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand, type StorageClass,
} from '@aws-sdk/client-s3';
import type { MasterKeyRing } from '../crypto/key-ring.js';
import { DataKeys } from '../crypto/sealed-blobs.js';
import { readManifest } from '../ops/objects/read-object.js';
import { replicationConfigOf } from '../ops/replication/work-items.js';
import { REPLICA_VERSION_HEADER } from '../replication/replica-header.js';
import type { RemoteDestination } from '../replication/destinations.js';
import { bucketOfArn } from '../replication/rules.js';
import type { BlobStore } from '../store/blob/blob-store.js';
import { StoreError, type EventDelivery, type MetadataStore, type ObjectVersion, type OutboxRecord } from '../store/meta/metadata-store.js';

export interface ReplicatorOptions {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  readonly masterKeys: MasterKeyRing;
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
class Refused extends Error {}

export class Replicator {
  readonly counters: ReplicationCounters = { completed: 0, failed: 0 };
  private readonly clients = new Map<string, S3Client>();

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
      if (!source.isDeleteMarker) await meta.setReplicationStatus(record.bucket, record.key, source.versionId, 'FAILED');
      return;
    }
    this.counters.completed++;
    if (!source.isDeleteMarker) await meta.setReplicationStatus(record.bucket, record.key, source.versionId, 'COMPLETED');
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
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
    if (!destination) throw new Refused(`destination bucket ${name} does not exist`);
    if (destination.versioning !== 'Enabled') throw new Refused(`destination bucket ${name} does not have versioning enabled`);
    // A retried item whose first attempt committed.
    if (await meta.getVersion(name, source.key, source.versionId)) return;
    const { isLatest: _latest, ...version } = source;
    try {
      const { released } = await meta.putVersion(
        { ...version, bucket: name, storageClass: storageClass ?? source.storageClass, replicationStatus: 'REPLICA' },
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
    const client = this.clientFor(remote);
    const replicaId = remote.coffer ? source.versionId : undefined;
    try {
      if (replicaId !== undefined && (await this.remoteHas(client, remote, source))) return;
      if (source.isDeleteMarker) {
        await client.send(withReplicaId(new DeleteObjectCommand({ Bucket: remote.bucket, Key: source.key }), replicaId));
        return;
      }
      if (source.encryption?.mode === 'SSE-C') throw new Refused('an SSE-C object cannot be read without its customer key');
      if (source.parts && source.parts.length > 0) await this.multipartToRemote(client, remote, source, storageClass, replicaId);
      else await client.send(withReplicaId(new PutObjectCommand({ ...this.objectFields(remote, source, storageClass), Body: this.read(source, 0, source.size), ContentLength: source.size }), replicaId));
    } catch (error) {
      if (error instanceof S3ServiceException && isRefusal(error.$metadata.httpStatusCode)) throw new Refused(`${error.name}: ${error.message}`);
      throw error;
    }
  }

  /** The version is on the remote already (a retry after a lost answer): HEAD of its id. */
  private async remoteHas(client: S3Client, remote: RemoteDestination, source: ObjectVersion): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket: remote.bucket, Key: source.key, VersionId: source.versionId }));
      return true;
    } catch (error) {
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      // A delete marker answers 405 to a HEAD of its id: it is there.
      if (status === 405) return true;
      if (status === 404 || status === 400) return false;
      throw error;
    }
  }

  /** In the source's part layout, so that the replica's ETag (`md5-of-md5s-N`) is the source's. */
  private async multipartToRemote(
    client: S3Client, remote: RemoteDestination, source: ObjectVersion, storageClass: string | undefined, replicaId: string | undefined,
  ): Promise<void> {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand(this.objectFields(remote, source, storageClass)));
    try {
      const parts = [];
      let offset = 0;
      for (const part of source.parts!) {
        const { ETag } = await client.send(new UploadPartCommand({
          Bucket: remote.bucket, Key: source.key, UploadId, PartNumber: part.partNumber, Body: this.read(source, offset, offset + part.size), ContentLength: part.size,
        }));
        parts.push({ PartNumber: part.partNumber, ETag });
        offset += part.size;
      }
      await client.send(withReplicaId(new CompleteMultipartUploadCommand({ Bucket: remote.bucket, Key: source.key, UploadId, MultipartUpload: { Parts: parts } }), replicaId));
    } catch (error) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: remote.bucket, Key: source.key, UploadId })).catch(() => {});
      throw error;
    }
  }

  private objectFields(remote: RemoteDestination, source: ObjectVersion, storageClass: string | undefined) {
    const { headers } = source;
    return {
      Bucket: remote.bucket,
      Key: source.key,
      Metadata: { ...source.userMetadata },
      ContentType: headers.contentType,
      CacheControl: headers.cacheControl,
      ContentDisposition: headers.contentDisposition,
      ContentEncoding: headers.contentEncoding,
      ContentLanguage: headers.contentLanguage,
      Expires: headers.expires === undefined ? undefined : new Date(headers.expires),
      WebsiteRedirectLocation: headers.websiteRedirectLocation,
      StorageClass: (storageClass ?? source.storageClass) as StorageClass,
      Tagging: source.tags.length > 0 ? new URLSearchParams(source.tags.map((t) => [t.key, t.value])).toString() : undefined,
    };
  }

  private read(source: ObjectVersion, start: number, end: number) {
    return readManifest(this.options.blobs, source.manifest, start, end, new DataKeys(this.options.masterKeys));
  }

  private clientFor(remote: RemoteDestination): S3Client {
    let client = this.clients.get(remote.bucketArn);
    if (!client) {
      client = new S3Client({
        endpoint: remote.endpoint,
        region: remote.region,
        forcePathStyle: true,
        credentials: { accessKeyId: remote.accessKeyId, secretAccessKey: remote.secretAccessKey },
        // The outbox dispatcher retries, with its own back-off, for as long as it takes.
        maxAttempts: 1,
      });
      this.clients.set(remote.bucketArn, client);
    }
    return client;
  }
}

/** A 4xx other than a timeout or throttling: the destination will answer the same on a retry. */
function isRefusal(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

type BuildHandler = (args: { request: unknown }) => Promise<unknown>;
/** The part of a command's middleware stack used here (its precise types differ per command). */
interface BuildStack {
  add(middleware: (next: BuildHandler) => BuildHandler, options: { step: 'build'; name: string }): void;
}

/** Sends the replica's version id to a Coffer destination (signed, like every header). */
function withReplicaId<C extends PutObjectCommand | DeleteObjectCommand | CompleteMultipartUploadCommand>(command: C, replicaId: string | undefined): C {
  if (replicaId === undefined) return command;
  (command.middlewareStack as unknown as BuildStack).add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers[REPLICA_VERSION_HEADER] = replicaId;
      return next(args);
    },
    { step: 'build', name: 'cofferReplicaVersionId' },
  );
  return command;
}
