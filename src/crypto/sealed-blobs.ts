import { Readable } from 'node:stream';
import type { BlobStore } from '../store/blob/blob-store.js';
import type { BlobSealing, Extent } from '../store/meta/metadata-store.js';
import { newDataKey, unwrapKey, wrapKey } from './key-wrap.js';
import type { MasterKeyRing } from './key-ring.js';
import { newLayout, openSegments, sealBuffer, sealedRange, sealedSize, sealSegments, TAG_BYTES, type SegmentLayout } from './segments.js';

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
 * Seals `plain`, a whole small body in memory, into one buffer instead of a blob file: the bytes
 * of an inline extent, made durable by the metadata commit that stores them.
 */
export function sealInline(plain: Buffer, keys: DataKeys): SealedBlob & { readonly inline: Buffer } {
  const { dataKey, keyId, wrappedKey } = keys.newKey();
  const layout = newLayout();
  return {
    blobId: '',
    size: plain.length,
    dataKey,
    sealing: sealingOf(keyId, wrappedKey, layout, plain.length),
    inline: sealBuffer(plain, dataKey, layout),
  };
}

function sealingOf(keyId: string, wrappedKey: Buffer, layout: SegmentLayout, size: number): BlobSealing {
  return { keyId, wrappedKey: wrappedKey.toString('base64'), nonceBase: layout.nonceBase.toString('base64'), segmentBytes: layout.segmentBytes, blobBytes: size };
}

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
    sealing: sealingOf(keyId, wrappedKey, layout, size),
  };
}

/** Plaintext [from, to) of an extent's blob, kept inline or in a blob file. */
export function readExtent(blobs: BlobStore, extent: Extent, from: number, to: number, keys: DataKeys): Readable {
  return readBlob(extent.inline ? inlineBlobs(extent.inline) : blobs, extent.blobId, from, to, extent.sealing, keys);
}

/** An inline extent's bytes behind the BlobStore reads (the reads of sealed blobs work on either). */
export function inlineBlobs(bytes: Buffer): { read: BlobStore['read']; readBuffer: NonNullable<BlobStore['readBuffer']> } {
  return {
    read: (_blobId, start, end, options) => Readable.from(chunked(bytes.subarray(start, end), options?.chunkBytes ?? (end - start)), { objectMode: false }),
    readBuffer: async (_blobId, start, end) => bytes.subarray(start, end),
  };
}

function* chunked(bytes: Buffer, chunkBytes: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
}

function layoutOf(sealing: BlobSealing): SegmentLayout {
  return { nonceBase: Buffer.from(sealing.nonceBase, 'base64'), segmentBytes: sealing.segmentBytes };
}

/** Plaintext [from, to) of a blob, sealed or (written before encryption at rest) in clear. */
export function readBlob(blobs: Pick<BlobStore, 'read'>, blobId: string, from: number, to: number, sealing: BlobSealing | undefined, keys: DataKeys): Readable {
  if (!sealing) return blobs.read(blobId, from, to);
  const key = keys.open(sealing);
  const range = sealedRange(from, to, sealing.blobBytes, sealing.segmentBytes);
  // One chunk per segment: each is opened where it lies, none is copied or held across chunks.
  const sealed = blobs.read(blobId, range.start, range.end, { chunkBytes: sealing.segmentBytes + TAG_BYTES }) as AsyncIterable<Buffer>;
  return Readable.from(openSegments(sealed, key, layoutOf(sealing), from, to), { objectMode: false });
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
  const sealed = await readBuffer(blobId, range.start, range.end);
  const pieces: Buffer[] = [];
  for await (const piece of openSegments([sealed], key, layoutOf(sealing), from, to)) pieces.push(piece);
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}
