import { Readable } from 'node:stream';
import type { BlobChunkReader, BlobStore } from '../store/blob/blob-store.js';
import type { BlobSealing, Extent, OuterLayer } from '../store/meta/metadata-store.js';
import { newDataKey, unwrapKey, wrapKey } from './key-wrap.js';
import type { MasterKeyRing } from './key-ring.js';
import { pooledRandomBytes } from './random-pool.js';
import { newLayout, NONCE_BYTES, openSealedBuffer, openSegmentsOf, sealBuffer, sealedRange, sealedSize, sealSegments, storedSize, TAG_BYTES, type SegmentLayout } from './segments.js';
import { SealedReadStream } from './sealed-read-stream.js';
import { readOnWorker, WORKER_READ_BYTES_MIN } from './worker-reads.js';
import type { UnwrappedKeys } from './unwrapped-keys.js';
import { OPENED_INLINE_BYTES_MAX, OpenedInlineCache } from './opened-inline.js';

/** A key other than the master key that wraps data keys: the customer's (SSE-C) or a KMS key's material. */
export interface WrappingKey {
  /** Stored with the blob: CUSTOMER_KEY_ID, or 'kms:<key id>'. */
  readonly keyId: string;
  readonly key: Buffer;
  /**
   * SSE-KMS: the object's encryption context (canonical bytes), the authenticated data of every
   * data key this key wraps: a wrapped key moved to another object fails to unwrap.
   */
  readonly context?: Buffer;
  /**
   * SSE-KMS: where this key's unwrapped data keys are remembered across requests (the caller
   * checked the KMS key's state before building this). Never for SSE-C: the customer's key must
   * be presented and checked each time.
   */
  readonly cache?: UnwrappedKeys;
}

/** A new data key, and how it is stored. */
export interface NewDataKey {
  readonly dataKey: Buffer;
  readonly keyId: string;
  readonly wrappedKey: Buffer;
  readonly version?: 2;
}

/** Authenticated data of an outer-layer data key: the context, told apart from the inner key's. */
const OUTER_LAYER_LABEL = Buffer.from('coffer dsse outer layer\0');

export class DataKeyUnavailableError extends Error {
  constructor(keyId: string) {
    super(`a data key wrapped under ${keyId} failed to unwrap (another key, or another object's encryption context)`);
    this.name = 'DataKeyUnavailableError';
  }
}

/**
 * The data keys of one request: new blobs' keys are wrapped by the request's wrapping key when
 * there is one (SSE-C, SSE-KMS), else by the current master key (SSE-S3); sealed blobs' keys are
 * unwrapped by whichever wrapped them. `dualLayer` (DSSE-KMS): new blobs get a second, outer layer
 * under a second data key.
 */
export class DataKeys {
  /**
   * `unavailable`: the error a data key that fails to unwrap is reported with (KMS's, for
   * SSE-KMS: a tampered or moved record is the request's answer, not an internal error).
   */
  constructor(
    private readonly masters: MasterKeyRing,
    private readonly wrapping?: WrappingKey,
    readonly dualLayer = false,
    private readonly unavailable: (keyId: string) => Error = (keyId) => new DataKeyUnavailableError(keyId),
  ) {}

  newKey(layer: 'inner' | 'outer' = 'inner'): NewDataKey {
    const dataKey = newDataKey();
    const wrapping = this.wrapping;
    if (!wrapping) return { dataKey, keyId: this.masters.currentKeyId, wrappedKey: this.masters.wrap(dataKey) };
    if (!wrapping.context) return { dataKey, keyId: wrapping.keyId, wrappedKey: wrapKey(wrapping.key, dataKey) };
    return { dataKey, keyId: wrapping.keyId, wrappedKey: wrapKey(wrapping.key, dataKey, layerAad(wrapping.context, layer)), version: 2 };
  }

  /** The data key of a sealed blob; throws when this request does not hold the key that wrapped it. */
  open(sealing: BlobSealing): Buffer {
    return this.unwrap(sealing, sealing.wrappedKey, 'inner');
  }

  /** The data key of a dual-layer blob's outer layer. */
  openOuter(sealing: BlobSealing & { outer: OuterLayer }): Buffer {
    return this.unwrap(sealing, sealing.outer.wrappedKey, 'outer');
  }

  /**
   * Whether the data keys of `sealing` are ones the server keeps in memory once unwrapped: a
   * master key's (SSE-S3) or a KMS key's. Never the customer's (SSE-C), whose key each read must
   * present and whose data keys are not kept.
   */
  keptInMemory(sealing: BlobSealing): boolean {
    return this.masters.has(sealing.keyId) || (this.wrapping?.keyId === sealing.keyId && this.wrapping.cache !== undefined);
  }

