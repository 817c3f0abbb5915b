import type { FileHandle } from 'node:fs/promises';
import { probeAsync, type IoProbe } from '../io-probe.js';

/** Request bodies arrive in ~64 KiB chunks; they are written in batches of about this size… */
const WRITE_BATCH_BYTES = 1024 * 1024;
/**
 * …or once the batch's first chunk has waited this long: a client trickling its body holds no
 * more than what it sent in this time (plus one chunk), instead of up to a whole batch.
 */
const WRITE_BATCH_WAIT_MS = 50;
/**
 * Batches being written at once. Each write names its position, so two can run on the thread
 * pool side by side while the body is read on: with one, the loop waited for a write slot 30–65 ms
 * of a 64 MiB write (1 MiB batches with MD5, load ~10); with two, 5–17 ms. Bounds the memory a
 * body holds to this many batches (plus the one being gathered).
 */
const WRITES_IN_FLIGHT_MAX = 2;
/**
 * An fdatasync is started in the background after every this many bytes written (one in flight):
 * the kernel writes the body out while the rest arrives, instead of the final fsync flushing all
 * of it (a 64 MiB blob's final fsync: ~25–30 ms before, ~4–9 ms with this). The final fsync stays:
 * it is what makes the blob durable.
 */
const FLUSH_EVERY_BYTES = 8 * 1024 * 1024;

/**
 * The bytes of one blob file, as they arrive: gathered into batches, written at their positions
 * with a bounded number of writes in flight, flushed in the background as they go, and synced at
 * the end. Any write's or flush's failure fails `add` or `finish` (a failed fdatasync is never
 * forgotten: Linux reports a lost write-back once, so a later fsync would succeed).
 */
export class BlobFileWriter {
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private batchStartedMs = 0;
  /** Where the next batch goes. */
  private position = 0;
  private readonly writes = new Set<Promise<void>>();
  private flushing: Promise<void> | undefined;
  /** Bytes written (completed) since the last background flush started. */
  private unflushedBytes = 0;
  private failure: { error: unknown } | undefined;
  /** Set by `finish` and `settle`: no flush starts after it (one that did could fail unseen after the final fsync). */
  private finishing = false;

  constructor(private readonly file: FileHandle, private readonly probe: IoProbe | undefined) {}

  /**
   * Takes a chunk (the writer keeps it: the caller must not reuse it). A promise when a batch
   * starts being written (awaiting it waits for a write slot); most chunks return nothing, and
   * cost no await.
   */
  add(chunk: Buffer): Promise<void> | undefined {
    if (this.batch.length === 0) this.batchStartedMs = performance.now();
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes >= WRITE_BATCH_BYTES || performance.now() - this.batchStartedMs >= WRITE_BATCH_WAIT_MS) return this.writeBatch();
    return undefined;
  }

  /** Writes what is left, waits for every write and flush, and fsyncs the file. */
  async finish(): Promise<void> {
    this.finishing = true;
    if (this.batch.length > 0) await this.writeBatch();
    while (this.writes.size > 0) await Promise.race(this.writes);
    await this.flushing;
    this.throwFailure();
    await probeAsync(this.probe, 'blob.fsync');
    await this.file.sync();
  }

  /** Waits for whatever is still running (after a failure, before the file is closed). */
  async settle(): Promise<void> {
    this.finishing = true;
    await Promise.allSettled([...this.writes, this.flushing]);
  }

  private async writeBatch(): Promise<void> {
    while (this.writes.size >= WRITES_IN_FLIGHT_MAX) await Promise.race(this.writes);
    this.throwFailure();
    const buffers = this.batch;
    const bytes = this.batchBytes;
    const position = this.position;
    this.batch = [];
    this.batchBytes = 0;
    this.position += bytes;
    const write = this.writeAt(buffers, bytes, position).then(
      () => {
        this.writes.delete(write);
        this.unflushedBytes += bytes;
        if (this.unflushedBytes >= FLUSH_EVERY_BYTES && !this.flushing && !this.finishing) this.flushInBackground();
      },
      (error: unknown) => {
        this.writes.delete(write);
        this.failure ??= { error };
      },
    );
    this.writes.add(write);
  }

  private flushInBackground(): void {
    this.unflushedBytes = 0;
    this.flushing = probeAsync(this.probe, 'blob.fsync')
      .then(() => this.file.datasync())
      .then(
        () => {
          this.flushing = undefined;
          if (this.unflushedBytes >= FLUSH_EVERY_BYTES && !this.finishing) this.flushInBackground();
        },
        (error: unknown) => {
          this.failure ??= { error };
        },
      );
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure.error;
  }

  private async writeAt(buffers: Buffer[], total: number, position: number): Promise<void> {
    let bytesWritten = 0;
    if ((await probeAsync(this.probe, 'blob.write')) === 'short-write') {
      bytesWritten = (await this.file.write(buffers[0]!, 0, Math.ceil(buffers[0]!.length / 2), position)).bytesWritten;
    } else {
      bytesWritten = (await this.file.writev(buffers, position)).bytesWritten;
    }
    while (bytesWritten < total) {
      // A short write (rare on regular files): write what is left.
      const rest = Buffer.concat(buffers).subarray(bytesWritten);
      bytesWritten += (await this.file.write(rest, 0, rest.length, position + bytesWritten)).bytesWritten;
    }
  }
}
