/**
 * Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
 * AbortMultipartUpload, ListParts, ListMultipartUploads.
 *
 * A part is a manifest of blob extents (a fresh blob for UploadPart; extents of the source's
 * blobs for UploadPartCopy). Completion concatenates nothing: the object's manifest is its parts'
 * extents, committed atomically with the removal of the upload (store.completeUpload).
 */
import { objectWriteAcl } from '../acl/request-acl.js';
import { requestedLock, requireIntegrityForLock, withDefaultRetention } from '../object-lock/lock-headers.js';
import { createHash } from 'node:crypto';
import { checksumHeaderName, MultiHasher, multipartEtag, parseChecksumAlgorithm, type ChecksumAlgorithm } from '../../checksum/index.js';
import { S3Error } from '../../errors.js';
import { opaqueId } from '../opaque-id.js';
import type { DataKeys } from '../../crypto/sealed-blobs.js';
import { limits } from '../../limits.js';
import {
  StoreError,
  type BucketRecord,
  type CompletedUpload,
  type MultipartUpload,
  type ObjectVersion,
  type PartSummary,
  type StoredChecksum,
  type UploadPart,
} from '../../store/meta/metadata-store.js';
import { checkKey, objectUrl } from '../objects/keys.js';
import { checksumRequestFrom, verifyChecksums } from '../objects/checksums.js';
import { resolveCopySource } from '../objects/copy-source.js';
import { discard, ingestBody, ingestStream, releaseBlobs, requireDeclaredLength } from '../objects/ingest.js';
import { checkCompletionKey, encryptionHeaders, etagFor, readKeysFor, sharesSealedBlobs, uploadKeysFor, writeEncryptionFrom } from '../objects/encryption.js';
import { concatManifests, sliceManifest } from '../objects/manifest.js';
import {
  checkPartAlgorithm,
  checksumElement,
  completedChecksum,
  checksumResponseHeaders,
  partChecksumsOf,
  uploadChecksumFrom,
  uploadChecksumOf,
  type UploadChecksum,
} from './multipart-checksums.js';
import { objectHeadersFrom, quoteEtag, storageClassFrom, userMetadataFrom } from '../objects/object-headers.js';
import { writeConditionFrom } from '../objects/objects.js';
import { listingEncoder } from '../../api/parameters.js';
import { readManifest } from '../objects/read-object.js';
import { asList, readBodyBytes, textOf } from '../request-xml.js';
import { tagsFromHeader } from '../tagging/tag-set.js';
import { abortHeaders, expirationHeaders } from '../config/lifecycle-headers.js';
import type { OperationContext, OperationResult } from '../types.js';
import { writtenVersionIdHeader } from '../versioning/version-ids.js';
import { eventsFor } from '../notification/events.js';
import { withReplication, writeIdentity } from '../replication/work-items.js';
import { isoTimestamp } from '../listing/timestamps.js';

/** CompleteMultipartUpload's keep-alive (http/keep-alive.ts); tests may shorten it. */
export const completeKeepAlive = { firstByteMs: 1000, intervalMs: 2000 };

/** Opaque and unguessable: 256 random bits. */
function newUploadId(): string {
  return opaqueId(32);
}

/** The upload `?uploadId=` names, which must be of this bucket and key. */
async function requireUpload(ctx: OperationContext, bucket: BucketRecord): Promise<MultipartUpload> {
  const uploadId = ctx.params.uploadId();
  const upload = uploadId === '' ? undefined : await ctx.services.meta.getUpload(bucket.name, uploadId);
  if (!upload || upload.key !== ctx.route.key) throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  return upload;
}

function owner(ctx: OperationContext, id: string): { ID: string; DisplayName: string } {
  return { ID: id, DisplayName: ctx.services.credentials.byId(id)?.displayName ?? id };
}

// ---------------------------------------------------------------------------------------------

