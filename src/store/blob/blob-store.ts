import type { Readable } from 'node:stream';

/**
 * BlobStore: immutable byte blobs addressed by an id it chooses. It knows nothing of S3: objects
 * and parts are manifests of blob extents kept by the MetadataStore. Every implementation passes
 * test/contract/blob-store.contract.ts.
 */
export interface BlobStore {
  /**
   * Streams `source` into a new blob. Resolves only when the blob is durable (data and directory
   * entry synced). If `source` errors, or exceeds `maxBytes` (BlobTooLargeError), nothing is left
   * behind and the promise rejects with that error.
   */
  write(source: AsyncIterable<Buffer>, options?: { maxBytes?: number }): Promise<{ blobId: string; size: number }>;
  /** Bytes [start, end) of a blob. A missing blob errors the stream with BlobNotFoundError. */
  read(blobId: string, start: number, end: number): Readable;
  /**
   * Optional: bytes [start, end) of a blob in one buffer (for small reads, answered in a single
   * write). Rejects with BlobNotFoundError when the blob is missing.
   */
  readBuffer?(blobId: string, start: number, end: number): Promise<Buffer>;
  /** Deletes blobs; ids that do not exist are ignored. */
  delete(blobIds: readonly string[]): Promise<void>;
  /** Every stored blob with its size and modification time, for the orphan collector and fsck. */
  list(): AsyncIterable<{ blobId: string; size: number; modifiedMs: number }>;
  /** Removes temporary files older than `olderThanMs` (left by a crash mid-write). */
  sweepTemporary(olderThanMs: number): Promise<number>;
}

export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`blob exceeds ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

export class BlobNotFoundError extends Error {
  constructor(readonly blobId: string) {
    super(`blob ${blobId} not found`);
    this.name = 'BlobNotFoundError';
  }
}
