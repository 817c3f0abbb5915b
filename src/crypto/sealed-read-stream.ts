import { Readable } from 'node:stream';
import type { BlobChunkReader } from '../store/blob/blob-store.js';
import { openSegment, TAG_BYTES, type SegmentLayout } from './segments.js';

/** Sealed blobs are read up to this much at a time (whole segments): one read per ~1 MiB, not per segment. */
export const SEALED_READ_BYTES = 1024 * 1024;

/**
 * Plaintext [from, to) of a sealed blob as a stream. Each read fetches whole segments (up to
 * SEALED_READ_BYTES) into a buffer the blob store lends, and opens them there one after another,
 * pushing each segment's plaintext (decryption writes a fresh buffer anyway): no stream, async
 * generator or promise per segment, no buffer allocated per read. It stops at the consumer's
 * back-pressure: the segments not opened yet are given back to the reader (read again next
 * time), so a stalled client holds about one segment here, as before, not a whole read. The
 * read size follows the consumer: it doubles (up to SEALED_READ_BYTES) while whole reads are
 * taken, and shrinks to what was taken when back-pressure stopped one, so little is read twice.
 */
export class SealedReadStream extends Readable {
  private reading = false;
  private segment: number;
  private readonly stride: number;
  /** Segments per read: adapted to what the consumer took of the last one. */
  private segmentsPerRead: number;
  private readonly segmentsPerReadMax: number;

  constructor(
    private readonly reader: BlobChunkReader,
    private readonly key: Buffer,
    private readonly layout: SegmentLayout,
    firstSegment: number,
    private readonly from: number,
    private readonly to: number,
  ) {
    // One segment's plaintext may wait here for a consumer that is not taking it.
    super({ highWaterMark: layout.segmentBytes });
    this.segment = firstSegment;
    this.stride = layout.segmentBytes + TAG_BYTES;
    this.segmentsPerReadMax = SealedReadStream.chunkBytes(layout) / this.stride;
    this.segmentsPerRead = this.segmentsPerReadMax;
  }

  /** The read size for a layout: the most whole sealed segments that fit SEALED_READ_BYTES (one at least). */
  static chunkBytes(layout: SegmentLayout): number {
    const stride = layout.segmentBytes + TAG_BYTES;
    return Math.max(1, Math.floor(SEALED_READ_BYTES / stride)) * stride;
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    this.reader.next((error, sealed) => {
      this.reading = false;
      if (this.destroyed) return;
      if (error) return void this.destroy(error);
      if (sealed.length === 0) return void this.push(null);
      let at = 0;
      try {
        let wantsMore = true;
        while (at < sealed.length && wantsMore) {
          const end = Math.min(at + this.stride, sealed.length);
          wantsMore = this.push(this.open(sealed.subarray(at, end)));
          at = end;
        }
      } catch (failure) {
        return void this.destroy(failure as Error);
      }
      if (at < sealed.length) {
        this.reader.unread(sealed.length - at);
        this.segmentsPerRead = Math.max(1, Math.ceil(at / this.stride));
      } else {
        this.segmentsPerRead = Math.min(this.segmentsPerReadMax, this.segmentsPerRead * 2);
      }
    }, this.segmentsPerRead * this.stride);
  }

  /** The part of the next segment's plaintext that lies in [from, to). */
  private open(sealedSegment: Buffer): Buffer {
    const plain = openSegment(sealedSegment, this.key, this.layout.nonceBase, this.segment);
    const position = this.segment * this.layout.segmentBytes;
    this.segment++;
    const start = Math.max(this.from - position, 0);
    const end = Math.min(this.to - position, plain.length);
    return start === 0 && end === plain.length ? plain : plain.subarray(start, end);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.reader.close();
    callback(error);
  }
}