export async function createMultipartUpload(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const { key } = ctx.route;
  checkKey(key);
  const checksum = uploadChecksumFrom(ctx.headers);
  const { encryption } = await writeEncryptionFrom(ctx, bucket);
  const { ownerId, acl } = objectWriteAcl(ctx, bucket);
  // The bucket's default retention is counted from the completion, which makes the version.
  const lock = requestedLock(ctx.headers, bucket, new Date());
  const upload: MultipartUpload = {
    uploadId: newUploadId(),
    bucket: bucket.name,
    key,
    initiated: new Date(),
    ownerId,
    acl,
    headers: objectHeadersFrom(ctx.headers),
    userMetadata: userMetadataFrom(ctx.headers),
    storageClass: storageClassFrom(ctx.headers),
    tags: tagsFromHeader(ctx.headers['x-amz-tagging']),
    checksumAlgorithm: checksum?.algorithm,
    checksumType: checksum?.type,
    encryption,
    lock,
  };
  await ctx.services.meta.createUpload(upload);
  return {
    headers: {
      'x-amz-checksum-algorithm': checksum?.algorithm,
      'x-amz-checksum-type': checksum?.type,
      ...encryptionHeaders(encryption, ctx.services, true),
      ...(await abortHeaders(ctx, bucket.name, key, upload.initiated)),
    },
    xml: { root: 'InitiateMultipartUploadResult', body: { Bucket: bucket.name, Key: key, UploadId: upload.uploadId } },
  };
}

export async function uploadPart(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const partNumber = requiredPartNumber(ctx);
  const upload = await requireUpload(ctx, bucket);
  const declared = requireDeclaredLength(ctx);
  if (declared > limits.partBytesMax) throw new S3Error('EntityTooLarge', undefined, { ProposedSize: declared, MaxSizeAllowed: limits.partBytesMax });
  const request = checksumRequestFrom(ctx.headers);
  requireIntegrityForLock(ctx.headers, withDefaultRetention(upload.lock, bucket, new Date()), 'Put Part');
  const uploadChecksum = uploadChecksumOf(upload);
  checkPartAlgorithm(uploadChecksum, request.algorithm);
  const algorithms = new Set<ChecksumAlgorithm>();
  if (request.algorithm) algorithms.add(request.algorithm);
  if (uploadChecksum) algorithms.add(uploadChecksum.algorithm);

  const keys = await uploadKeysFor(ctx, upload);

  const { meta, blobs } = ctx.services;
  const data = await ingestBody(blobs, ctx.body, { maxBytes: limits.partBytesMax, algorithms: [...algorithms], keys });
  const etag = etagFor(upload.encryption, data.md5, data.dataKey);
  let released: readonly string[];
  let partChecksum: string | undefined;
  try {
    verifyChecksums(request, data.md5, data.checksums, ctx.body.trailers());
    partChecksum = uploadChecksum ? data.checksums.get(uploadChecksum.algorithm)!.toString('base64') : undefined;
    ({ released } = await meta.putPart(bucket.name, upload.uploadId, {
      partNumber,
      size: data.size,
      etag,
      lastModified: new Date(),
      checksum: partChecksum,
      manifest: data.manifest,
    }));
  } catch (error) {
    await discard(blobs, data.manifest, error);
    throw error;
  }
  await releaseBlobs(ctx, released);
  const echoed = request.algorithm ?? uploadChecksum?.algorithm;
  return {
    headers: {
      etag: quoteEtag(etag),
      ...encryptionHeaders(upload.encryption, ctx.services),
      ...(echoed ? { [checksumHeaderName(echoed)]: data.checksums.get(echoed)!.toString('base64') } : {}),
    },
  };
}

/** `x-amz-copy-source-range: bytes=first-last` (both inclusive, both required). */
function copySourceRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d{1,16})-(\d{1,16})$/.exec(header.trim());
  if (!match || Number(match[2]) < Number(match[1])) {
    throw new S3Error(
      'InvalidArgument',
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header },
    );
  }
  const start = Number(match[1]);
  const last = Number(match[2]);
  if (last >= size) {
    throw new S3Error('InvalidArgument', `Range specified is not valid for source object of size: ${size}`, { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header });
  }
  return { start, end: last + 1 };
}

