import { close, closeSync, open as openFd, openSync, read, readSync } from 'node:fs';
import { mkdir, open, opendir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobNotFoundError, BlobTooLargeError, writerOfBlob, type BlobChunkReader, type BlobStore } from './blob-store.js';
import { probeAsync, type IoProbe } from '../io-probe.js';
import { BlobFileWriter } from './blob-file-writer.js';

const BLOB_ID = /^[0-9a-f]{32}$/;
/** A writer id: 8 hex characters, the last 8 of each blob id it writes (the first 24 are random). */
export const WRITER_ID = /^[0-9a-f]{8}$/;
const TEMPORARY_FILE = /^([0-9a-f]{32})\.part$/;
/** Blob reads go in chunks of this size; a stalled client holds about one (plus its socket's buffer). */
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Blobs as files under `<root>/blobs/ab/cd/<id>`. Ids are random hex chosen here, so no client
 * input ever reaches a path. A write goes to `<root>/tmp` (BlobFileWriter: batched, flushed in the
 * background as it arrives), is fsynced, renamed into place, and the folder fsynced: a crash
 * leaves either no blob or a complete one (maybe an orphan, which the collector removes), never a
 * partial file under `blobs/`.
 */
export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly tmpDir: string;
  private readonly madeDirs = new Set<string>();

  private constructor(root: string, private readonly probe: IoProbe | undefined, private writer: string) {
    this.blobsDir = join(root, 'blobs');
    this.tmpDir = join(root, 'tmp');
  }

  get writerId(): string {
    return this.writer;
  }

  /**
   * Writes from now on carry `writerId`: a gateway judged dead registers under a new id and never
   * writes under the old one again (the writes in flight keep the old one, and fail their commit).
   */
  useWriterId(writerId: string): void {
    if (!WRITER_ID.test(writerId)) throw new Error(`a blob writer id is 8 hex characters, not '${writerId}'`);
    this.writer = writerId;
  }

  /**
   * `probe`: see io-probe.ts (fault injection in tests). `writerId`: the id of the gateway writing
   * (its registration, src/jobs/gateway-registry.ts), carried by every blob and temporary file
   * name it writes; random when not given (a command that writes blobs and registers nothing).
   */
  static async open(root: string, options: { probe?: IoProbe; writerId?: string } = {}): Promise<FsBlobStore> {
    const writerId = options.writerId ?? newWriterId();
    if (!WRITER_ID.test(writerId)) throw new Error(`a blob writer id is 8 hex characters, not '${writerId}'`);
    const store = new FsBlobStore(root, options.probe, writerId);
    await mkdir(store.blobsDir, { recursive: true, mode: 0o700 });
    await mkdir(store.tmpDir, { recursive: true, mode: 0o700 });
    return store;
  }

  async write(source: AsyncIterable<Buffer>, options: { maxBytes?: number } = {}): Promise<{ blobId: string; size: number }> {
    // Random first (the folders blobs/ab/cd/ spread evenly), the writer last.
    const blobId = randomBytes(12).toString('hex') + this.writer;
    const tmpPath = join(this.tmpDir, `${blobId}.part`);
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    await probeAsync(this.probe, 'blob.create');
    const file = await open(tmpPath, 'wx', 0o600);
    let size = 0;
    try {
      const writer = new BlobFileWriter(file, this.probe);
      try {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
          const writing = writer.add(chunk);
          if (writing) await writing;
        }
        await writer.finish();
      } finally {
        await writer.settle();
        await file.close();
      }
      await probeAsync(this.probe, 'blob.rename');
      const dir = await this.dirFor(blobId);
      const path = join(dir, blobId);
      await rename(tmpPath, path);
      try {
        await probeAsync(this.probe, 'blob.dirSync');
        await syncDirectory(dir);
      } catch (error) {
        // In place but not known durable: not reported as written, so not left behind either.
        await unlink(path).catch(() => {});
        throw error;
      }
      return { blobId, size };
    } catch (error) {
      await unlink(tmpPath).catch(() => {});
      throw error;
    }
  }

  read(blobId: string, start: number, end: number, options: { chunkBytes?: number } = {}): Readable {
    if (!BLOB_ID.test(blobId)) return new Readable({ read() { this.destroy(new BlobNotFoundError(blobId)); } });
    if (end <= start) return new Readable({ read() { this.push(null); } });
    return new BlobReadStream(this.pathOf(blobId), blobId, start, end, options.chunkBytes ?? READ_CHUNK_BYTES, this.probe);
  }

  readChunks(blobId: string, start: number, end: number, chunkBytes: number): BlobChunkReader {
    return new BlobFileChunks(BLOB_ID.test(blobId) ? this.pathOf(blobId) : undefined, blobId, start, end, chunkBytes, this.probe);
  }

  async openForReading(blobId: string): Promise<number> {
    const path = this.pathOf(blobId);
    await probeAsync(this.probe, 'blob.read');
    try {
      return openSync(path, 'r'); // synchronously, as BlobFileChunks does
    } catch (error) {
      throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? new BlobNotFoundError(blobId) : error;
    }
  }

  /**
   * Bytes [start, end) in one buffer, for small reads answered in one write. Synchronous
   * open/read/close on the event loop: for the small reads this is used for (≤ 128 KiB, usually in
   * the page cache) three syscalls cost less than three round trips through the thread pool.
   */
  async readBuffer(blobId: string, start: number, end: number): Promise<Buffer> {
    const path = this.pathOf(blobId);
    await probeAsync(this.probe, 'blob.read');
    const out = Buffer.allocUnsafe(Math.max(0, end - start));
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? new BlobNotFoundError(blobId) : error;
    }
    try {
      for (let offset = 0; offset < out.length; ) {
        const bytes = readSync(fd, out, offset, out.length - offset, start + offset);
        if (bytes === 0) throw new BlobNotFoundError(blobId); // shorter than its manifest says
        offset += bytes;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  async delete(blobIds: readonly string[]): Promise<void> {
    if (blobIds.length > 0) await probeAsync(this.probe, 'blob.delete');
    await Promise.all(
      blobIds.map((id) =>
        unlink(this.pathOf(id)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
  }

  async *list(): AsyncIterable<{ blobId: string; size: number; modifiedMs: number; writer: string }> {
    for (const first of await readdir(this.blobsDir)) {
      for (const second of await readdir(join(this.blobsDir, first)).catch(() => [] as string[])) {
        const dir = await opendir(join(this.blobsDir, first, second)).catch(() => undefined);
        if (!dir) continue;
        for await (const entry of dir) {
          if (!BLOB_ID.test(entry.name)) continue;
          const info = await stat(join(dir.path, entry.name)).catch(() => undefined);
          if (info) yield { blobId: entry.name, size: info.size, modifiedMs: info.mtimeMs, writer: writerOfBlob(entry.name) };
        }
      }
    }
  }

  async sweepTemporary(olderThanMs: number, writers: ReadonlySet<string> = new Set()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmpDir)) {
      const path = join(this.tmpDir, name);
      const blobId = TEMPORARY_FILE.exec(name)?.[1];
      const deadWriter = blobId !== undefined && writers.has(writerOfBlob(blobId));
      const info = deadWriter ? undefined : await stat(path).catch(() => undefined);
      if (deadWriter || (info && info.mtimeMs < olderThanMs)) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Moves a blob file out of the store into `dir` (fsck --repair puts unreferenced blobs in lost+found). */
  async moveOut(blobId: string, dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await rename(this.pathOf(blobId), join(dir, blobId));
    await syncDirectory(dir);
    await syncDirectory(dirname(this.pathOf(blobId)));
  }

  private pathOf(blobId: string): string {
    if (!BLOB_ID.test(blobId)) throw new BlobNotFoundError(blobId);
    return join(this.blobsDir, blobId.slice(0, 2), blobId.slice(2, 4), blobId);
  }

  private async dirFor(blobId: string): Promise<string> {
    const dir = join(this.blobsDir, blobId.slice(0, 2), blobId.slice(2, 4));
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await syncDirectory(join(this.blobsDir, blobId.slice(0, 2)));
      await syncDirectory(this.blobsDir);
      this.madeDirs.add(dir);
    }
    return dir;
  }
}

/**
 * Bytes [start, end) of a blob file as one stream: opened when first read (a missing file errors
 * the stream with BlobNotFoundError), read in READ_CHUNK_BYTES (or the caller's `chunkBytes`) chunks, one at a time as the
 * consumer takes them (highWaterMark 0: no read-ahead). A stalled client thus holds one chunk
 * (the one its socket has not taken) instead of three or four with a fs.ReadStream piped through
 * an error-translating pass-through; large GETs measured no slower (bench: GET 64MiB).
 */
class BlobReadStream extends Readable {
  private fd: number | undefined;
  private position: number;
  /** An open or a read is in flight: the descriptor may not be closed (or reused) before it completes. */
  private busy = false;
  private destroyedWhileBusy: (() => void) | undefined;

  constructor(
    private readonly path: string,
    private readonly blobId: string,
    start: number,
    private readonly end: number,
    private readonly chunkBytes: number,
    private readonly probe: IoProbe | undefined,
  ) {
    // Opened in the first _read, not in _construct: Node 20's async iterator never resumes a
    // highWaterMark-0 stream that has a _construct.
    super({ highWaterMark: 0 });
    this.position = start;
  }

  override _read(): void {
    if (this.fd !== undefined) return this.readChunk(this.fd);
    this.busy = true;
    probeAsync(this.probe, 'blob.read').then(() => openFd(this.path, 'r', (error, fd) => this.opened(error, fd)), (error: NodeJS.ErrnoException) => this.opened(error, -1));
  }

  private opened(error: NodeJS.ErrnoException | null, fd: number): void {
    this.busy = false;
    if (!error) this.fd = fd;
    if (this.destroyedWhileBusy) return this.destroyedWhileBusy();
    if (error) return void this.destroy(error.code === 'ENOENT' ? new BlobNotFoundError(this.blobId) : error);
    this.readChunk(fd);
  }

  private readChunk(fd: number): void {
    const length = Math.min(this.chunkBytes, this.end - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafeSlow(length);
    this.busy = true;
    read(fd, buffer, 0, length, this.position, (error, bytes) => {
      this.busy = false;
      if (this.destroyedWhileBusy) return this.destroyedWhileBusy();
      if (error) return void this.destroy(error);
      if (bytes === 0) return void this.destroy(new BlobNotFoundError(this.blobId)); // shorter than its manifest says
      this.position += bytes;
      this.push(bytes < length ? buffer.subarray(0, bytes) : buffer);
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const finish = () => {
      const fd = this.fd;
      this.fd = undefined;
      if (fd === undefined) callback(error);
      else close(fd, () => callback(error));
    };
    if (this.busy) this.destroyedWhileBusy = finish;
    else finish();
  }
}

/** A fresh random writer id. */
export function newWriterId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Buffers lent to chunk reads, by size: a read takes one, the reader gives it back once its
 * chunk has been used (synchronously, in the callback). A stalled reader thus holds none; the
 * pool keeps a few for the next reads instead of allocating (and page-faulting) one per read.
 */
class ChunkBuffers {
  private readonly free = new Map<number, Buffer[]>();

  constructor(private readonly keptPerSizeMax: number) {}

  take(bytes: number): Buffer {
    return this.free.get(bytes)?.pop() ?? Buffer.allocUnsafeSlow(bytes);
  }

  give(buffer: Buffer): void {
    let list = this.free.get(buffer.length);
    if (!list) this.free.set(buffer.length, (list = []));
    if (list.length < this.keptPerSizeMax) list.push(buffer);
  }
}

/** Reads in flight at once are few (the thread pool has 4 threads): a handful of buffers is enough. */
const chunkBuffers = new ChunkBuffers(8);

/**
 * A blob file read chunk by chunk into buffers from the pool, each lent for its callback only. A
 * short read (rare on regular files) is completed before the chunk is handed out, so chunks keep
 * the size the reader asked for (a sealed blob's whole segments).
 */
class BlobFileChunks implements BlobChunkReader {
  private fd: number | undefined;
  private position: number;
  /** An open or a read is in flight: the descriptor may not be closed before it completes. */
  private busy = false;
  private closed = false;

  constructor(
    private readonly path: string | undefined,
    private readonly blobId: string,
    start: number,
    private readonly end: number,
    private readonly chunkBytes: number,
    private readonly probe: IoProbe | undefined,
  ) {
    this.position = start;
  }

  next(callback: (error: Error | null, chunk: Buffer) => void, bytes = this.chunkBytes): void {
    if (this.fd !== undefined) return this.readChunk(this.fd, callback, bytes);
    if (this.position >= this.end) return callback(null, EMPTY);
    const path = this.path;
    if (path === undefined) return callback(new BlobNotFoundError(this.blobId), EMPTY);
    this.busy = true;
    const opened = (error: NodeJS.ErrnoException | null, fd: number) => {
      this.busy = false;
      if (!error) this.fd = fd;
      if (this.closed) return this.release();
      if (error) return callback(error.code === 'ENOENT' ? new BlobNotFoundError(this.blobId) : error, EMPTY);
      this.readChunk(fd, callback, bytes);
    };
    // Opened (and closed, in release) synchronously, as readBuffer does: on a busy machine each
    // round trip through the thread pool cost a 1 MiB GET ~70–100 µs of CPU (a worker woken,
    // the loop woken again), more than the syscall itself on a blob whose inode is cached.
    probeAsync(this.probe, 'blob.read').then(() => {
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch (error) {
        return opened(error as NodeJS.ErrnoException, -1);
      }
      opened(null, fd);
    }, (error: NodeJS.ErrnoException) => opened(error, -1));
  }

  unread(bytes: number): void {
    this.position -= bytes;
  }

  private readChunk(fd: number, callback: (error: Error | null, chunk: Buffer) => void, bytes: number): void {
    const length = Math.min(this.chunkBytes, bytes, this.end - this.position);
    if (length <= 0) return callback(null, EMPTY);
    const buffer = chunkBuffers.take(this.chunkBytes);
    let filled = 0;
    const more = (): void => {
      this.busy = true;
      read(fd, buffer, filled, length - filled, this.position + filled, (error, bytes) => {
        this.busy = false;
        if (this.closed || error || bytes === 0) {
          chunkBuffers.give(buffer);
          if (this.closed) return this.release();
          // A file shorter than its manifest says is a missing blob.
          return callback(error ?? new BlobNotFoundError(this.blobId), EMPTY);
        }
        filled += bytes;
        if (filled < length) return more();
        this.position += length;
        try {
          callback(null, length < buffer.length ? buffer.subarray(0, length) : buffer);
        } finally {
          chunkBuffers.give(buffer);
        }
      });
    };
    more();
  }

  close(): void {
    this.closed = true;
    if (!this.busy) this.release();
  }

  private release(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}

const EMPTY = Buffer.alloc(0);

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
