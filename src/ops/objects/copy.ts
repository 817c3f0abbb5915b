import { checksumHeaderName, MultiHasher, parseChecksumAlgorithm } from '../../checksum/index.js';
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import { checkKey } from './keys.js';
import { parseCopySource, resolveCopySource } from './copy-source.js';
import { StoreError, type ObjectVersion, type StoredChecksum } from '../../store/meta/metadata-store.js';
import { objectHeadersFrom, quoteEtag, storageClassFrom, userMetadataFrom } from './object-headers.js';
import { writeConditionFrom } from './objects.js';
import { readManifest } from './read-object.js';
import { tagsFromHeader } from '../tagging/tag-set.js';
import { releaseBlobs } from './ingest.js';
import type { OperationContext, OperationResult } from '../types.js';
import { showsVersionIds, versionIdForWrite, writtenVersionIdHeader } from '../versioning/version-ids.js';

type Directive = 'COPY' | 'REPLACE';

function directiveFrom(ctx: OperationContext, header: 'x-amz-metadata-directive' | 'x-amz-tagging-directive', what: string): Directive {
  const value = ctx.headers[header];
  if (value === undefined || value === 'COPY') return 'COPY';
  if (value === 'REPLACE') return 'REPLACE';
  throw new S3Error('InvalidArgument', `Unknown ${what} directive.`, { ArgumentName: header, ArgumentValue: value });
}

const SELF_COPY_MESSAGE =
  "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.";

/** CopyObject's keep-alive when it must read its source (http/keep-alive.ts); tests may shorten it. */
export const copyKeepAlive = { firstByteMs: 1000, intervalMs: 2000 };

/**
 * CopyObject. The new version shares the source's blobs (its manifest is the source's extents;
 * the store counts references), so no byte is written. Metadata and tags follow the COPY/REPLACE
 * directives.
 *
 * The copy is a new single-part object, as on AWS ("Amazon S3 does this copy as a single action,
 * regardless of whether the object was uploaded in a single request or as part of a multipart
 * upload. With a copy command, the checksum of the object is a direct checksum of the full
 * object" — S3 User Guide, Checking object integrity): its ETag is the MD5 of its bytes, it has no
 * part layout (no PartsCount, partNumber=1 is the whole object), and a COMPOSITE checksum becomes
 * the FULL_OBJECT checksum of the bytes in the same algorithm. A single-part source already has
 * all of those, so it is copied without reading a byte; a multipart source is read once through
 * MD5 (and its checksum's algorithm) — seconds for gigabytes, so the answer is `deferred` with
 * S3's keep-alive, like CompleteMultipartUpload (AWS also starts CopyObject's 200 early and may
 * embed an error in it).
 */