/**
 * A part made of the source's own (SSE-S3) blobs: its ETag is the MD5 of its bytes, and its
 * checksum the upload's algorithm over them. Both are known without reading when the whole of a
 * single-part source is copied.
 */
async function sharedPartDigests(
  ctx: OperationContext,
  version: ObjectVersion,
  start: number,
  end: number,
  uploadChecksum: UploadChecksum | undefined,
  keys: DataKeys,
): Promise<{ etag: string; checksum: string | undefined }> {
  const whole = start === 0 && end === version.size && !version.etag.includes('-');
  const reusable = version.checksum && version.checksum.type === 'FULL_OBJECT' && version.checksum.algorithm === uploadChecksum?.algorithm;
  if (whole && (!uploadChecksum || reusable)) return { etag: version.etag, checksum: uploadChecksum ? version.checksum!.value : undefined };
  const hasher = new MultiHasher(uploadChecksum ? [uploadChecksum.algorithm] : []);
  for await (const chunk of readManifest(ctx.services.blobs, version.manifest, start, end, keys) as AsyncIterable<Buffer>) hasher.update(chunk);
  const digests = hasher.finish();
  return { etag: digests.get('MD5')!.toString('hex'), checksum: uploadChecksum ? digests.get(uploadChecksum.algorithm)!.toString('base64') : undefined };
}

export async function uploadPartCopy(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const partNumber = requiredPartNumber(ctx);
  const upload = await requireUpload(ctx, bucket);
  const source = await resolveCopySource(ctx);
  const { version } = source;
  const range = copySourceRange(ctx.headers['x-amz-copy-source-range'], version.size);
  const start = range?.start ?? 0;
  const end = range?.end ?? version.size;
  if (end - start > limits.copySourceBytesMax) {
    throw new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${limits.copySourceBytesMax}`);
  }
  const uploadChecksum = uploadChecksumOf(upload);
  const sourceKeys = await readKeysFor(ctx, version, { copySource: true });
  const keys = await uploadKeysFor(ctx, upload);
  const { blobs } = ctx.services;
  const lastModified = new Date();
  const shares = sharesSealedBlobs(version, upload.encryption);
  let part: UploadPart;
  if (shares) {
    part = { partNumber, size: end - start, lastModified, manifest: sliceManifest(version.manifest, start, end), ...(await sharedPartDigests(ctx, version, start, end, uploadChecksum, sourceKeys)) };
  } else {
    // Another encryption (an SSE-C side, or a source stored in clear): the bytes are re-encrypted.
    const plain = readManifest(blobs, version.manifest, start, end, sourceKeys);
    const data = await ingestStream(blobs, plain, end - start, { maxBytes: limits.partBytesMax, algorithms: uploadChecksum ? [uploadChecksum.algorithm] : [], keys });
    const checksum = uploadChecksum ? data.checksums.get(uploadChecksum.algorithm)!.toString('base64') : undefined;
    part = { partNumber, size: data.size, lastModified, manifest: data.manifest, etag: etagFor(upload.encryption, data.md5, data.dataKey), checksum };
  }
  let released: readonly string[];
  try {
    ({ released } = await ctx.services.meta.putPart(bucket.name, upload.uploadId, part, { sharedBlobs: shares }));
  } catch (error) {
    if (!shares) await discard(blobs, part.manifest, error);
    throw error;
  }
  await releaseBlobs(ctx, released);
  const { etag, checksum } = part;
  return {
    headers: {
      'x-amz-copy-source-version-id': source.bucket.versioning !== 'Unversioned' ? version.versionId : undefined,
      ...encryptionHeaders(upload.encryption, ctx.services),
    },
    xml: {
      root: 'CopyPartResult',
      body: {
        ETag: quoteEtag(etag),
        LastModified: lastModified.toISOString(),
        ...(uploadChecksum && checksum ? { [checksumElement(uploadChecksum.algorithm)]: checksum } : {}),
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------

interface RequestedPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly checksums: Map<ChecksumAlgorithm, string>;
}

/** The <CompleteMultipartUpload> document: its parts, in the order given. */
async function requestedParts(ctx: OperationContext): Promise<RequestedPart[]> {
  // Handed over as bytes: up to 10 MiB, decoded in the parse worker rather than on the event loop.
  // (An empty or blank body does not parse: MalformedXML, as AWS answers.)
  const bytes = await readBodyBytes(ctx.body, limits.completeMultipartUploadBytesMax);
  const root = (await ctx.body.parseXml(bytes))['CompleteMultipartUpload'];
  if (root === undefined) throw new S3Error('MalformedXML');
  const parts = asList(typeof root === 'object' && root !== null ? (root as Record<string, unknown>)['Part'] : undefined);
  if (parts.length === 0) throw new S3Error('MalformedXML');
  if (parts.length > limits.partNumberMax) throw new S3Error('MalformedXML');
  return parts.map((part) => {
    if (typeof part !== 'object' || part === null) throw new S3Error('MalformedXML');
    const fields = part as Record<string, unknown>;
    const numberText = textOf(fields['PartNumber'])?.trim();
    const etagText = textOf(fields['ETag'])?.trim();
    if (numberText === undefined || !/^\d{1,6}$/.test(numberText) || etagText === undefined) throw new S3Error('MalformedXML');
    const partNumber = Number(numberText);
    if (partNumber < 1 || partNumber > limits.partNumberMax) {
      throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${limits.partNumberMax}, inclusive`, { ArgumentName: 'partNumber', ArgumentValue: numberText });
    }
    return { partNumber, etag: etagText.replace(/^"|"$/g, ''), checksums: partChecksumsOf(fields) };
  });
}

