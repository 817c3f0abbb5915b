import { Readable } from 'node:stream';
import { readWhole } from '../../auth/payload.js';
import { MultiHasher, type ChecksumAlgorithm } from '../../checksum/index.js';
import { sealInline, writeSealedBlob, type DataKeys } from '../../crypto/sealed-blobs.js';
import { SEGMENT_BYTES } from '../../crypto/segments.js';
import { S3Error } from '../../errors.js';
import { BlobTooLargeError, type BlobStore } from '../../store/blob/blob-store.js';
import { blobIdsOf, CommitUncertainError, type Extent } from '../../store/meta/metadata-store.js';
import type { OperationContext, RequestBody } from '../types.js';

export interface Ingested {
  readonly manifest: Extent[];
  readonly size: number;
  readonly md5: Buffer;
  readonly checksums: ReadonlyMap<string, Buffer>;
  /** The data key the blob was sealed with (none for an empty body, which has no blob). */
  readonly dataKey?: Buffer;
}

/**
 * Bodies declared this long or shorter are stored inline, in the version's (or part's) row: one
 * group-committed metadata write makes a batch of them durable, with no blob file and none of its
 * fsyncs (file, directory). One GCM segment at most, so an inline blob is a single sealed unit.
 * Measured: docs/performance.md.
 */
export const INLINE_BYTES_MAX = SEGMENT_BYTES;

/**
 * Streams a request body into a new durable blob (inline when short: INLINE_BYTES_MAX), sealed under a new data key from `keys`, while
 * hashing the plaintext (MD5 for the ETag plus the requested checksums, as AWS computes them
 * whatever the encryption). Only an inline body is ever held whole in memory. If anything fails after the
 * blob was written, callers must delete it (see `discard`).
 */
export async function ingestBody(
  blobs: BlobStore,
  body: RequestBody,
  options: { maxBytes: number; algorithms: readonly ChecksumAlgorithm[]; keys: DataKeys },
): Promise<Ingested> {
  return ingestStream(blobs, body.stream, body.declaredLength, options);
}

/** ingestBody for any plaintext stream (CopyObject re-encrypting its source). */
export async function ingestStream(
  blobs: BlobStore,
  stream: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  declared: number | undefined,
  options: { maxBytes: number; algorithms: readonly ChecksumAlgorithm[]; keys: DataKeys },
): Promise<Ingested> {
  const hasher = new MultiHasher(options.algorithms);
  if (declared !== undefined && declared > options.maxBytes) throw new S3Error('EntityTooLarge', undefined, { ProposedSize: declared, MaxSizeAllowed: options.maxBytes });

  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hasher.update(chunk);
      yield chunk;
    }
  }

  let manifest: Extent[] = [];
  let size: number;
  let dataKey: Buffer | undefined;
  if (declared === 0) {
    for await (const _ of hashed()) { /* an empty body still has to be read (and its framing checked) */ }
    size = hasher.bytes;
    if (size > 0) throw new S3Error('InvalidRequest', 'The request body is longer than the declared Content-Length.');
  } else if (declared !== undefined && declared <= INLINE_BYTES_MAX) {
    // A small body is collected into one buffer, then hashed and sealed in one synchronous pass each.
    const plain = await collect(stream, Math.min(declared, options.maxBytes));
    hasher.update(plain);
    const blob = sealInline(plain, options.keys);
    size = blob.size;
    if (size > 0) {
      manifest = [{ blobId: '', offset: 0, length: size, sealing: blob.sealing, inline: blob.inline }];
      dataKey = blob.dataKey;
    }
  } else {
    const blob = await writeSealedBlob(blobs, hashed(), options.keys, options.maxBytes);
    size = blob.size;
    if (size > 0) {
      manifest = [{ blobId: blob.blobId, offset: 0, length: size, sealing: blob.sealing }];
      dataKey = blob.dataKey;
    } else {
      await blobs.delete([blob.blobId]);
    }
  }
  if (declared !== undefined && size < declared) {
    await discard(blobs, manifest);
    throw new S3Error('IncompleteBody');
  }
  const digests = hasher.finish();
  return { manifest, size, md5: digests.get('MD5')!, checksums: digests, dataKey };
}

/** The whole stream in one buffer; BlobTooLargeError past `maxBytes` (it is not read further). */
async function collect(stream: AsyncIterable<Buffer> | NodeJS.ReadableStream, maxBytes: number): Promise<Buffer> {
  if (stream instanceof Readable) {
    const whole = await readWhole(stream, maxBytes);
    if (!whole) throw new BlobTooLargeError(maxBytes);
    return whole;
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > maxBytes) throw new BlobTooLargeError(maxBytes);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
}

/**
 * Deletes the blobs of data whose metadata write failed with `failure` — unless that write may have
 * been committed all the same (CommitUncertainError): then a version may reference them, and they
 * stay (the start-up collector removes them if nothing does).
 */
export async function discard(blobs: BlobStore, manifest: readonly Extent[], failure?: unknown): Promise<void> {
  if (failure instanceof CommitUncertainError) return;
  await blobs.delete(blobIdsOf(manifest));
}

/**
 * Ensures a write declared its length (S3 does not take bodies of unknown length): without one,
 * `Transfer-Encoding: chunked` is named as the functionality S3 does not implement (aws-chunked
 * bodies declare their decoded length), and a body without either is 411.
 */
export function requireDeclaredLength(ctx: Pick<OperationContext, 'body' | 'headers'>): number {
  const { body } = ctx;
  if (body.declaredLength !== undefined) return body.declaredLength;
  if (ctx.headers['transfer-encoding'] !== undefined) {
    throw new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented.', { Header: 'Transfer-Encoding' });
  }
  throw new S3Error('MissingContentLength');
}

/**
 * Deletes the blobs a committed write released. The write stands whatever happens here: a failure
 * is logged and leaves orphans, which the start-up collector removes.
 */
export async function releaseBlobs(ctx: Pick<OperationContext, 'services' | 'logError'>, released: readonly string[]): Promise<void> {
  if (released.length === 0) return; // most writes (every inline one) release nothing
  await ctx.services.blobs.delete(released).catch((error: unknown) => ctx.logError(error));
}
