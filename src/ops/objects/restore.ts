/**
 * Archived storage classes (GLACIER, DEEP_ARCHIVE — set at upload or by a lifecycle transition).
 * Coffer keeps every class on the same disk, but answers as AWS does: an archived version's data
 * cannot be read until RestoreObject makes a temporary copy readable for N days (here at once:
 * the restore completes immediately, and the copy lasts until the midnight N lifecycle days on).
 */
import { S3Error } from '../../errors.js';
import { dueDate } from '../../jobs/lifecycle/rules.js';
import type { ObjectVersion, OutboxEvent } from '../../store/meta/metadata-store.js';
import { childrenOf, integerLeaf, single } from '../config/elements.js';
import { eventsFor } from '../notification/events.js';
import { findVersion } from './objects.js';
import { readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationResult } from '../types.js';
import { showsVersionIds } from '../versioning/version-ids.js';

const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);

function restoredNow(version: ObjectVersion): boolean {
  return version.restoredUntil !== undefined && version.restoredUntil.getTime() > Date.now();
}

/** GET of an archived version that is not restored: InvalidObjectState. */
export function requireReadable(version: ObjectVersion): void {
  if (ARCHIVED.has(version.storageClass) && !restoredNow(version)) {
    throw new S3Error('InvalidObjectState', "The operation is not valid for the object's storage class", { StorageClass: version.storageClass });
  }
}

/** What most versions answer: shared, as callers only copy from it. */
const NONE: Readonly<Record<string, string>> = Object.freeze({});

/** `x-amz-restore` on GET/HEAD of a restored archived version. */
export function restoreHeaders(version: ObjectVersion): Readonly<Record<string, string>> {
  if (!ARCHIVED.has(version.storageClass) || !restoredNow(version)) return NONE;
  return { 'x-amz-restore': `ongoing-request="false", expiry-date="${version.restoredUntil!.toUTCString()}"` };
}

export async function restoreObject(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  const version = await findVersion(ctx, bucket);
  const request = childrenOf(await readXmlDocument(ctx, 'RestoreRequest'), [
    'Days', 'GlacierJobParameters', 'Type', 'Tier', 'Description', 'SelectParameters', 'OutputLocation',
  ]);
  if (single(request, 'Type') !== undefined || single(request, 'SelectParameters') !== undefined || single(request, 'OutputLocation') !== undefined) {
    throw new S3Error('NotImplemented', 'Restore requests of type SELECT are not implemented by Coffer.');
  }
  if (!ARCHIVED.has(version.storageClass)) {
    throw new S3Error('InvalidObjectState', "Restore is not allowed for the object's current storage class", { StorageClass: version.storageClass });
  }
  const days = integerLeaf(request, 'Days');
  if (days === undefined) throw new S3Error('MalformedXML');
  if (days < 1) throw new S3Error('InvalidArgument', 'Days must be a positive integer', { ArgumentName: 'Days', ArgumentValue: days });
  const wasRestored = restoredNow(version);
  const restoredUntil = dueDate(new Date(), days, ctx.services.lifecycleDayMs);
  const events = wasRestored ? undefined : await restoreEvents(ctx, version, restoredUntil);
  await ctx.services.meta.updateVersionStorage(bucket.name, version.key, version.versionId, { restoredUntil }, events);
  // 202: a restore was started; 200: the object was already restored (its copy now lasts longer).
  return { status: wasRestored ? 200 : 202, headers: { 'x-amz-version-id': showsVersionIds(bucket) ? version.versionId : undefined } };
}

/**
 * A restore started here is complete at once, so it notifies both s3:ObjectRestore:Post and
 * s3:ObjectRestore:Completed (with the copy's expiry), as AWS does when a restore finishes. Extending
 * a copy that is already readable starts no restore and notifies nothing.
 */
async function restoreEvents(ctx: OperationContext, version: ObjectVersion, restoredUntil: Date): Promise<OutboxEvent[] | undefined> {
  const object = { size: version.size, etag: version.etag, versionId: version.versionId };
  const now = new Date();
  const posted = await eventsFor(ctx, ctx.bucket, 'ObjectRestore:Post', version.key, object, now);
  const completed = await eventsFor(ctx, ctx.bucket, 'ObjectRestore:Completed', version.key, object, now, {
    restore: { expiryTime: restoredUntil.toISOString(), storageClass: version.storageClass },
  });
  const events = [...(posted ?? []), ...(completed ?? [])];
  return events.length > 0 ? events : undefined;
}