export async function completeMultipartUpload(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const uploadId = ctx.params.uploadId();
  const upload = uploadId === '' ? undefined : await ctx.services.meta.getUpload(bucket.name, uploadId);
  if (!upload || upload.key !== ctx.route.key) return repeatedCompletion(ctx, bucket, uploadId);
  const condition = writeConditionFrom(ctx.headers);
  await checkCompletionKey(ctx, upload);
  const requested = await requestedParts(ctx);
  return { deferred: { work: complete(ctx, bucket, upload, requested, condition), headers: encryptionHeaders(upload.encryption, ctx.services), ...completeKeepAlive } };
}

/**
 * A CompleteMultipartUpload of an upload that is no longer in progress. AWS answers a repeated
 * completion of an upload it completed (an SDK retrying after the response was lost) with 200 and
 * the same result, so a client that retries does not see NoSuchUpload for an object it made.
 * Coffer keeps what each completion answered for a while (limits.completedUploadRememberedMs,
 * at most limits.completedUploadsRememberedMax), and repeats it when the request names the same
 * key and the same part list, while that object is still stored. A different part list cannot
 * make that object — and no other, the parts are gone — so it gets NoSuchUpload, as does anything
 * too old to be remembered.
 * The write condition (If-None-Match / If-Match) is not evaluated again: the object it guarded is
 * the one this completion wrote.
 */
async function repeatedCompletion(ctx: OperationContext, bucket: BucketRecord, uploadId: string): Promise<OperationResult> {
  const done = uploadId === '' ? undefined : await ctx.services.meta.getCompletedUpload(bucket.name, uploadId);
  if (!done || !stillRemembered(done) || done.key !== ctx.route.key || !(await stillStored(ctx, done))) throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  const requested = await requestedParts(ctx);
  return sameCompletion(ctx, bucket, done, partsDigest(requested));
}

/**
 * Whether the object the completion made is still there: once it is deleted or overwritten, a
 * repeated completion would report an object that does not exist, and AWS answers NoSuchUpload.
 */
async function stillStored(ctx: OperationContext, done: CompletedUpload): Promise<boolean> {
  const version = await ctx.services.meta.getVersion(done.bucket, done.key, done.versionId);
  return version !== undefined && !version.isDeleteMarker && version.etag === done.etag;
}

