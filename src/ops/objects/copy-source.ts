import { needsObjectAcl, objectAclOf } from '../../access/acl-source.js';
import { checkExpectedOwner } from '../../access/expected-owner.js';
import { missingObjectError } from '../../access/missing-object.js';
import { objectTags } from '../../access/object-tags.js';
import { S3Error } from '../../errors.js';
import type { BucketRecord, ObjectVersion } from '../../store/meta/metadata-store.js';
import { checkReadPreconditions } from './conditionals.js';
import { requireReadable } from './restore.js';
import type { OperationContext } from '../types.js';
import { NULL_VERSION_ID } from '../versioning/version-ids.js';

export interface CopySource {
  readonly bucket: BucketRecord;
  readonly version: ObjectVersion;
}

/**
 * `x-amz-copy-source: [/]bucket/key[?versionId=id]`, URL-encoded — resolved to the version to
 * copy, with access checked and the `x-amz-copy-source-if-*` conditions applied (a failed
 * condition is 412 PreconditionFailed, never 304) and an archived source readable only once
 * restored. Shared by CopyObject and UploadPartCopy.
 */
export async function resolveCopySource(ctx: OperationContext): Promise<CopySource> {
  const header = ctx.headers['x-amz-copy-source'];
  if (header === undefined) throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
  const { bucketName, key, versionId } = parseCopySource(header);
  const bucket = await ctx.services.meta.getBucket(bucketName);
  if (!bucket) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucketName });
  checkExpectedOwner(ctx.headers['x-amz-source-expected-bucket-owner'], bucket, ctx.services.accountId);
  const version = await ctx.services.meta.getVersion(bucketName, key, versionId);
  // A missing source answers 404 only to a caller allowed to list its bucket, 403 to anyone else.
  const notFound = missingObjectError(version, key, versionId);
  if (!version || notFound) {
    await ctx.authorize('s3:ListBucket', { bucket: bucketName }, { bucket });
    throw notFound!;
  }
  const action = versionId === undefined ? 's3:GetObject' : 's3:GetObjectVersion';
  await ctx.authorize(action, { bucket: bucketName, key }, {
    bucket,
    object: !version.isDeleteMarker && needsObjectAcl(ctx.user, action, bucket) ? objectAclOf(version) : undefined,
    loadObjectTags: () => objectTags(ctx.services.meta, bucketName, key, versionId),
  });
  if (version.isDeleteMarker) throw new S3Error('InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.');
  checkReadPreconditions(ctx.headers, version, 'x-amz-copy-source-');
  // An archived source is read only once restored, by a copy as by a GET.
  requireReadable(version);
  return { bucket, version };
}

export function parseCopySource(header: string): { bucketName: string; key: string; versionId?: string } {
  let text = header.trim();
  let versionId: string | undefined;
  const queryAt = text.indexOf('?');
  if (queryAt >= 0) {
    const query = new URLSearchParams(text.slice(queryAt + 1));
    versionId = query.get('versionId') ?? undefined;
    text = text.slice(0, queryAt);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    throw new S3Error('InvalidArgument', 'Invalid copy source encoding', { ArgumentName: 'x-amz-copy-source' });
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source', ArgumentValue: header });
  }
  if (versionId !== undefined && versionId !== NULL_VERSION_ID && !/^[A-Za-z0-9_-]{32}$/.test(versionId)) {
    throw new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'x-amz-copy-source', ArgumentValue: header });
  }
  return { bucketName: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId };
}
