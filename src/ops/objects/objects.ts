import { ANONYMOUS_OWNER_ID } from '../../access/acl.js';
import { objectWriteAcl } from '../acl/request-acl.js';
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import { checksumHeaderName, parseChecksumAlgorithm } from '../../checksum/index.js';
import type { BucketRecord, ObjectVersion, Tag, WriteCondition } from '../../store/meta/metadata-store.js';
import { checkKey } from './keys.js';
import { checksumRequestFrom, verifyChecksums } from './checksums.js';
import { checkReadPreconditions } from './conditionals.js';
import { discard, ingestBody, releaseBlobs, requireDeclaredLength } from './ingest.js';
import { encryptionHeaders, etagFor, readKeysFor, writeEncryptionFrom } from './encryption.js';
import {
  applyResponseOverrides,
  httpDate,
  objectHeadersFrom,
  objectResponseHeaders,
  quoteEtag,
  storageClassFrom,
  userMetadataFrom,
} from './object-headers.js';
import { partRead } from './part-number.js';
import { parseRange } from './ranges.js';
import { tagsFromHeader } from '../tagging/tag-set.js';
import { eventsFor } from '../notification/events.js';
import { REPLICA_VERSION_HEADER } from '../../replication/replica-header.js';
import { withReplication, writeIdentity, type WriteIdentity } from '../replication/work-items.js';
import { readManifest, readManifestBuffer, whenReadable } from './read-object.js';
import type { OperationContext, OperationResult } from '../types.js';
import { lockResponseHeaders, mayBypassGovernance, newVersionLock, requireIntegrityForLock } from '../object-lock/lock-headers.js';
import { expirationHeaders } from '../config/lifecycle-headers.js';
import { requestChargedHeader } from '../config/request-payment.js';
import { requireReadable, restoreHeaders } from './restore.js';
import { NULL_VERSION_ID, showsVersionIds, versionIdForWrite, writtenVersionIdHeader } from '../versioning/version-ids.js';

/** `If-None-Match` / `If-Match` (`*` or an ETag) on a write, decided atomically by the store. */
export function writeConditionFrom(headers: Readonly<Record<string, string | undefined>>): WriteCondition | undefined {
  const ifNoneMatch = headers['if-none-match'];
  const ifMatch = headers['if-match'];
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  return { ifNoneMatch: etagCondition(ifNoneMatch), ifMatch: etagCondition(ifMatch) };
}

/**
 * DeleteObject's conditions on the current version: `If-Match`, `x-amz-if-match-last-modified-time`
 * (an HTTP date) and `x-amz-if-match-size`, alone or together; decided atomically by the store.
 */
export function deleteConditionFrom(headers: Readonly<Record<string, string | undefined>>): WriteCondition | undefined {
  const ifMatch = headers['if-match'];
  const lastModified = headers['x-amz-if-match-last-modified-time'];
  const size = headers['x-amz-if-match-size'];
  if (ifMatch === undefined && lastModified === undefined && size === undefined) return undefined;
  return {
    ifMatch: etagCondition(ifMatch),
    ifMatchLastModified: lastModified === undefined ? undefined : parseConditionTime(lastModified, 'x-amz-if-match-last-modified-time'),
    ifMatchSize: size === undefined ? undefined : parseConditionSize(size, 'x-amz-if-match-size'),
  };
}

/** `"etag"` → `etag`; `*` stays. */
export function etagCondition(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.trim().replace(/^"(.*)"$/, '$1');
}

/** A condition's timestamp (HTTP date in headers, ISO 8601 in DeleteObjects' XML). */
export function parseConditionTime(text: string, name: string): Date {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new S3Error('InvalidArgument', `Invalid value for ${name}`, { ArgumentName: name, ArgumentValue: text });
  return new Date(ms);
}

export function parseConditionSize(text: string, name: string): number {
  if (!/^\d{1,16}$/.test(text.trim())) throw new S3Error('InvalidArgument', `Invalid value for ${name}`, { ArgumentName: name, ArgumentValue: text });
  return Number(text.trim());
}