function stillRemembered(done: CompletedUpload): boolean {
  return Date.now() - done.completedAt.getTime() <= limits.completedUploadRememberedMs;
}

/** The remembered result, if the request names the part list the completion used. */
function sameCompletion(ctx: OperationContext, bucket: BucketRecord, done: CompletedUpload, digest: string): OperationResult {
  if (digest !== done.partsDigest) throw new S3Error('NoSuchUpload', undefined, { UploadId: done.uploadId });
  return completionResult(ctx, bucket, done.key, done.versionId, done.etag, done.checksum);
}

/** Identifies a requested part list (numbers and ETags, in order) in a completion record. */
function partsDigest(requested: readonly RequestedPart[]): string {
  const hash = createHash('sha256');
  for (const part of requested) hash.update(`${part.partNumber}:${part.etag}\n`);
  return hash.digest('base64url');
}

function completionResult(ctx: OperationContext, bucket: BucketRecord, key: string, versionId: string, etag: string, checksum: StoredChecksum | undefined): OperationResult {
  const algorithm = checksum ? parseChecksumAlgorithm(checksum.algorithm) : undefined;
  return {
    headers: { 'x-amz-version-id': writtenVersionIdHeader(bucket, versionId), ...checksumResponseHeaders(checksum) },
    xml: {
      root: 'CompleteMultipartUploadResult',
      body: {
        Location: objectUrl(ctx, key),
        Bucket: bucket.name,
        Key: key,
        ETag: quoteEtag(etag),
        ...(checksum && algorithm ? { [checksumElement(algorithm)]: checksum.value, ChecksumType: checksum.type } : {}),
      },
    },
  };
}

async function complete(
  ctx: OperationContext,
  bucket: BucketRecord,
  upload: MultipartUpload,
  requested: readonly RequestedPart[],
  condition: ReturnType<typeof writeConditionFrom>,
): Promise<OperationResult> {
  const digest = partsDigest(requested);
  try {
    return await completeOnce(ctx, bucket, upload, requested, condition, digest);
  } catch (error) {
    // The upload went while this request was at work: a concurrent completion of it (a retry
    // racing the first attempt) may have won, and then this one answers the same.
    if (!(error instanceof StoreError) || error.code !== 'UploadNotFound') throw error;
    const done = await ctx.services.meta.getCompletedUpload(bucket.name, upload.uploadId);
    if (!done || done.key !== upload.key) throw new S3Error('NoSuchUpload', undefined, { UploadId: upload.uploadId });
    return sameCompletion(ctx, bucket, done, digest);
  }
}

