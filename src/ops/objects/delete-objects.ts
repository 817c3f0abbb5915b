import { objectTags } from '../../access/object-tags.js';
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { BucketRecord, WriteCondition } from '../../store/meta/metadata-store.js';
import { asList, readCheckedBody, textOf } from '../request-xml.js';
import type { XmlObject } from '../types.js';
import { checkKey } from './keys.js';
import { failureResponse, toS3Error } from '../translate-error.js';
import { deleteOne, etagCondition, parseConditionSize, parseConditionTime } from './objects.js';
import type { OperationContext, OperationResult, RequestBody } from '../types.js';
import { NULL_VERSION_ID } from '../versioning/version-ids.js';

interface ObjectIdentifier {
  readonly key: string;
  readonly versionId?: string;
  /** The entry's ETag, LastModifiedTime and Size conditions, if any. */
  readonly condition?: WriteCondition;
}

/**
 * DeleteObjects (POST ?delete): up to 1000 keys, each authorized and deleted with DeleteObject's
 * semantics (`deleteOne`); a failure, a refusal included, is reported per key and never fails
 * the request. The body must be protected by Content-MD5 or an x-amz-checksum-* header (or
 * trailer), as AWS requires.
 */
export async function deleteObjects(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const bytes = await readCheckedBody(ctx, { integrityRequired: true });

  const { objects, quiet } = await parseDelete(bytes.toString('utf8'), ctx.body.parseXml);
  const results = await Promise.all(objects.map((object) => deleteEntry(ctx, bucket, object)));
  const deleted = results.filter((r) => r.kind === 'deleted').map((r) => r.xml);
  const errors = results.filter((r) => r.kind === 'error').map((r) => r.xml);
  return {
    xml: {
      root: 'DeleteResult',
      body: { Deleted: quiet ? [] : deleted, Error: errors },
    },
  };
}

async function parseDelete(text: string, parseXml: RequestBody['parseXml']): Promise<{ objects: ObjectIdentifier[]; quiet: boolean }> {
  if (text.trim() === '') throw new S3Error('MalformedXML');
  const document = (await parseXml(text)).Delete;
  if (document === undefined || typeof document !== 'object' || document === null) throw new S3Error('MalformedXML');
  const root = document as Record<string, unknown>;
  const entries = asList(root.Object as unknown);
  if (entries.length === 0 || entries.length > limits.deleteObjectsKeysMax) throw new S3Error('MalformedXML');
  const objects = entries.map((entry): ObjectIdentifier => {
    if (typeof entry !== 'object' || entry === null) throw new S3Error('MalformedXML');
    const fields = entry as Record<string, unknown>;
    const key = textOf(fields.Key);
    if (key === undefined) throw new S3Error('MalformedXML');
    const versionId = fields.VersionId === undefined ? undefined : textOf(fields.VersionId);
    if (fields.VersionId !== undefined && versionId === undefined) throw new S3Error('MalformedXML');
    return { key, versionId, condition: entryCondition(fields) };
  });
  const quietText = root.Quiet === undefined ? undefined : textOf(root.Quiet)?.trim().toLowerCase();
  if (quietText !== undefined && quietText !== 'true' && quietText !== 'false') throw new S3Error('MalformedXML');
  return { objects, quiet: quietText === 'true' };
}

/** `<ETag>`, `<LastModifiedTime>` (ISO 8601) and `<Size>` of an `<Object>`: DeleteObject's conditions. */
function entryCondition(fields: Record<string, unknown>): WriteCondition | undefined {
  const text = (name: string) => {
    if (fields[name] === undefined) return undefined;
    const value = textOf(fields[name]);
    if (value === undefined) throw new S3Error('MalformedXML');
    return value;
  };
  const etag = text('ETag');
  const lastModified = text('LastModifiedTime');
  const size = text('Size');
  if (etag === undefined && lastModified === undefined && size === undefined) return undefined;
  return {
    ifMatch: etagCondition(etag),
    ifMatchLastModified: lastModified === undefined ? undefined : parseConditionTime(lastModified, 'LastModifiedTime'),
    ifMatchSize: size === undefined ? undefined : parseConditionSize(size, 'Size'),
  };
}

type EntryResult = { kind: 'deleted' | 'error'; xml: XmlObject };

async function deleteEntry(ctx: OperationContext, bucket: BucketRecord, object: ObjectIdentifier): Promise<EntryResult> {
  const { key, versionId, condition } = object;
  try {
    checkKey(key);
    if (versionId !== undefined && versionId !== NULL_VERSION_ID && !/^[A-Za-z0-9_-]{32}$/.test(versionId)) {
      throw new S3Error('NoSuchVersion');
    }
    // Each key is authorized on its own (the operation table's authorizedPerObject): a refusal is this key's error.
    await ctx.authorize(versionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion', { bucket: bucket.name, key }, {
      bucket,
      loadObjectTags: () => objectTags(ctx.services.meta, bucket.name, key, versionId),
    });
    const outcome = await deleteOne(ctx, bucket, key, versionId, condition);
    if (versionId !== undefined) {
      return {
        kind: 'deleted',
        xml: {
          Key: key,
          VersionId: versionId,
          DeleteMarker: outcome.deleteMarker ? true : undefined,
          DeleteMarkerVersionId: outcome.deleteMarker ? versionId : undefined,
        },
      };
    }
    return {
      kind: 'deleted',
      xml: outcome.deleteMarker ? { Key: key, DeleteMarker: true, DeleteMarkerVersionId: outcome.versionId } : { Key: key },
    };
  } catch (error) {
    const known = toS3Error(error);
    if (!known) ctx.logError(error);
    const s3Error = known ?? failureResponse(error);
    return { kind: 'error', xml: { Key: key, VersionId: versionId, Code: s3Error.code, Message: s3Error.message } };
  }
}
