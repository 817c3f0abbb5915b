import { Readable } from 'node:stream';
import type { BlobChunkReader } from '../store/blob/blob-store.js';
import { openSegmentsOf, TAG_BYTES, type SegmentLayout } from './segments.js';

/** Sealed blobs are read this much at a time (whole segments): one read per ~1 MiB, not per segment. */
export const SEALED_READ_BYTES = 1024 * 1024;

/**
 * Plaintext [from, to) of a sealed blob as a stream. Each read fetches whole segments (about
 * SEALED_READ_BYTES) into the reader's one reused buffer and opens them there at once, pushing
 * each segment's plaintext (decryption needs a fresh buffer for its output anyway): no stream,
 * async generator or promise per segment, and no buffer allocated per read. It keeps about one
 * read's plaintext ahead of its consumer (highWaterMark), so a stalled client holds ~2 MiB.
 */
export class SealedReadStream extends Readable {
  private reading = false;
  private segment: number;

  constructor(
    private readonly reader: BlobChunkReader,
    private readonly key: Buffer,
    private readonly layout: SegmentLayout,
    firstSegment: number,
    private readonly from: number,
    private readonly to: number,
  ) {
    super({ highWaterMark: SEALED_READ_BYTES });
    this.segment = firstSegment;
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
      try {
        openSegmentsOf(sealed, this.key, this.layout, this.segment, this.from, this.to, (plain) => this.push(plain));
      } catch (failure) {
        return void this.destroy(failure as Error);
      }
      this.segment += Math.ceil(sealed.length / (this.layout.segmentBytes + TAG_BYTES));
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.reader.close();
    callback(error);
  }
}