  /**
   * The same blob's sealing with its data keys wrapped for `target` (another object's encryption
   * context): what a copy that shares the blob (local replication) stores.
   */
  rebind(sealing: BlobSealing, target: DataKeys): BlobSealing {
    if (this.masters.has(sealing.keyId) || !target.wrapping) return sealing;
    const rewrap = (wrapped: string, layer: 'inner' | 'outer') => target.wrapKeyOf(this.unwrap(sealing, wrapped, layer), layer);
    const inner = rewrap(sealing.wrappedKey, 'inner');
    return {
      ...sealing,
      keyId: inner.keyId,
      wrappedKey: inner.wrappedKey,
      version: inner.version,
      ...(sealing.outer ? { outer: { ...sealing.outer, wrappedKey: rewrap(sealing.outer.wrappedKey, 'outer').wrappedKey } } : {}),
    };
  }

  private wrapKeyOf(dataKey: Buffer, layer: 'inner' | 'outer'): { keyId: string; wrappedKey: string; version?: 2 } {
    const { keyId, key, context } = this.wrapping!;
    const wrapped = wrapKey(key, dataKey, context && layerAad(context, layer)).toString('base64');
    return context ? { keyId, wrappedKey: wrapped, version: 2 } : { keyId, wrappedKey: wrapped };
  }

  private unwrap(sealing: BlobSealing, wrappedBase64: string, layer: 'inner' | 'outer'): Buffer {
    if (this.masters.has(sealing.keyId)) return this.masters.unwrap(sealing.keyId, wrappedBase64);
    const wrapping = this.wrapping;
    if (sealing.keyId !== wrapping?.keyId) throw this.unavailable(sealing.keyId);
    // Version 1 records (written before contexts were bound) were wrapped without authenticated data.
    const aad = sealing.version === 2 ? wrapping.context && layerAad(wrapping.context, layer) : undefined;
    if (sealing.version === 2 && !aad) throw this.unavailable(sealing.keyId);
    const cached = wrapping.cache?.get(sealing.keyId, wrappedBase64, aad);
    if (cached) return cached;
    const key = unwrapKey(wrapping.key, Buffer.from(wrappedBase64, 'base64'), aad);
    if (!key) throw this.unavailable(sealing.keyId);
    wrapping.cache?.set(sealing.keyId, wrappedBase64, key, aad);
    return key;
  }
}

function layerAad(context: Buffer, layer: 'inner' | 'outer'): Buffer {
  return layer === 'inner' ? context : Buffer.concat([OUTER_LAYER_LABEL, context]);
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
  return seal(plain, keys, async (sealed, maxStoredBytes) => (await blobs.write(sealed, { maxBytes: maxStoredBytes(maxPlainBytes) })).blobId);
}

/**
 * Seals `plain`, a whole small body in memory, into one buffer instead of a blob file: the bytes
 * of an inline extent, made durable by the metadata commit that stores them.
 */
export function sealInline(plain: Buffer, keys: DataKeys): SealedBlob & { readonly inline: Buffer } {
  const inner = keys.newKey();
  const layout = newLayout();
  const outer = keys.dualLayer ? newOuterLayer(keys, layout) : undefined;
  const sealed = sealBuffer(plain, inner.dataKey, layout);
  const inline = outer ? sealBuffer(sealed, outer.key, outer.layout) : sealed;
  return { blobId: '', size: plain.length, dataKey: inner.dataKey, sealing: sealingOf(inner, layout, plain.length, outer?.record), inline };
}

function sealingOf(inner: NewDataKey, layout: SegmentLayout, size: number, outer: OuterLayer | undefined): BlobSealing {
  return {
    keyId: inner.keyId,
    wrappedKey: inner.wrappedKey.toString('base64'),
    nonceBase: layout.nonceBase.toString('base64'),
    segmentBytes: layout.segmentBytes,
    blobBytes: size,
    ...(inner.version ? { version: inner.version } : {}),
    ...(outer ? { outer } : {}),
  };
}

/** DSSE's second layer for a blob sealed with `inner`: a data key of its own, segments lined up with the inner ones. */
function newOuterLayer(keys: DataKeys, inner: SegmentLayout): { key: Buffer; layout: SegmentLayout; record: OuterLayer } {
  const outerKey = keys.newKey('outer');
  const layout = outerLayoutOf(inner.segmentBytes, pooledRandomBytes(NONCE_BYTES));
  return { key: outerKey.dataKey, layout, record: { wrappedKey: outerKey.wrappedKey.toString('base64'), nonceBase: layout.nonceBase.toString('base64') } };
}

