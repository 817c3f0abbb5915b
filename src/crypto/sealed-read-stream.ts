import { Readable } from 'node:stream';
import type { BlobChunkReader } from '../store/blob/blob-store.js';
import { openSegment, TAG_BYTES, type SegmentLayout } from './segments.js';

/**
 * Sealed blobs are read this much plaintext at a time, in whole segments with their tags: one read
 * per 1 MiB, not per segment. Counted in plaintext, not in stored bytes: 1 MiB of stored bytes held
 * only 15 sealed 64 KiB segments, so a 1 MiB object took two reads (and two trips through the
 * thread pool), and a 64 MiB one 69.
 */
export const SEALED_READ_BYTES = 1024 * 1024;

/**
 * Plaintext opened ahead of a consumer that is momentarily not taking it, across every stream of
 * the process. A stream keeps what it opened while the total stays under this; past it (many
 * stalled downloads) it gives the rest back to its reader, as a stalled stream does.
 */
const KEPT_BYTES_MAX = 16 * 1024 * 1024;
/** A consumer that has taken nothing for this long is stalled: what was opened for it is given back. */
const STALL_MS = 50;

let keptBytes = 0;

/**
 * Plaintext [from, to) of a sealed blob as a stream. Each read fetches whole segments (up to
 * SEALED_READ_BYTES of plaintext) into a buffer the blob store lends, opens them there one after
 * another and pushes each segment's plaintext (decryption writes a fresh buffer anyway): no stream, async
 * generator or promise per segment, no buffer allocated per read.
 *
 * Back-pressure: segments opened and not yet taken wait in a queue, so the consumer's next
 * _read() is answered at once and nothing is read or opened twice (giving them back to the
 * reader at the first back-pressure, as this did before, re-read and re-opened half of a 64 MiB
 * GET: 514 reads, 1.5× its bytes); the next read starts when the queue is half spent. A stalled
 * consumer still holds about one segment: after STALL_MS without a _read() (or at once when the
 * process already keeps KEPT_BYTES_MAX in such queues) the queued segments are given back to
 * the reader and read again when asked for. The read size follows the consumer: it doubles (up
 * to SEALED_READ_BYTES) while nothing is given back, and shrinks to what was taken when
 * segments were.
 */
export class SealedReadStream extends Readable {
  /** A read (and its opening) is in flight. */
  private reading = false;
  /** The reader is exhausted. */
  private ended = false;
  /** The next segment to read. */
  private segment: number;
  private readonly stride: number;
  /** Segments per read: adapted to what the consumer took of the last one. */
  private segmentsPerRead: number;
  private readonly segmentsPerReadMax: number;
  /** Opened segments not pushed yet (each trimmed to [from, to)), and their sealed and plaintext bytes. */
  private readonly queue: Buffer[] = [];
  private queuedSealed = 0;
  private queuedPlain = 0;
  /** Segments taken by the consumer since the last read completed (the read size after a give-back). */
  private takenOfRead = 0;
  /** Segments were given back since the last read completed: the read size is not to grow. */
  private shrunk = false;
  private stallTimer: NodeJS.Timeout | undefined;
  /** The stall timer fired during a read: give back everything once it completes. */
  private giveBackAfterRead = false;

  constructor(
    private readonly reader: BlobChunkReader,
    private readonly key: Buffer,
    private readonly layout: SegmentLayout,
    firstSegment: number,
    private readonly from: number,
    private readonly to: number,
  ) {
    // One segment's plaintext may wait in the stream's own buffer for a consumer not taking it.
    super({ highWaterMark: layout.segmentBytes });
    this.segment = firstSegment;
    this.stride = layout.segmentBytes + TAG_BYTES;
    this.segmentsPerReadMax = SealedReadStream.chunkBytes(layout) / this.stride;
    this.segmentsPerRead = this.segmentsPerReadMax;
  }

  /** The read size for a layout: the sealed bytes of the most whole segments whose plaintext fits SEALED_READ_BYTES (one at least). */
  static chunkBytes(layout: SegmentLayout): number {
    return Math.max(1, Math.floor(SEALED_READ_BYTES / layout.segmentBytes)) * (layout.segmentBytes + TAG_BYTES);
  }

