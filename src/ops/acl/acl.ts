/** Get/PutBucketAcl and Get/PutObjectAcl. */
import { cannedGrants } from '../../access/acl.js';
import { S3Error } from '../../errors.js';
import { StoreError, type BucketAccess, type BucketRecord, type Grant } from '../../store/meta/metadata-store.js';
import { eventsFor } from '../notification/events.js';
import { findVersion } from '../objects/objects.js';
import { readCheckedBody } from '../request-xml.js';
import type { OperationContext, OperationResult, XmlObject } from '../types.js';
import { showsVersionIds } from '../versioning/version-ids.js';
import { checkGrantsAllowed, grantsFromDocument, grantsFromHeaders } from './request-acl.js';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** A bucket's access settings; buckets made before Coffer kept them have their owner's full control only. */
export function bucketAccessOf(bucket: BucketRecord): BucketAccess {
  return storedAccessOr(bucket.access, bucket.ownerId);
}

/** A bucket's access as stored, or what a bucket made before access was kept has: a private ACL. */
export function storedAccessOr(access: BucketAccess | undefined, ownerId: string): BucketAccess {
  return access ?? { grants: cannedGrants('private', ownerId, ownerId) };
}

function userXml(ctx: OperationContext, id: string): XmlObject {
  return { ID: id, DisplayName: ctx.services.credentials.byId(id)?.displayName };
}

function aclXml(ctx: OperationContext, ownerId: string, grants: readonly Grant[]): OperationResult['xml'] {
  return {
    root: 'AccessControlPolicy',
    body: { Owner: userXml(ctx, ownerId), AccessControlList: { Grant: grants.map((grant) => grantXml(ctx, grant)) } },
  };
}

/** One `<Grant>` as AWS writes it (an AccessControlPolicy's, a logging configuration's TargetGrants). */
export function grantXml(ctx: OperationContext, grant: Grant): XmlObject {
  return {
    // '#attributes': the XML codec writes these as the element's attributes.
    Grantee:
      grant.grantee.type === 'CanonicalUser'
        ? { '#attributes': { 'xmlns:xsi': XSI, 'xsi:type': 'CanonicalUser' }, ...userXml(ctx, grant.grantee.id) }
        : { '#attributes': { 'xmlns:xsi': XSI, 'xsi:type': 'Group' }, URI: grant.grantee.uri },
    Permission: grant.permission,
  };
}

/**
 * The grants a Put…Acl request sets: from its headers or from its AccessControlPolicy body —
 * one of the two (both, or neither → AWS's errors).
 */
async function requestedAcl(ctx: OperationContext, ownerId: string): Promise<Grant[]> {
  const text = (await readCheckedBody(ctx)).toString('utf8');
  const fromHeaders = grantsFromHeaders(ctx, ownerId, ctx.bucket.ownerId);
  if (text.trim() === '') {
    if (!fromHeaders) throw new S3Error('MissingSecurityHeader', undefined, { MissingHeaderName: 'x-amz-acl' });
    return fromHeaders;
  }
  if (fromHeaders) throw new S3Error('UnexpectedContent');
  const doc = (await ctx.body.parseXml(text)).AccessControlPolicy;
  if (typeof doc !== 'object' || doc === null) throw new S3Error('MalformedACLError');
  return grantsFromDocument(ctx, doc as Record<string, unknown>, ownerId);
}

export async function getBucketAcl(ctx: OperationContext): Promise<OperationResult> {
  return { xml: aclXml(ctx, ctx.bucket.ownerId, bucketAccessOf(ctx.bucket).grants) };
}

export async function putBucketAcl(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const grants = await requestedAcl(ctx, bucket.ownerId);
  // Checked against the bucket's access as it is when the ACL is written (not as the request
  // found it): PutBucketOwnershipControls may have disabled ACLs meanwhile.
  await ctx.services.meta.updateBucketAccess(bucket.name, (current, ownerId) => {
    checkGrantsAllowed(current, grants, ownerId);
    return { ...storedAccessOr(current, ownerId), grants };
  });
  return {};
}

export async function getObjectAcl(ctx: OperationContext): Promise<OperationResult> {
  const version = await findVersion(ctx, ctx.bucket);
  return {
    headers: { 'x-amz-version-id': showsVersionIds(ctx.bucket) ? version.versionId : undefined },
    xml: aclXml(ctx, version.ownerId, version.acl ?? cannedGrants('private', version.ownerId, ctx.bucket.ownerId)),
  };
}

export async function putObjectAcl(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const version = await findVersion(ctx, bucket);
  const grants = await requestedAcl(ctx, version.ownerId);
  checkGrantsAllowed(bucket.access, grants, version.ownerId);
  // AWS sends s3:ObjectAcl:Put only when the ACL changes.
  const current = version.acl ?? cannedGrants('private', version.ownerId, bucket.ownerId);
  const events = sameGrants(current, grants)
    ? undefined
    : await eventsFor(ctx, bucket, 'ObjectAcl:Put', version.key, { etag: version.etag, versionId: version.versionId });
  try {
    await ctx.services.meta.putVersionAcl(bucket.name, version.key, version.versionId, grants, events);
  } catch (error) {
    if (error instanceof StoreError && error.code === 'VersionNotFound') throw new S3Error('NoSuchKey', undefined, { Key: version.key });
    throw error;
  }
  return { headers: { 'x-amz-version-id': showsVersionIds(bucket) ? version.versionId : undefined } };
}

/** The same grants, in whatever order. */
function sameGrants(a: readonly Grant[], b: readonly Grant[]): boolean {
  const canonical = (grants: readonly Grant[]) => grants
    .map(({ grantee, permission }) => `${grantee.type === 'CanonicalUser' ? `id=${grantee.id}` : `uri=${grantee.uri}`} ${permission}`)
    .sort()
    .join('\n');
  return canonical(a) === canonical(b);
}
