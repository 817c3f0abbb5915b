import { MultiHasher, type ChecksumAlgorithm } from '../../checksum/index.js';
import { S3Error } from '../../errors.js';
import type { BlobStore } from '../../store/blob/blob-store.js';
import { CommitUncertainError, type Extent } from '../../store/meta/metadata-store.js';
import type { OperationContext, RequestBody } from '../types.js';

export interface Ingested {
  readonly manifest: Extent[];
  readonly size: number;
  readonly md5: Buffer;
  readonly checksums: ReadonlyMap<string, Buffer>;
}

/**
 * Streams a request body into a new durable blob while hashing it (MD5 for the ETag plus the
 * requested checksums). The body is never held whole in memory. If anything fails after the
 * blob was written, callers must delete it (see `discard`).
 */
export async function ingestBody(
  blobs: BlobStore,
  body: RequestBody,
  options: { maxBytes: number; algorithms: readonly ChecksumAlgorithm[] },
): Promise<Ingested> {
  const hasher = new MultiHasher(options.algorithms);
  const declared = body.declaredLength;
  if (declared !== undefined && declared > options.maxBytes) throw new S3Error('EntityTooLarge', undefined, { ProposedSize: declared, MaxSizeAllowed: options.maxBytes });

  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of body.stream as AsyncIterable<Buffer>) {
      hasher.update(chunk);
      yield chunk;
    }
  }

  let manifest: Extent[] = [];
  let size: number;
  if (declared === 0) {
    for await (const _ of hashed()) { /* an empty body still has to be read (and its framing checked) */ }
    size = hasher.bytes;
    if (size > 0) throw new S3Error('InvalidRequest', 'The request body is longer than the declared Content-Length.');
  } else {
    const blob = await blobs.write(hashed(), { maxBytes: options.maxBytes });
    size = blob.size;
    if (size > 0) manifest = [{ blobId: blob.blobId, offset: 0, length: size }];
    else await blobs.delete([blob.blobId]);
  }
  if (declared !== undefined && size < declared) {
    await discard(blobs, manifest);
    throw new S3Error('IncompleteBody');
  }
  const digests = hasher.finish();
  return { manifest, size, md5: digests.get('MD5')!, checksums: digests };
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