export async function putObject(ctx: OperationContext): Promise<OperationResult> {
  checkKey(ctx.route.key);
  const declared = requireDeclaredLength(ctx);
  if (declared > limits.putObjectBytesMax) {
    throw new S3Error('EntityTooLarge', undefined, { ProposedSize: declared, MaxSizeAllowed: limits.putObjectBytesMax });
  }
  const written = await writeObject(ctx, { event: 'ObjectCreated:Put', tags: tagsFromHeader(ctx.headers['x-amz-tagging']) });
  return { headers: written.headers };
}

export interface ObjectWrite {
  readonly event: 'ObjectCreated:Put' | 'ObjectCreated:Post';
  readonly tags: readonly Tag[];
  /** The body's size must lie in this range (POST's content-length-range); else EntityTooSmall / EntityTooLarge. */
  readonly sizeRange?: { readonly min: number; readonly max: number };
}

export interface WrittenObject {
  readonly etag: string;
  readonly versionId: string;
  /** PutObject's response headers (ETag, version id, encryption, checksum, expiration…). */
  readonly headers: Record<string, string | number | undefined>;
}

/**
 * PutObject's write, shared with POST Object: `ctx.route.key` gets `ctx.body` with the object
 * headers, metadata, checksums, encryption and ACL that `ctx.headers` ask for — durable, versioned,
 * evented and conditional (If-None-Match / If-Match) as one PUT.
 */
export async function writeObject(ctx: OperationContext, write: ObjectWrite): Promise<WrittenObject> {
  const { bucket, headers } = ctx;
  const { key } = ctx.route;
  const objectHeaders = objectHeadersFrom(headers);
  const userMetadata = userMetadataFrom(headers);
  const storageClass = storageClassFrom(headers);
  const condition = writeConditionFrom(headers);
  const checksumRequest = checksumRequestFrom(headers);
  const { tags } = write;
  const { encryption, keys } = await writeEncryptionFrom(ctx, bucket);
  const { ownerId, acl } = objectWriteAcl(ctx, bucket);
  const lock = newVersionLock(headers, bucket, new Date());
  requireIntegrityForLock(headers, lock, 'Put Object');

  const range = write.sizeRange;
  const data = await ingestBody(ctx.services.blobs, ctx.body, {
    maxBytes: Math.min(limits.putObjectBytesMax, range?.max ?? Infinity),
    algorithms: checksumRequest.algorithm ? [checksumRequest.algorithm] : [],
    keys,
  });
  const etag = etagFor(encryption, data.md5, data.dataKey);
  let released: readonly string[];
  let versionId: string;
  let checksum;
  const lastModified = new Date();
  try {
    if (range && data.size < range.min) throw new S3Error('EntityTooSmall', undefined, { ProposedSize: data.size, MinSizeAllowed: range.min });
    checksum = verifyChecksums(checksumRequest, data.md5, data.checksums, ctx.body.trailers());
    const identity = await writeIdentity(ctx, bucket);
    versionId = identity.versionId;
    const events = await eventsFor(ctx, bucket, write.event, key, { size: data.size, etag, versionId }, lastModified);
    const written = await withReplication(ctx, bucket, write.event, {
        bucket: bucket.name,
        key,
        versionId,
        isDeleteMarker: false,
        size: data.size,
        etag,
        lastModified,
        ownerId,
        acl,
        headers: objectHeaders,
        userMetadata,
        storageClass,
        checksum,
        tags,
        manifest: data.manifest,
        encryption,
        lock,
      }, identity, events);
    ({ released } = await ctx.services.meta.putVersion(written.version, condition, { events: written.events }));
  } catch (error) {
    await discard(ctx.services.blobs, data.manifest, error);
    throw error;
  }
  await releaseBlobs(ctx, released);
  // One object, added to in place (the same names in the same order as spreading them).
  const responseHeaders: Record<string, string | number | undefined> = {
    etag: quoteEtag(etag),
    'x-amz-version-id': writtenVersionIdHeader(bucket, versionId),
    ...encryptionHeaders(encryption, ctx.services, true),
  };
  if (checksum) {
    responseHeaders[checksumHeaderName(parseChecksumAlgorithm(checksum.algorithm)!)] = checksum.value;
    responseHeaders['x-amz-checksum-type'] = checksum.type;
  }
  // Each of these answers nothing without its cause (a lifecycle configuration, a requester-pays
  // request): a write without them does not wait on them, as a read does not.
  if (mayHaveLifecycle(bucket)) Object.assign(responseHeaders, await expirationHeaders(ctx, bucket.name, { key, size: data.size, tags, lastModified }));
  if (ctx.headers['x-amz-request-payer'] !== undefined) Object.assign(responseHeaders, await requestChargedHeader(ctx, bucket.name));
  return { etag, versionId, headers: responseHeaders };
}