async function completeOnce(
  ctx: OperationContext,
  bucket: BucketRecord,
  upload: MultipartUpload,
  requested: readonly RequestedPart[],
  condition: ReturnType<typeof writeConditionFrom>,
  digest: string,
): Promise<OperationResult> {
  const { meta } = ctx.services;
  for (let i = 1; i < requested.length; i++) {
    if (requested[i]!.partNumber <= requested[i - 1]!.partNumber) throw new S3Error('InvalidPartOrder', undefined, { UploadId: upload.uploadId });
  }
  const stored = new Map<number, UploadPart>();
  for (const part of (await meta.listParts(bucket.name, upload.uploadId, 0, limits.partNumberMax)).entries) stored.set(part.partNumber, part);
  const used: UploadPart[] = [];
  for (const wanted of requested) {
    const part = stored.get(wanted.partNumber);
    if (!part || part.etag !== wanted.etag) {
      throw new S3Error('InvalidPart', undefined, { UploadId: upload.uploadId, PartNumber: wanted.partNumber, ETag: wanted.etag });
    }
    used.push(part);
  }
  for (let i = 0; i < used.length - 1; i++) {
    if (used[i]!.size < limits.partBytesMin) {
      throw new S3Error('EntityTooSmall', undefined, {
        ProposedSize: used[i]!.size,
        MinSizeAllowed: limits.partBytesMin,
        PartNumber: used[i]!.partNumber,
        ETag: used[i]!.etag,
      });
    }
  }
  const uploadChecksum = uploadChecksumOf(upload);
  if (uploadChecksum) checkListedChecksums(uploadChecksum, requested, used, upload.uploadId);
  const checksum = uploadChecksum ? completedChecksum(uploadChecksum, used, ctx.headers) : undefined;

  const size = used.reduce((sum, part) => sum + part.size, 0);
  if (size > limits.objectBytesMax) throw new S3Error('EntityTooLarge', undefined, { ProposedSize: size, MaxSizeAllowed: limits.objectBytesMax });
  const declaredSize = ctx.headers['x-amz-mp-object-size'];
  if (declaredSize !== undefined && declaredSize.trim() !== String(size)) {
    throw new S3Error('InvalidRequest', `The provided 'x-amz-mp-object-size' header value ${declaredSize} does not match what was computed: ${size}`);
  }
  const etag = multipartEtag(used.map((part) => Buffer.from(part.etag, 'hex')));
  const parts: PartSummary[] = used.map((part) => ({ partNumber: part.partNumber, size: part.size, etag: part.etag, checksum: part.checksum }));
  const identity = await writeIdentity(ctx, bucket);
  const { versionId } = identity;
  const lastModified = new Date();
  const events = await eventsFor(ctx, bucket, 'ObjectCreated:CompleteMultipartUpload', upload.key, { size, etag, versionId }, lastModified);
  const written = await withReplication(ctx, bucket, 'ObjectCreated:CompleteMultipartUpload', {
      bucket: bucket.name,
      key: upload.key,
      versionId,
      isDeleteMarker: false,
      size,
      etag,
      lastModified,
      ownerId: upload.ownerId,
      acl: upload.acl,
      headers: upload.headers,
      userMetadata: upload.userMetadata,
      storageClass: upload.storageClass,
      checksum,
      parts,
      tags: upload.tags,
      manifest: concatManifests(used.map((part) => part.manifest)),
      encryption: upload.encryption,
      lock: withDefaultRetention(upload.lock, bucket, lastModified),
    }, identity, events);
  const { released } = await meta.completeUpload(
    upload.uploadId,
    written.version,
    condition,
    {
      partsDigest: digest,
      forgetBefore: new Date(lastModified.getTime() - limits.completedUploadRememberedMs),
      keptMax: limits.completedUploadsRememberedMax,
    },
    written.events,
  );
  await releaseBlobs(ctx, released);
  const result = completionResult(ctx, bucket, upload.key, versionId, etag, checksum);
  // Sent when the completion is fast; once keep-alive has begun, the early 200's headers stand.
  const expiration = await expirationHeaders(ctx, bucket.name, { key: upload.key, size, tags: upload.tags, lastModified });
  return { ...result, headers: { ...result.headers, ...encryptionHeaders(upload.encryption, ctx.services), ...expiration } };
}


/** Every listed part must carry its checksum in the upload's algorithm, equal to the stored one. */
function checkListedChecksums(upload: UploadChecksum, requested: readonly RequestedPart[], used: readonly UploadPart[], uploadId: string): void {
  requested.forEach((wanted, i) => {
    const value = wanted.checksums.get(upload.algorithm);
    if (value === undefined) {
      throw new S3Error(
        'InvalidRequest',
        `The upload was created using a ${upload.algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${wanted.partNumber} in the request.`,
      );
    }
    if (value !== used[i]!.checksum) {
      throw new S3Error('InvalidPart', undefined, { UploadId: uploadId, PartNumber: wanted.partNumber, ETag: wanted.etag });
    }
  });
}

export async function abortMultipartUpload(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const upload = await requireUpload(ctx, bucket);
  const { released } = await ctx.services.meta.abortUpload(bucket.name, upload.uploadId);
  await releaseBlobs(ctx, released);
  return { status: 204 };
}

// ---------------------------------------------------------------------------------------------

