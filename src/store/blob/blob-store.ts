import type { Readable } from 'node:stream';

/**
 * BlobStore: immutable byte blobs addressed by an id it chooses. It knows nothing of S3: objects
 * and parts are manifests of blob extents kept by the MetadataStore. Every implementation passes
 * test/contract/blob-store.contract.ts.
 */
export interface BlobStore {
  /** This store's writer id, which the id of every blob it writes carries. */
  readonly writerId: string;
  /**
   * Streams `source` into a new blob. Resolves only when the blob is durable (data and directory
   * entry synced). If `source` errors, or exceeds `maxBytes` (BlobTooLargeError), nothing is left
   * behind and the promise rejects with that error.
   */
  write(source: AsyncIterable<Buffer>, options?: { maxBytes?: number }): Promise<{ blobId: string; size: number }>;
  /**
   * Bytes [start, end) of a blob. A missing blob errors the stream with BlobNotFoundError.
   * `chunkBytes`: the size of the chunks it yields (the last may be shorter), for a reader that
   * works in units of its own (a sealed blob's segments); the store's own size otherwise.
   */
  read(blobId: string, start: number, end: number, options?: { chunkBytes?: number }): Readable;
  /**
   * Optional: bytes [start, end) of a blob in one buffer (for small reads, answered in a single
   * write). Rejects with BlobNotFoundError when the blob is missing.
   */
  readBuffer?(blobId: string, start: number, end: number): Promise<Buffer>;
  /**
   * Bytes [start, end) of a blob, `chunkBytes` at a time, each read into a buffer the store lends
   * for the time of the callback (large reads without an allocation or a stream per chunk, and
   * without a buffer held between reads). The file is opened at the first `next`; a missing blob
   * fails it with BlobNotFoundError.
   */
  readChunks(blobId: string, start: number, end: number, chunkBytes: number): BlobChunkReader;
  /**
   * Optional: the blob's file opened for reading, as a descriptor the caller closes (a large read
   * opened on a worker thread reads it there). Rejects with BlobNotFoundError when it is missing.
   */
  openForReading?(blobId: string): Promise<number>;
  /** Deletes blobs; ids that do not exist are ignored. */
  delete(blobIds: readonly string[]): Promise<void>;
  /**
   * Every stored blob with its size, modification time and `writer` (the writer id of the store
   * that wrote it, which its id carries; ids from before writer ids existed carry a random one),
   * for the orphan collector and fsck.
   */
  list(): AsyncIterable<{ blobId: string; size: number; modifiedMs: number; writer: string }>;
  /**
   * Removes temporary files (left by a crash mid-write) older than `olderThanMs`, or written by
   * one of `writers` (gateways known dead); returns how many.
   */
  sweepTemporary(olderThanMs: number, writers?: ReadonlySet<string>): Promise<number>;
}

/** The writer id a blob id carries: its last 8 characters (FsBlobStore writes them so). */
export function writerOfBlob(blobId: string): string {
  return blobId.slice(24);
}

/** A blob read chunk by chunk into lent buffers (BlobStore.readChunks). */
export interface BlobChunkReader {
  /**
   * The next chunk: `chunkBytes`, or `bytes` when smaller (the last one shorter), empty once
   * [start, end) is read. The chunk is valid only until the callback returns (its buffer is lent
   * to the next read).
   */
  next(callback: (error: Error | null, chunk: Buffer) => void, bytes?: number): void;
  /** Gives back the last `bytes` of the chunk just read: the next chunk starts with them again. */
  unread(bytes: number): void;
  /** Closes the file (after a read in flight completes); `next` is not called again. */
  close(): void;
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