/** The version a GET/HEAD/… names: latest, or `?versionId=`; 404s as S3 words them. */
export async function findVersion(ctx: OperationContext, bucket: BucketRecord): Promise<ObjectVersion> {
  const versionId = ctx.params.versionId();
  const version = await ctx.services.meta.getVersion(bucket.name, ctx.route.key, versionId);
  if (!version) {
    if (versionId !== undefined && versionId !== NULL_VERSION_ID) {
      throw new S3Error('NoSuchVersion', undefined, { Key: ctx.route.key, VersionId: versionId });
    }
    throw new S3Error('NoSuchKey', undefined, { Key: ctx.route.key });
  }
  if (version.isDeleteMarker) {
    const headers = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': version.versionId };
    if (versionId !== undefined) {
      throw new S3Error('MethodNotAllowed', undefined, { Method: ctx.route.operation === 'HeadObject' ? 'HEAD' : 'GET', ResourceType: 'DeleteMarker' }, { ...headers, 'last-modified': httpDate(version.lastModified) });
    }
    throw new S3Error('NoSuchKey', undefined, { Key: ctx.route.key }, headers);
  }
  return version;
}

export async function getObject(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const version = await findVersion(ctx, bucket);
  const found = readKeysFor(ctx, version, { decrypts: ctx.route.operation !== 'HeadObject' });
  const keys = found instanceof Promise ? await found : found;
  checkReadPreconditions(ctx.headers, version);
  // One object, added to in place (the same names in the same order as spreading them).
  const headers = objectResponseHeaders(version, showsVersionIds(bucket));
  if (version.encryption) Object.assign(headers, encryptionHeaders(version.encryption, ctx.services));
  Object.assign(headers, restoreHeaders(version));
  // Each of these answers nothing without its cause (a lock, a lifecycle configuration, a
  // requester-pays request): a read without them does not wait on them.
  if (version.lock) Object.assign(headers, await lockResponseHeaders(ctx, version.lock, version.key));
  if (version.isLatest && mayHaveLifecycle(bucket)) Object.assign(headers, await expirationHeaders(ctx, bucket.name, version));
  if (ctx.headers['x-amz-request-payer'] !== undefined) Object.assign(headers, await requestChargedHeader(ctx, bucket.name));
  if (ctx.query.size > 0) applyResponseOverrides(headers, ctx.query, ctx.user === null);
  const part = partRead(ctx.query, ctx.params, ctx.headers, version);
  if (part) Object.assign(headers, part.headers);
  const range = part ? part.range : parseRange(ctx.headers['range'], version.size);
  const wholeObject = part ? !version.parts?.length : !range;
  if (wholeObject && ctx.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED' && version.checksum) {
    const algorithm = parseChecksumAlgorithm(version.checksum.algorithm);
    if (algorithm) {
      headers[checksumHeaderName(algorithm)] = version.checksum.value;
      headers['x-amz-checksum-type'] = version.checksum.type;
    }
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? version.size;
  headers['content-length'] = end - start;
  if (range) headers['content-range'] = `bytes ${start}-${end - 1}/${version.size}`;
  const status = range ? 206 : 200;
  if (ctx.route.operation === 'HeadObject') return { status, headers };
  requireReadable(version);
  // Small objects: one read, then headers and body in a single write.
  const payload = await readManifestBuffer(ctx.services.blobs, version.manifest, start, end, keys);
  if (payload) return { status, headers, payload };
  return { status, headers, stream: await whenReadable(readManifest(ctx.services.blobs, version.manifest, start, end, keys, { offLoop: true })) };
}

/** False when the bucket record says it has no lifecycle configuration (its request configs are loaded with it). */
export function mayHaveLifecycle(bucket: BucketRecord): boolean {
  return bucket.requestConfigs === undefined || bucket.requestConfigs.lifecycle !== undefined;
}

export async function deleteObject(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const versionId = ctx.params.versionId();
  const replica = ctx.headers[REPLICA_VERSION_HEADER] === undefined ? undefined : await writeIdentity(ctx, bucket);
  if (replica && versionId !== undefined) throw new S3Error('InvalidRequest', `${REPLICA_VERSION_HEADER} makes a delete marker: it cannot delete a version`);
  const outcome = await deleteOne(ctx, bucket, ctx.route.key, versionId, deleteConditionFrom(ctx.headers), replica);
  return {
    status: 204,
    headers: { 'x-amz-version-id': outcome.versionId, 'x-amz-delete-marker': outcome.deleteMarker ? 'true' : undefined },
  };
}

export interface DeleteOutcome {
  /** The version removed, or the delete marker created (undefined when unversioned). */
  readonly versionId?: string;
  /** True when a delete marker was created, or the version removed was one. */
  readonly deleteMarker: boolean;
}

/**
 * DeleteObject's semantics for one key, shared with DeleteObjects: with a version id, that
 * version goes for good unless its object lock protects it (403, decided by the store in the
 * deletion's transaction); otherwise unversioned buckets drop the null version and versioned ones
 * get a delete marker (the null version's when suspended). A missing key or version is no error,
 * unless a condition (checked against the current version) asks for one.
 */
export async function deleteOne(
  ctx: OperationContext,
  bucket: BucketRecord,
  key: string,
  versionId: string | undefined,
  condition?: WriteCondition,
  /** DeleteObject from another server's replicator: the delete marker's id (x-coffer-replica-version-id). */
  replicaIdentity?: WriteIdentity,
): Promise<DeleteOutcome> {
  const { meta } = ctx.services;
  if (versionId !== undefined || bucket.versioning === 'Unversioned') {
    try {
      const removed = versionId ?? NULL_VERSION_ID;
      const events = await eventsFor(ctx, bucket, 'ObjectRemoved:Delete', key, { versionId: removed });
      const bypassGovernance = bucket.objectLockEnabled && (await mayBypassGovernance(ctx, key));
      const { deleted, released } = await meta.deleteVersion(bucket.name, key, removed, condition, { events, bypassGovernance });
      await releaseBlobs(ctx, released);
      return { versionId, deleteMarker: deleted.isDeleteMarker };
    } catch (error) {
      if ((error as { code?: string }).code === 'VersionNotFound') return { versionId, deleteMarker: false };
      throw error;
    }
  }
  const identity = replicaIdentity ?? { versionId: versionIdForWrite(bucket), replica: false };
  const markerId = identity.versionId;
  const lastModified = new Date();
  const events = await eventsFor(ctx, bucket, 'ObjectRemoved:DeleteMarkerCreated', key, { versionId: markerId }, lastModified);
  const written = await withReplication(ctx, bucket, 'ObjectRemoved:DeleteMarkerCreated', {
    bucket: bucket.name,
    key,
    versionId: markerId,
    isDeleteMarker: true,
    size: 0,
    etag: '',
    lastModified,
    ownerId: ctx.user?.id ?? ANONYMOUS_OWNER_ID,
    headers: {},
    userMetadata: {},
    storageClass: 'STANDARD',
    tags: [],
    manifest: [],
  }, identity, events);
  const { released } = await meta.putVersion(written.version, condition, { events: written.events });
  await releaseBlobs(ctx, released);
  return { versionId: markerId, deleteMarker: true };
}
