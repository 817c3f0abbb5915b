import { MultiHasher, type ChecksumAlgorithm } from '../../checksum/index.js';
import { writeSealedBlob, type DataKeys } from '../../crypto/sealed-blobs.js';
import { S3Error } from '../../errors.js';
import type { BlobStore } from '../../store/blob/blob-store.js';
import { CommitUncertainError, type Extent } from '../../store/meta/metadata-store.js';
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
 * Streams a request body into a new durable blob, sealed under a new data key from `keys`, while
 * hashing the plaintext (MD5 for the ETag plus the requested checksums, as AWS computes them
 * whatever the encryption). The body is never held whole in memory. If anything fails after the
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

/**
 * Deletes the blobs of data whose metadata write failed with `failure` — unless that write may have
 * been committed all the same (CommitUncertainError): then a version may reference them, and they
 * stay (the start-up collector removes them if nothing does).
 */
export async function discard(blobs: BlobStore, manifest: readonly Extent[], failure?: unknown): Promise<void> {
  if (failure instanceof CommitUncertainError) return;
  await blobs.delete(manifest.map((e) => e.blobId));
}

/** Ensures a write declared its length (S3 does not take bodies of unknown length). */
export function requireDeclaredLength(body: RequestBody): number {
  if (body.declaredLength === undefined) throw new S3Error('MissingContentLength');
  return body.declaredLength;
}

/**
 * Deletes the blobs a committed write released. The write stands whatever happens here: a failure
 * is logged and leaves orphans, which the start-up collector removes.
 */
export async function releaseBlobs(ctx: Pick<OperationContext, 'services' | 'logError'>, released: readonly string[]): Promise<void> {
  await ctx.services.blobs.delete(released).catch((error: unknown) => ctx.logError(error));
}
