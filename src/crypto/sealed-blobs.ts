import { Readable } from 'node:stream';
import { BlobTooLargeError, type BlobStore } from '../store/blob/blob-store.js';
import type { BlobSealing, Extent } from '../store/meta/metadata-store.js';
import { newDataKey, unwrapKey, wrapKey } from './key-wrap.js';
import type { MasterKeyRing } from './key-ring.js';
import { newLayout, openSealedBuffer, sealedRange, sealedSize, sealSegments, type SegmentLayout } from './segments.js';
import { SealedReadStream } from './sealed-read-stream.js';

/** A key other than the master key that wraps data keys: the customer's (SSE-C) or a KMS key's material. */
export interface WrappingKey {
  /** Stored with the blob: CUSTOMER_KEY_ID, or 'kms:<key id>'. */
  readonly keyId: string;
  readonly key: Buffer;
}

/**
 * The data keys of one request: new blobs' keys are wrapped by the request's wrapping key when
 * there is one (SSE-C, SSE-KMS), else by the current master key (SSE-S3); sealed blobs' keys are
 * unwrapped by whichever wrapped them.
 */
export class DataKeys {
  constructor(private readonly masters: MasterKeyRing, private readonly wrapping?: WrappingKey) {}

  newKey(): { dataKey: Buffer; keyId: string; wrappedKey: Buffer } {
    const dataKey = newDataKey();
    if (this.wrapping) return { dataKey, keyId: this.wrapping.keyId, wrappedKey: wrapKey(this.wrapping.key, dataKey) };
    return { dataKey, keyId: this.masters.currentKeyId, wrappedKey: this.masters.wrap(dataKey) };
  }

  /** The data key of a sealed blob; throws when this request does not hold the key that wrapped it. */
  open(sealing: BlobSealing): Buffer {
    if (this.masters.has(sealing.keyId)) return this.masters.unwrap(sealing.keyId, sealing.wrappedKey);
    const key = sealing.keyId === this.wrapping?.keyId ? unwrapKey(this.wrapping.key, Buffer.from(sealing.wrappedKey, 'base64')) : undefined;
    if (!key) throw new Error(`a blob sealed under ${sealing.keyId} was read without that key`);
    return key;
  }
}

export interface SealedBlob {
  readonly blobId: string;
  /** Plaintext bytes. */
  readonly size: number;
  readonly sealing: BlobSealing;
  /** The data key (for an ETag derived from it); never stored in clear. */
  readonly dataKey: Buffer;
}

/** Writes `plain` as a new sealed blob (durable when this resolves, as BlobStore.write). */
export async function writeSealedBlob(blobs: BlobStore, plain: AsyncIterable<Buffer>, keys: DataKeys, maxPlainBytes: number): Promise<SealedBlob> {
  return seal(plain, keys, async (sealed, layout) => (await blobs.write(sealed, { maxBytes: sealedSize(maxPlainBytes, layout.segmentBytes) })).blobId);
}

/**
 * Seals `plain` (at most `maxPlainBytes`, BlobTooLargeError beyond) into one buffer instead of a
 * blob file: the bytes of an inline extent, made durable by the metadata commit that stores them.
 */
export async function sealInline(plain: AsyncIterable<Buffer>, keys: DataKeys, maxPlainBytes: number): Promise<SealedBlob & { readonly inline: Buffer }> {
  let inline: Buffer = EMPTY;
  const blob = await seal(plain, keys, async (sealed, layout) => {
    const maxBytes = sealedSize(maxPlainBytes, layout.segmentBytes);
    const pieces: Buffer[] = [];
    let bytes = 0;
    for await (const piece of sealed) {
      bytes += piece.length;
      if (bytes > maxBytes) throw new BlobTooLargeError(maxBytes);
      pieces.push(piece);
    }
    inline = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, bytes);
    return '';
  });
  return { ...blob, inline };
}

const EMPTY = Buffer.alloc(0);

