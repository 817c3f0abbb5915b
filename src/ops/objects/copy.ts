import { objectWriteAcl } from '../acl/request-acl.js';
import { newVersionLock } from '../object-lock/lock-headers.js';
import { checksumHeaderName, MultiHasher, parseChecksumAlgorithm, type ChecksumAlgorithm } from '../../checksum/index.js';
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import { checkKey } from './keys.js';
import { parseCopySource, resolveCopySource } from './copy-source.js';
import { blobIdsOf, StoreError, type Extent, type ObjectEncryption, type ObjectVersion, type StoredChecksum } from '../../store/meta/metadata-store.js';
import { objectHeadersFrom, quoteEtag, storageClassFrom, userMetadataFrom, websiteRedirectLocationFrom } from './object-headers.js';
import { eventsFor } from '../notification/events.js';
import { withReplication } from '../replication/work-items.js';
import { mayHaveLifecycle, writeConditionFrom } from './objects.js';
import { readManifest } from './read-object.js';
import { discard, ingestStream, releaseBlobs } from './ingest.js';
import { encryptionHeaders, etagFor, readKeysFor, sharesSealedBlobs, writeEncryptionFrom } from './encryption.js';
import type { DataKeys } from '../../crypto/sealed-blobs.js';
import { tagsFromHeader } from '../tagging/tag-set.js';
import { UNSUPPORTED_ALGORITHM } from '../multipart/multipart-checksums.js';
import { expirationHeaders } from '../config/lifecycle-headers.js';
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
  const wantedChecksum = copyChecksumAlgorithmFrom(headers);

  const target = await writeEncryptionFrom(ctx, bucket);
  const { bucket: sourceBucket, version: source } = await resolveCopySource(ctx);
  const sourceKeys = await readKeysFor(ctx, source, { copySource: true });
  if (source.size > limits.copySourceBytesMax) {
    throw new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${limits.copySourceBytesMax}`);
  }
  const namedVersion = parseCopySource(headers['x-amz-copy-source']!).versionId !== undefined;
  const ontoItself = sourceBucket.name === bucket.name && source.key === key && (source.isLatest || !namedVersion);
  const changes =
    metadataDirective === 'REPLACE' ||
    headers['x-amz-storage-class'] !== undefined ||
    headers['x-amz-website-redirect-location'] !== undefined ||
    headers['x-amz-server-side-encryption'] !== undefined ||
    headers['x-amz-server-side-encryption-customer-algorithm'] !== undefined ||
    wantedChecksum !== undefined;
  if (ontoItself && !changes) throw new S3Error('InvalidRequest', SELF_COPY_MESSAGE);

  // With COPY, the website redirect is not copied: it must be given again (as AWS documents).
  const objectHeaders = replaced?.objectHeaders ?? { ...source.headers, websiteRedirectLocation: websiteRedirectLocationFrom(headers) };
  const identity = { versionId: versionIdForWrite(bucket), replica: false };
  const { versionId } = identity;
  // The copy gets the ACL this request asks for (private by default), never the source's.
  const { ownerId, acl } = objectWriteAcl(ctx, bucket);
  // The copy's lock is the one this request asks for (or the bucket's default), never the source's.
  const lock = newVersionLock(headers, bucket, new Date());
  const knownHeaders = {
    'x-amz-copy-source-version-id': showsVersionIds(sourceBucket) ? source.versionId : undefined,
    'x-amz-version-id': writtenVersionIdHeader(bucket, versionId),
    ...encryptionHeaders(target.encryption, ctx.services, true),
    // Known before the copy is made (a deferred answer sends its headers first): it is dated now.
    ...(mayHaveLifecycle(bucket) ? await expirationHeaders(ctx, bucket.name, { key, size: source.size, tags: replacedTags ?? source.tags, lastModified: new Date() }) : {}),
  };

  const write = async (data: CopiedData): Promise<OperationResult> => {
    const lastModified = new Date();
    const events = await eventsFor(ctx, bucket, 'ObjectCreated:Copy', key, { size: source.size, etag: data.etag, versionId }, lastModified);
    let released: readonly string[];
    try {
      const written = await withReplication(ctx, bucket, 'ObjectCreated:Copy', {
        bucket: bucket.name,
        key,
        versionId,
        isDeleteMarker: false,
        size: source.size,
        etag: data.etag,
        lastModified,
        ownerId,
        acl,
        headers: objectHeaders,
        userMetadata: replaced?.userMetadata ?? source.userMetadata,
        storageClass,
        checksum: data.checksum,
        tags: replacedTags ?? source.tags,
        manifest: data.manifest ?? source.manifest,
        encryption: target.encryption,
        lock,
      }, identity, events);
      ({ released } = await ctx.services.meta.putVersion(written.version, condition, { sharedBlobs: data.manifest === undefined, events: written.events }));
    } catch (error) {
      if (data.manifest) await discard(ctx.services.blobs, data.manifest, error);
      throw error;
    }
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

  // The checksum the copy computes from its bytes: the one asked for, else a COMPOSITE source's
  // algorithm made FULL_OBJECT; none when the source's own checksum carries over as it is.
  const computed = wantedChecksum ?? compositeAlgorithm(source);
  if (!sharesSealedBlobs(source, target.encryption)) {
    return { deferred: { work: reencrypted(ctx, source, sourceKeys, target, computed).then(write), headers: knownHeaders, ...copyKeepAlive } };
  }
  if (!isMultipart(source) && (wantedChecksum === undefined || wantedChecksum === source.checksum?.algorithm)) return write({ etag: source.etag, checksum: source.checksum });
  return { deferred: { work: rehashed(ctx, source, sourceKeys, computed).then(write), headers: knownHeaders, ...copyKeepAlive } };
}

/**
 * `x-amz-checksum-algorithm` on a copy: the copy gets a FULL_OBJECT checksum in that algorithm,
 * computed from its bytes (AWS: "specify a different checksum algorithm"); an unknown one → 400.
 */
function copyChecksumAlgorithmFrom(headers: OperationContext['headers']): ChecksumAlgorithm | undefined {
  const text = headers['x-amz-checksum-algorithm'];
  if (text === undefined) return undefined;
  const algorithm = parseChecksumAlgorithm(text);
  if (!algorithm) throw new S3Error('InvalidRequest', UNSUPPORTED_ALGORITHM);
  return algorithm;
}

/** What a copy writes: ETag and checksum, and new blobs unless it shares the source's. */
interface CopiedData {
  readonly etag: string;
  readonly checksum: StoredChecksum | undefined;
  /** The copy's own (re-encrypted) blobs; undefined: the source's manifest, shared. */
  readonly manifest?: readonly Extent[];
}

/**
 * The source decrypted with its keys and sealed again under the target's (copies into or out of
 * SSE-C, or of an object stored in clear): new blobs, and the ETag and full-object checksum of the
 * bytes as the target's encryption computes them.
 */
async function reencrypted(
  ctx: OperationContext, source: ObjectVersion, sourceKeys: DataKeys, target: { encryption: ObjectEncryption; keys: DataKeys }, computed: ChecksumAlgorithm | undefined,
): Promise<CopiedData> {
  const plain = readManifest(ctx.services.blobs, source.manifest, 0, source.size, sourceKeys);
  const data = await ingestStream(ctx.services.blobs, plain, source.size, { maxBytes: limits.copySourceBytesMax, algorithms: computed ? [computed] : [], keys: target.keys });
  return {
    etag: etagFor(target.encryption, data.md5, data.dataKey),
    checksum: computed ? { algorithm: computed, type: 'FULL_OBJECT', value: data.checksums.get(computed)!.toString('base64') } : source.checksum,
    manifest: data.manifest,
  };
}

function compositeAlgorithm(source: ObjectVersion) {
  return source.checksum?.type === 'COMPOSITE' ? parseChecksumAlgorithm(source.checksum.algorithm) : undefined;
}

function isMultipart(version: ObjectVersion): boolean {
  return version.etag.includes('-') || version.parts !== undefined;
}

/**
 * A source's ETag and checksum as a single-part object's: the MD5 of its bytes, and the
 * full-object checksum in `computed` (a COMPOSITE source's algorithm, or the one the copy asked
 * for); without it the source's FULL_OBJECT checksum carries over. Read as a stream: the event
 * loop serves other requests between chunks.
 */
async function rehashed(ctx: OperationContext, source: ObjectVersion, keys: DataKeys, computed: ChecksumAlgorithm | undefined): Promise<CopiedData> {
  const hasher = new MultiHasher(computed ? [computed] : []);
  try {
    for await (const chunk of readManifest(ctx.services.blobs, source.manifest, 0, source.size, keys) as AsyncIterable<Buffer>) hasher.update(chunk);
  } catch (error) {
    // The source was deleted (its blobs released) while it was read: the same conflict the
    // shared-blob write would report had it come a moment later.
    const ids = [...new Set(blobIdsOf(source.manifest))];
    if ((await ctx.services.meta.referencedBlobs(ids)).size < ids.length) throw new StoreError('ConditionalConflict');
    throw error;
  }
  if (hasher.bytes !== source.size) throw new Error(`CopyObject: read ${hasher.bytes} bytes of a ${source.size}-byte source`);
  const digests = hasher.finish();
  return {
    etag: digests.get('MD5')!.toString('hex'),
    checksum: computed ? { algorithm: computed, type: 'FULL_OBJECT', value: digests.get(computed)!.toString('base64') } : source.checksum,
  };
}