export async function copyObject(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const { key } = ctx.route;
  checkKey(key);
  const { headers } = ctx;
  const metadataDirective = directiveFrom(ctx, 'x-amz-metadata-directive', 'metadata');
  const taggingDirective = directiveFrom(ctx, 'x-amz-tagging-directive', 'tagging');
  const storageClass = storageClassFrom(headers);
  const condition = writeConditionFrom(headers);
  const replacedTags = taggingDirective === 'REPLACE' ? tagsFromHeader(headers['x-amz-tagging']) : undefined;
  const replaced = metadataDirective === 'REPLACE' ? { objectHeaders: objectHeadersFrom(headers), userMetadata: userMetadataFrom(headers) } : undefined;

  const { bucket: sourceBucket, version: source } = await resolveCopySource(ctx);
  if (source.size > limits.copySourceBytesMax) {
    throw new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${limits.copySourceBytesMax}`);
  }
  const namedVersion = parseCopySource(headers['x-amz-copy-source']!).versionId !== undefined;
  const ontoItself = sourceBucket.name === bucket.name && source.key === key && (source.isLatest || !namedVersion);
  const changes =
    metadataDirective === 'REPLACE' ||
    headers['x-amz-storage-class'] !== undefined ||
    headers['x-amz-website-redirect-location'] !== undefined ||
    headers['x-amz-server-side-encryption'] !== undefined;
  if (ontoItself && !changes) throw new S3Error('InvalidRequest', SELF_COPY_MESSAGE);

  // With COPY, the website redirect is not copied: it must be given again (as AWS documents).
  const objectHeaders = replaced?.objectHeaders ?? { ...source.headers, websiteRedirectLocation: headers['x-amz-website-redirect-location'] };
  const versionId = versionIdForWrite(bucket);
  const knownHeaders = {
    'x-amz-copy-source-version-id': showsVersionIds(sourceBucket) ? source.versionId : undefined,
    'x-amz-version-id': writtenVersionIdHeader(bucket, versionId),
  };

  const write = async (data: { etag: string; checksum: StoredChecksum | undefined }): Promise<OperationResult> => {
    const lastModified = new Date();
    const { released } = await ctx.services.meta.putVersion(
      {
        bucket: bucket.name,
        key,
        versionId,
        isDeleteMarker: false,
        size: source.size,
        etag: data.etag,
        lastModified,
        ownerId: ctx.user!.id,
        headers: objectHeaders,
        userMetadata: replaced?.userMetadata ?? source.userMetadata,
        storageClass,
        checksum: data.checksum,
        tags: replacedTags ?? source.tags,
        manifest: source.manifest,
      },
      condition,
      { sharedBlobs: true },
    );
    await releaseBlobs(ctx, released);

    const checksumAlgorithm = data.checksum ? parseChecksumAlgorithm(data.checksum.algorithm) : undefined;
    return {
      headers: {
        ...knownHeaders,
        ...(checksumAlgorithm && data.checksum ? { [checksumHeaderName(checksumAlgorithm)]: data.checksum.value } : {}),
      },
      xml: {
        root: 'CopyObjectResult',
        body: {
          ETag: quoteEtag(data.etag),
          LastModified: lastModified.toISOString(),
          ChecksumType: data.checksum?.type,
          ...(checksumAlgorithm ? { [`Checksum${checksumAlgorithm}`]: data.checksum!.value } : {}),
        },
      },
    };
  };

  if (!isMultipart(source)) return write({ etag: source.etag, checksum: source.checksum });
  return { deferred: { work: rehashed(ctx, source).then(write), headers: knownHeaders, ...copyKeepAlive } };
}

function isMultipart(version: ObjectVersion): boolean {
  return version.etag.includes('-') || version.parts !== undefined;
}

/**
 * A multipart source's ETag and checksum as a single-part object: the MD5 of its bytes, and (for a
 * COMPOSITE checksum) the full-object checksum in the same algorithm. A FULL_OBJECT checksum
 * already is one. Read as a stream: the event loop serves other requests between chunks.
 */
async function rehashed(ctx: OperationContext, source: ObjectVersion): Promise<{ etag: string; checksum: StoredChecksum | undefined }> {
  const composite = source.checksum?.type === 'COMPOSITE' ? parseChecksumAlgorithm(source.checksum.algorithm) : undefined;
  const hasher = new MultiHasher(composite ? [composite] : []);
  try {
    for await (const chunk of readManifest(ctx.services.blobs, source.manifest, 0, source.size) as AsyncIterable<Buffer>) hasher.update(chunk);
  } catch (error) {
    // The source was deleted (its blobs released) while it was read: the same conflict the
    // shared-blob write would report had it come a moment later.
    const ids = [...new Set(source.manifest.map((extent) => extent.blobId))];
    if ((await ctx.services.meta.referencedBlobs(ids)).size < ids.length) throw new StoreError('ConditionalConflict');
    throw error;
  }
  if (hasher.bytes !== source.size) throw new Error(`CopyObject: read ${hasher.bytes} bytes of a ${source.size}-byte source`);
  const digests = hasher.finish();
  return {
    etag: digests.get('MD5')!.toString('hex'),
    checksum: composite ? { algorithm: composite, type: 'FULL_OBJECT', value: digests.get(composite)!.toString('base64') } : source.checksum,
  };
}