  override _read(): void {
    // The consumer is back: nothing is to be given back, not even after a read in flight.
    this.clearStallTimer();
    this.giveBackAfterRead = false;
    this.flush();
  }

  /** Pushes queued segments until the consumer has enough, then reads more if the queue runs low. */
  private flush(): void {
    let wantsMore = true;
    while (this.queue.length > 0 && wantsMore) {
      const plain = this.queue.shift()!;
      this.queuedSealed -= Math.min(this.stride, this.queuedSealed);
      this.queuedPlain -= plain.length;
      keptBytes -= plain.length;
      this.takenOfRead++;
      wantsMore = this.push(plain);
    }
    if (this.queue.length === 0) {
      this.queuedSealed = 0;
      if (this.ended) {
        if (!this.reading) this.push(null);
        return;
      }
    }
    if (!this.reading && !this.ended && this.queue.length <= this.segmentsPerRead / 2) this.readMore();
    if (this.queue.length > 0 && !wantsMore) this.stalling();
  }

  /** The consumer stopped with segments queued: keep them a little while, or at once give them back. */
  private stalling(): void {
    if (keptBytes > KEPT_BYTES_MAX) return this.giveBack();
    this.stallTimer ??= setTimeout(() => {
      this.stallTimer = undefined;
      this.giveBack();
    }, STALL_MS).unref();
  }

  private clearStallTimer(): void {
    if (!this.stallTimer) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  /** Queued segments go back to the reader (read and opened again when asked for). */
  private giveBack(): void {
    if (this.reading) {
      this.giveBackAfterRead = true;
      return;
    }
    if (this.queue.length === 0 || this.destroyed) return;
    this.reader.unread(this.queuedSealed);
    this.segment -= this.queue.length;
    this.ended = false; // what was given back is still to be read
    this.segmentsPerRead = Math.max(1, this.takenOfRead);
    this.shrunk = true;
    keptBytes -= this.queuedPlain;
    this.queue.length = 0;
    this.queuedSealed = this.queuedPlain = 0;
  }

  private readMore(): void {
    this.reading = true;
    this.reader.next((error, sealed) => {
      if (this.destroyed) return;
      if (error) return void this.destroy(error);
      this.reading = false;
      if (sealed.length === 0) {
        this.ended = true;
        if (!this.giveBackAfterRead) return this.flush();
        this.giveBackAfterRead = false;
        return this.giveBack();
      }
      // The whole read is opened now (decryption writes fresh buffers: the lent one is free
      // once this returns), queued (trimmed to [from, to)) and pushed as far as the consumer takes it.
      const segmentBytes = this.layout.segmentBytes;
      try {
        for (let at = 0; at < sealed.length; at += this.stride, this.segment++) {
          const plain = openSegment(sealed.subarray(at, Math.min(at + this.stride, sealed.length)), this.key, this.layout.nonceBase, this.segment);
          const position = this.segment * segmentBytes;
          const start = Math.max(this.from - position, 0);
          const end = Math.min(this.to - position, plain.length);
          const piece = start === 0 && end === plain.length ? plain : plain.subarray(start, end);
          this.queue.push(piece);
          this.queuedPlain += piece.length;
          keptBytes += piece.length;
        }
      } catch (failure) {
        return void this.destroy(failure as Error);
      }
      this.queuedSealed += sealed.length;
      // Nothing given back since the last read: the consumer keeps up, the next read may be larger.
      if (!this.shrunk) this.segmentsPerRead = Math.min(this.segmentsPerReadMax, this.segmentsPerRead * 2);
      this.shrunk = false;
      this.takenOfRead = 0;
      if (!this.giveBackAfterRead) return this.flush();
      this.giveBackAfterRead = false;
      this.giveBack();
    }, this.segmentsPerRead * this.stride);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearStallTimer();
    keptBytes -= this.queuedPlain;
    this.queue.length = 0;
    this.queuedSealed = this.queuedPlain = 0;
    this.reader.close();
    callback(error);
  }
}
