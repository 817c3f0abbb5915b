import { Readable } from 'node:stream';
import { openInline, readBlobBuffer, readExtent, type DataKeys, type ReadOptions } from '../../crypto/sealed-blobs.js';
import type { BlobStore } from '../../store/blob/blob-store.js';
import type { Extent } from '../../store/meta/metadata-store.js';

/** Reads up to this many bytes are answered from one buffer instead of a stream. */
export const BUFFERED_READ_BYTES_MAX = 128 * 1024;

/**
 * Bytes [start, end) of an object in one buffer, when the store can read that way and the range
 * is small (≤ BUFFERED_READ_BYTES_MAX); undefined otherwise (use readManifest). Sealed blobs are
 * decrypted with `keys`.
 */
export async function readManifestBuffer(blobs: BlobStore, manifest: readonly Extent[], start: number, end: number, keys: DataKeys): Promise<Buffer | undefined> {
  if (!blobs.readBuffer || end - start > BUFFERED_READ_BYTES_MAX) return undefined;
  const pieces = piecesOf(manifest, start, end);
  // The common case, one inline extent, is opened at once: no file, no promise.
  if (pieces.length === 1 && pieces[0]!.extent.inline) return openInline(pieces[0]!, keys);
  const fromFiles = blobs.readBuffer.bind(blobs);
  const buffers = await Promise.all(
    pieces.map((p) => (p.extent.inline ? openInline(p, keys) : readBlobBuffer(fromFiles, p.extent.blobId, p.from, p.to, p.extent.sealing, keys))),
  );
  return buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers);
}

/** The extents [start, end) of the object covers, each with the range of its blob's plaintext read. */
function piecesOf(manifest: readonly Extent[], start: number, end: number): Array<{ extent: Extent; from: number; to: number }> {
  const pieces: Array<{ extent: Extent; from: number; to: number }> = [];
  let position = 0;
  for (const extent of manifest) {
    const extentEnd = position + extent.length;
    if (extentEnd > start && position < end) {
      const from = Math.max(start, position) - position + extent.offset;
      const to = Math.min(end, extentEnd) - position + extent.offset;
      pieces.push({ extent, from, to });
    }
    position = extentEnd;
    if (position >= end) break;
  }
  return pieces;
}

/**
 * Bytes [start, end) of an object made of extents, as one stream — a range may span several
 * parts' blobs. Blobs are opened one after another, only when reached; sealed ones are decrypted
 * with `keys`, segment by segment. `options.offLoop`: the stream goes straight into a response, and
 * a large single-extent read may be opened on a worker thread (several extents are read on the
 * loop: their stream is an async generator's, which would take copies).
 */
export function readManifest(blobs: BlobStore, manifest: readonly Extent[], start: number, end: number, keys: DataKeys, options?: ReadOptions): Readable {
  const pieces = piecesOf(manifest, start, end);
  const read = (p: (typeof pieces)[number], readOptions?: ReadOptions) => readExtent(blobs, p.extent, p.from, p.to, keys, readOptions);
  if (pieces.length === 1) return read(pieces[0]!, options);
  return Readable.from(
    (async function* () {
      for (const piece of pieces) yield* read(piece) as AsyncIterable<Buffer>;
    })(),
    { objectMode: false },
  );
}

/**
 * Resolves with `stream` once its first bytes are read (or it has ended), or rejects with its
 * error: a missing or unreadable blob is then answered with an error instead of a 200 whose body
 * breaks off.
 */
export function whenReadable(stream: Readable): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      stream.off('readable', onReadable);
      stream.off('error', settle);
      // Until the response pipes it (which sees an earlier error too), an error event must not
      // find the stream without a listener: that would crash the process.
      stream.on('error', () => {});
      if (error) reject(error);
      else resolve(stream);
    };
    const onReadable = () => settle();
    stream.once('readable', onReadable);
    stream.once('error', settle);
  });
}
