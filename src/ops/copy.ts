import { checksumHeaderName, parseChecksumAlgorithm } from '../checksum/index.js';
import { S3Error } from '../errors.js';
import { limits } from '../limits.js';
import { checkKey, requireOwnedBucket } from './access.js';
import { parseCopySource, resolveCopySource } from './copy-source.js';
import { objectHeadersFrom, quoteEtag, storageClassFrom, userMetadataFrom } from './object-headers.js';
import { writeConditionFrom } from './objects.js';
import { tagsFromHeader } from './tag-set.js';
import type { OperationContext, OperationResult } from './types.js';
import { showsVersionIds, versionIdForWrite, writtenVersionIdHeader } from './version-ids.js';

type Directive = 'COPY' | 'REPLACE';

function directiveFrom(ctx: OperationContext, header: 'x-amz-metadata-directive' | 'x-amz-tagging-directive', what: string): Directive {
  const value = ctx.headers[header];
  if (value === undefined || value === 'COPY') return 'COPY';
  if (value === 'REPLACE') return 'REPLACE';
  throw new S3Error('InvalidArgument', `Unknown ${what} directive.`, { ArgumentName: header, ArgumentValue: value });
}

const SELF_COPY_MESSAGE =
  "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.";

/**
 * CopyObject. The new version shares the source's blobs (its manifest is the source's extents;
 * the store counts references), so no byte is read or written. ETag, checksum and part layout
 * are the source's; metadata and tags follow the COPY/REPLACE directives.
 */
export async function copyObject(ctx: OperationContext): Promise<OperationResult> {
  const bucket = await requireOwnedBucket(ctx);
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
  const lastModified = new Date();
  const { released } = await ctx.services.meta.putVersion(
    {
      bucket: bucket.name,
      key,
      versionId,
      isDeleteMarker: false,
      size: source.size,
      etag: source.etag,
      lastModified,
      ownerId: ctx.user!.id,
      headers: objectHeaders,
      userMetadata: replaced?.userMetadata ?? source.userMetadata,
      storageClass,
      checksum: source.checksum,
      parts: source.parts,
      tags: replacedTags ?? source.tags,
      manifest: source.manifest,
    },
    condition,
    { sharedBlobs: true },
  );
  await ctx.services.blobs.delete(released);

  const checksumAlgorithm = source.checksum ? parseChecksumAlgorithm(source.checksum.algorithm) : undefined;
  const checksumElement = checksumAlgorithm ? `Checksum${checksumAlgorithm}` : undefined;
  return {
    headers: {
      'x-amz-copy-source-version-id': showsVersionIds(sourceBucket) ? source.versionId : undefined,
      'x-amz-version-id': writtenVersionIdHeader(bucket, versionId),
      ...(checksumAlgorithm && source.checksum ? { [checksumHeaderName(checksumAlgorithm)]: source.checksum.value } : {}),
    },
    xml: {
      root: 'CopyObjectResult',
      body: {
        ETag: quoteEtag(source.etag),
        LastModified: lastModified.toISOString(),
        ChecksumType: source.checksum?.type,
        ...(checksumElement ? { [checksumElement]: source.checksum!.value } : {}),
      },
    },
  };
}