/** UploadPart's and UploadPartCopy's `partNumber` (the router only sends requests that carry one). */
function requiredPartNumber(ctx: OperationContext): number {
  const partNumber = ctx.params.partNumber();
  if (partNumber === undefined) throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${limits.partNumberMax}, inclusive`, { ArgumentName: 'partNumber' });
  return partNumber;
}

export async function listParts(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const upload = await requireUpload(ctx, bucket);
  const maxParts = ctx.params.maxParts();
  const marker = ctx.params.partNumberMarker();
  const page = await ctx.services.meta.listParts(bucket.name, upload.uploadId, marker, maxParts);
  const checksum = uploadChecksumOf(upload);
  const last = page.entries[page.entries.length - 1];
  return {
    headers: await abortHeaders(ctx, bucket.name, upload.key, upload.initiated),
    xml: {
      root: 'ListPartsResult',
      body: {
        Bucket: bucket.name,
        Key: upload.key,
        UploadId: upload.uploadId,
        PartNumberMarker: marker,
        NextPartNumberMarker: last ? last.partNumber : marker,
        MaxParts: maxParts,
        IsTruncated: page.isTruncated,
        Part: page.entries.map((part) => ({
          PartNumber: part.partNumber,
          LastModified: isoTimestamp(part.lastModified),
          ETag: quoteEtag(part.etag),
          Size: part.size,
          ...(checksum && part.checksum ? { [checksumElement(checksum.algorithm)]: part.checksum } : {}),
        })),
        Initiator: owner(ctx, upload.ownerId),
        Owner: owner(ctx, upload.ownerId),
        StorageClass: upload.storageClass,
        ChecksumAlgorithm: checksum?.algorithm,
        ChecksumType: checksum?.type,
      },
    },
  };
}

export async function listMultipartUploads(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const { params } = ctx;
  const prefix = params.string('prefix') ?? '';
  const delimiter = params.string('delimiter') ?? '';
  const keyMarker = params.string('key-marker') ?? '';
  const uploadIdMarker = keyMarker === '' ? '' : (params.string('upload-id-marker') ?? '');
  const encodingType = params.encodingType();
  const maxUploads = params.maxUploads();
  const encode = listingEncoder(encodingType);
  const page = maxUploads === 0
    ? { entries: [], isTruncated: false }
    : await ctx.services.meta.listUploads(bucket.name, { prefix, delimiter, keyMarker, uploadIdMarker, limit: maxUploads });
  const uploads = page.entries.flatMap((e) => (e.kind === 'upload' ? [e.upload] : []));
  const prefixes = page.entries.flatMap((e) => (e.kind === 'prefix' ? [e.prefix] : []));
  const last = page.entries[page.entries.length - 1];
  return {
    xml: {
      root: 'ListMultipartUploadsResult',
      body: {
        Bucket: bucket.name,
        KeyMarker: encode(keyMarker),
        UploadIdMarker: uploadIdMarker,
        NextKeyMarker: page.isTruncated && last ? encode(last.kind === 'upload' ? last.upload.key : last.prefix) : undefined,
        NextUploadIdMarker: page.isTruncated && last?.kind === 'upload' ? last.upload.uploadId : undefined,
        Delimiter: delimiter === '' ? undefined : encode(delimiter),
        Prefix: encode(prefix),
        EncodingType: encodingType,
        MaxUploads: maxUploads,
        IsTruncated: page.isTruncated,
        Upload: uploads.map((upload) => ({
          Key: encode(upload.key),
          UploadId: upload.uploadId,
          Initiator: owner(ctx, upload.ownerId),
          Owner: owner(ctx, upload.ownerId),
          StorageClass: upload.storageClass,
          Initiated: isoTimestamp(upload.initiated),
          ChecksumAlgorithm: upload.checksumAlgorithm,
          ChecksumType: upload.checksumType,
        })),
        CommonPrefixes: prefixes.map((p) => ({ Prefix: encode(p) })),
      },
    },
  };
}