async function seal(plain: AsyncIterable<Buffer>, keys: DataKeys, store: (sealed: AsyncIterable<Buffer>, maxStoredBytes: (plainBytes: number) => number) => Promise<string>): Promise<SealedBlob> {
  const inner = keys.newKey();
  const layout = newLayout();
  let size = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of plain) {
      size += chunk.length;
      yield chunk;
    }
  }
  const outer = keys.dualLayer ? newOuterLayer(keys, layout) : undefined;
  const sealed = sealSegments(counted(), inner.dataKey, layout);
  const blobId = await store(outer ? sealSegments(sealed, outer.key, outer.layout) : sealed, (plainBytes) => storedSize(plainBytes, layout.segmentBytes, outer !== undefined));
  return { blobId, size, dataKey: inner.dataKey, sealing: sealingOf(inner, layout, size, outer?.record) };
}

/**
 * The outer layer of a dual-layer blob seals the inner layer's stored bytes in segments of one
 * inner segment and its tag: inner and outer segments line up, so a range opens whole segments of both.
 */
function outerLayoutOf(segmentBytes: number, nonceBase: Buffer): SegmentLayout {
  return { nonceBase, segmentBytes: segmentBytes + TAG_BYTES };
}

/**
 * How a read's stream is consumed. `offLoop`: it goes straight into a response (a GET's single
 * extent), so a large one may be opened on a worker thread (./worker-reads.ts).
 */
export interface ReadOptions {
  readonly offLoop?: boolean;
}