async function seal(plain: AsyncIterable<Buffer>, keys: DataKeys, store: (sealed: AsyncIterable<Buffer>, layout: SegmentLayout) => Promise<string>): Promise<SealedBlob> {
  const { dataKey, keyId, wrappedKey } = keys.newKey();
  const layout = newLayout();
  let size = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of plain) {
      size += chunk.length;
      yield chunk;
    }
  }
  const blobId = await store(sealSegments(counted(), dataKey, layout), layout);
  return {
    blobId,
    size,
    dataKey,
    sealing: { keyId, wrappedKey: wrappedKey.toString('base64'), nonceBase: layout.nonceBase.toString('base64'), segmentBytes: layout.segmentBytes, blobBytes: size },
  };
}

/** Plaintext [from, to) of an extent's blob, kept inline or in a blob file. */
export function readExtent(blobs: BlobStore, extent: Extent, from: number, to: number, keys: DataKeys): Readable {
  return readBlob(extent.inline ? inlineBlobs(extent.inline) : blobs, extent.blobId, from, to, extent.sealing, keys);
}

/** An inline extent's bytes behind the BlobStore reads (the reads of sealed blobs work on either). */
function inlineBlobs(bytes: Buffer): Pick<BlobStore, 'read' | 'readChunks'> {
  return {
    read: (_blobId, start, end) => Readable.from([bytes.subarray(start, end)], { objectMode: false }),
    readChunks: (_blobId, start, end) => {
      let at = start;
      return {
        next: (callback, count = end - at) => {
          const chunk = bytes.subarray(at, Math.min(end, at + count));
          at += chunk.length;
          callback(null, chunk);
        },
        unread: (count) => {
          at -= count;
        },
        close: () => {},
      };
    },
  };
}

function layoutOf(sealing: BlobSealing): SegmentLayout {
  return { nonceBase: Buffer.from(sealing.nonceBase, 'base64'), segmentBytes: sealing.segmentBytes };
}

/** Plaintext [from, to) of a blob, sealed or (written before encryption at rest) in clear. */
export function readBlob(blobs: Pick<BlobStore, 'read' | 'readChunks'>, blobId: string, from: number, to: number, sealing: BlobSealing | undefined, keys: DataKeys): Readable {
  if (!sealing) return blobs.read(blobId, from, to);
  const key = keys.open(sealing);
  const layout = layoutOf(sealing);
  const range = sealedRange(from, to, sealing.blobBytes, sealing.segmentBytes);
  const reader = blobs.readChunks(blobId, range.start, range.end, SealedReadStream.chunkBytes(layout));
  return new SealedReadStream(reader, key, layout, range.firstSegment, from, to);
}

/** Plaintext [from, to) of an inline extent (`inline` set), opened synchronously. */
export function openInline(piece: { readonly extent: Extent; readonly from: number; readonly to: number }, keys: DataKeys): Buffer {
  const { extent, from, to } = piece;
  const bytes = extent.inline!;
  if (!extent.sealing) return bytes.subarray(from, to);
  const range = sealedRange(from, to, extent.sealing.blobBytes, extent.sealing.segmentBytes);
  return openSealedBuffer(bytes.subarray(range.start, range.end), keys.open(extent.sealing), layoutOf(extent.sealing), from, to);
}

/** The same in one buffer, read with BlobStore.readBuffer (small reads). */
export async function readBlobBuffer(
  readBuffer: (blobId: string, start: number, end: number) => Promise<Buffer>,
  blobId: string,
  from: number,
  to: number,
  sealing: BlobSealing | undefined,
  keys: DataKeys,
): Promise<Buffer> {
  if (!sealing) return readBuffer(blobId, from, to);
  const key = keys.open(sealing);
  const range = sealedRange(from, to, sealing.blobBytes, sealing.segmentBytes);
  return openSealedBuffer(await readBuffer(blobId, range.start, range.end), key, layoutOf(sealing), from, to);
}
