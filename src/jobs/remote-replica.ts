/**
 * Writing replicas to a remote S3 endpoint (jobs/replicator.ts loads this module on first use:
 * the SDK costs seconds of start-up that servers without remote destinations need not pay).
 * A Coffer keeps the source's version ids (x-coffer-replica-version-id); any other S3 gives its own.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, HeadObjectCommand,
  PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand, type StorageClass,
} from '@aws-sdk/client-s3';
import type { RemoteDestination } from '../replication/destinations.js';
import { REPLICA_VERSION_HEADER } from '../replication/replica-header.js';
import type { ObjectVersion } from '../store/meta/metadata-store.js';

/** Reads a version's plaintext bytes [start, end). */
export type ReadVersion = (source: ObjectVersion, start: number, end: number) => Readable;

export class RemoteReplicaWriter {
  private readonly client: S3Client;

  constructor(private readonly remote: RemoteDestination, private readonly read: ReadVersion) {
    this.client = new S3Client({
      endpoint: remote.endpoint,
      region: remote.region,
      forcePathStyle: true,
      credentials: { accessKeyId: remote.accessKeyId, secretAccessKey: remote.secretAccessKey },
      // The outbox dispatcher retries, with its own back-off, for as long as it takes.
      maxAttempts: 1,
    });
  }

  /**
   * Writes the version (or delete marker). Resolves with the destination's error when it refused
   * it (a 4xx a retry cannot change); rejects when it may work later (no answer, a 5xx).
   */
  async write(source: ObjectVersion, storageClass: string | undefined): Promise<{ code: string; message: string } | undefined> {
    const replicaId = this.remote.coffer ? source.versionId : undefined;
    try {
      if (replicaId !== undefined && (await this.has(source))) return undefined;
      if (source.isDeleteMarker) {
        await this.client.send(withReplicaId(new DeleteObjectCommand({ Bucket: this.remote.bucket, Key: source.key }), replicaId));
      } else if (source.parts && source.parts.length > 0) {
        await this.writeInParts(source, storageClass, replicaId);
      } else {
        await this.client.send(withReplicaId(
          new PutObjectCommand({ ...this.objectFields(source, storageClass), Body: this.read(source, 0, source.size), ContentLength: source.size }),
          replicaId,
        ));
      }
      return undefined;
    } catch (error) {
      if (error instanceof S3ServiceException && isRefusal(error.$metadata.httpStatusCode)) return { code: error.name, message: error.message };
      throw error;
    }
  }

  close(): void {
    this.client.destroy();
  }

  /** The version is on the remote already (a retry after a lost answer): HEAD of its id. */
  private async has(source: ObjectVersion): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.remote.bucket, Key: source.key, VersionId: source.versionId }));
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
  private async writeInParts(source: ObjectVersion, storageClass: string | undefined, replicaId: string | undefined): Promise<void> {
    const { bucket } = this.remote;
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand(this.objectFields(source, storageClass)));
    try {
      const parts = [];
      let offset = 0;
      for (const part of source.parts!) {
        const { ETag } = await this.client.send(new UploadPartCommand({
          Bucket: bucket, Key: source.key, UploadId, PartNumber: part.partNumber, Body: this.read(source, offset, offset + part.size), ContentLength: part.size,
        }));
        parts.push({ PartNumber: part.partNumber, ETag });
        offset += part.size;
      }
      await this.client.send(withReplicaId(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: source.key, UploadId, MultipartUpload: { Parts: parts } }),
        replicaId,
      ));
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: source.key, UploadId })).catch(() => {});
      throw error;
    }
  }

  private objectFields(source: ObjectVersion, storageClass: string | undefined) {
    const { headers } = source;
    return {
      Bucket: this.remote.bucket,
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