/** Plaintext [from, to) of an extent's blob, kept inline or in a blob file. */
export function readExtent(blobs: BlobStore, extent: Extent, from: number, to: number, keys: DataKeys, options?: ReadOptions): Readable {
  return readBlob(extent.inline ? inlineBlobs(extent.inline) : blobs, extent.blobId, from, to, extent.sealing, keys, options);
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
export function readBlob(
  blobs: Pick<BlobStore, 'read' | 'readChunks' | 'openForReading'>,
  blobId: string,
  from: number,
  to: number,
  sealing: BlobSealing | undefined,
  keys: DataKeys,
  options?: ReadOptions,
): Readable {
  if (!sealing) return blobs.read(blobId, from, to);
  const key = keys.open(sealing);
  const layout = layoutOf(sealing);
  const range = sealedRange(from, to, sealing.blobBytes, sealing.segmentBytes);
  if (options?.offLoop && !sealing.outer && blobs.openForReading && to - from >= WORKER_READ_BYTES_MIN) {
    const open = blobs.openForReading.bind(blobs, blobId);
    const offLoop = readOnWorker({ blobId, open, key, layout, range, from, to });
    if (offLoop) return offLoop;
  }
  const chunkBytes = SealedReadStream.chunkBytes(layout);
  const reader = sealing.outer
    ? new OuterLayerReader(blobs, blobId, outerRead(sealing as BlobSealing & { outer: OuterLayer }, range, keys), chunkBytes)
    : blobs.readChunks(blobId, range.start, range.end, chunkBytes);
  return new SealedReadStream(reader, key, layout, range.firstSegment, from, to);
}

/**
 * Plaintext [from, to) of an inline extent (`inline` set), opened synchronously. The Buffer may be
 * shared with later reads of the same object (opened-inline.ts): callers must not write to it.
 */
export function openInline(piece: { readonly extent: Extent; readonly from: number; readonly to: number }, keys: DataKeys): Buffer {
  const { extent, from, to } = piece;
  const bytes = extent.inline!;
  const sealing = extent.sealing;
  if (!sealing) return bytes.subarray(from, to);
  const read = (start: number, end: number) => bytes.subarray(start, end);
  // SSE-C plaintext is never kept: memory holds nothing that opens it once the request is over.
  if (!keys.keptInMemory(sealing)) return openStored(sealing, from, to, keys, read);
  const opened = openedInline.get(bytes);
  if (opened === undefined) {
    // The whole blob: an inline one is a single segment, opened whole for any range of it.
    const plain = openStored(sealing, 0, sealing.blobBytes, keys, read);
    openedInline.opened(bytes, plain);
    return plain.subarray(from, to);
  }
  // This request's keys must open the data keys, as opening the bytes would (opened-inline.ts).
  keys.open(sealing);
  if (sealing.outer) keys.openOuter(sealing as BlobSealing & { outer: OuterLayer });
  return opened.subarray(from, to);
}

/** Small objects' plaintext, by their sealed bytes (opened-inline.ts). */
const openedInline = new OpenedInlineCache(OPENED_INLINE_BYTES_MAX);

/**
 * Plaintext [from, to) of a sealed blob from its stored bytes, read with `read` (synchronously
 * opened): the inner layer's segments, or for a dual-layer blob the outer layer's opened first.
 */
function openStored(sealing: BlobSealing, from: number, to: number, keys: DataKeys, read: (start: number, end: number) => Buffer): Buffer {
  const key = keys.open(sealing);
  const range = sealedRange(from, to, sealing.blobBytes, sealing.segmentBytes);
  const sealed = sealing.outer ? outerRead(sealing as BlobSealing & { outer: OuterLayer }, range, keys).openBuffer(read) : read(range.start, range.end);
  return openSealedBuffer(sealed, key, layoutOf(sealing), from, to);
}

/**
 * A dual-layer blob's stored range that holds the inner layer's bytes `inner`, and how to open it
 * into them: the outer layer is opened first, then the inner one, each segment checked by its tag.
 */
function outerRead(sealing: BlobSealing & { outer: OuterLayer }, inner: { start: number; end: number }, keys: DataKeys) {
  const key = keys.openOuter(sealing);
  const layout = outerLayoutOf(sealing.segmentBytes, Buffer.from(sealing.outer.nonceBase, 'base64'));
  const range = sealedRange(inner.start, inner.end, sealedSize(sealing.blobBytes, sealing.segmentBytes), layout.segmentBytes);
  return {
    ...range,
    key,
    layout,
    openBuffer: (read: (start: number, end: number) => Buffer) => openSealedBuffer(read(range.start, range.end), key, layout, inner.start, inner.end),
  };
}

/**
 * The inner layer's sealed bytes of a dual-layer blob, chunk by chunk: each chunk of the stored
 * (outer) bytes is read whole segments at a time and opened here, so SealedReadStream opens the
 * inner layer as it does a single-layer blob. An inner segment (with its tag) is one outer
 * segment's plaintext; the outer one adds a tag of its own.
 */
class OuterLayerReader implements BlobChunkReader {
  private readonly stored: BlobChunkReader;
  /** The outer segment the next stored chunk starts with (its nonce). */
  private segment: number;

  constructor(blobs: Pick<BlobStore, 'readChunks'>, blobId: string, private readonly outer: ReturnType<typeof outerRead>, innerChunkBytes: number) {
    this.segment = outer.firstSegment;
    const innerStride = outer.layout.segmentBytes;
    this.stored = blobs.readChunks(blobId, outer.start, outer.end, (innerChunkBytes / innerStride) * (innerStride + TAG_BYTES));
  }

  next(callback: (error: Error | null, chunk: Buffer) => void, bytes?: number): void {
    const innerStride = this.outer.layout.segmentBytes;
    const storedBytes = bytes === undefined ? undefined : Math.ceil(bytes / innerStride) * (innerStride + TAG_BYTES);
    this.stored.next((error, chunk) => {
      if (error || chunk.length === 0) return callback(error, chunk);
      const pieces: Buffer[] = [];
      let opened: Buffer;
      try {
        // The whole segments of the chunk, from the plaintext start of its first one.
        const from = this.segment * innerStride;
        openSegmentsOf(chunk, this.outer.key, this.outer.layout, this.segment, from, Number.MAX_SAFE_INTEGER, (plain) => pieces.push(plain));
        this.segment += pieces.length;
        opened = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      } catch (failure) {
        return callback(failure as Error, chunk);
      }
      callback(null, opened);
    }, storedBytes);
  }

  unread(bytes: number): void {
    // Whole inner segments (the last maybe short), each one outer segment.
    const segments = Math.ceil(bytes / this.outer.layout.segmentBytes);
    this.segment -= segments;
    this.stored.unread(bytes + segments * TAG_BYTES);
  }

  close(): void {
    this.stored.close();
  }
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
  // The stored range first (the outer layer's for a dual-layer blob), then opened synchronously.
  const range = storedRange(sealing, from, to, keys);
  const stored = await readBuffer(blobId, range.start, range.end);
  return openStored(sealing, from, to, keys, (start, end) => stored.subarray(start - range.start, end - range.start));
}

/** The bytes of a sealed blob's stored form that hold plaintext [from, to). */
function storedRange(sealing: BlobSealing, from: number, to: number, keys: DataKeys): { start: number; end: number } {
  const range = sealedRange(from, to, sealing.blobBytes, sealing.segmentBytes);
  return sealing.outer ? outerRead(sealing as BlobSealing & { outer: OuterLayer }, range, keys) : range;
}
