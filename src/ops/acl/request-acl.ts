/**
 * The ACL a request asks for — canned `x-amz-acl`, `x-amz-grant-*` headers or an
 * AccessControlPolicy document — resolved to stored grants, and checked against the bucket's
 * object ownership and public access block before anything is written.
 */
import { cannedGrants, grantsOnlyTo, parseGrantHeader, type RequestedGrantee, ANONYMOUS_OWNER_ID, GROUP_URIS, PERMISSIONS } from '../../access/acl.js';
import { BLOCK_ALL_PUBLIC_ACCESS, refusePublicAcl } from '../../access/public-access-block.js';
import { S3Error } from '../../errors.js';
import type { BucketAccess, BucketRecord, Grant, Grantee, ObjectOwnership, Permission } from '../../store/meta/metadata-store.js';
import { childrenOf } from '../config/elements.js';
import { asList, textOf } from '../request-xml.js';
import type { ServiceOperationContext } from '../types.js';

const GRANT_HEADERS: Readonly<Record<string, Permission>> = {
  'x-amz-grant-full-control': 'FULL_CONTROL',
  'x-amz-grant-read': 'READ',
  'x-amz-grant-read-acp': 'READ_ACP',
  'x-amz-grant-write': 'WRITE',
  'x-amz-grant-write-acp': 'WRITE_ACP',
};
/** The names of GRANT_HEADERS, listed once (every write checks for each). */
const GRANT_HEADER_NAMES = Object.keys(GRANT_HEADERS);

/** Turns a requested grantee into a stored one: emails and ids must name a known user. */
function resolveGrantee(ctx: ServiceOperationContext, grantee: RequestedGrantee): Grantee {
  const { credentials } = ctx.services;
  if (grantee.type === 'AmazonCustomerByEmail') {
    const user = credentials.byEmail(grantee.email);
    if (!user) throw new S3Error('UnresolvableGrantByEmailAddress', undefined, { EmailAddress: grantee.email });
    return { type: 'CanonicalUser', id: user.id };
  }
  if (grantee.type === 'CanonicalUser' && !credentials.byId(grantee.id) && grantee.id !== ANONYMOUS_OWNER_ID) {
    throw new S3Error('InvalidArgument', 'Invalid id', { ArgumentName: 'CanonicalUser/ID', ArgumentValue: grantee.id });
  }
  return grantee;
}

/** The grants of `x-amz-acl` or `x-amz-grant-*` (undefined when the request has neither). */
export function grantsFromHeaders(ctx: ServiceOperationContext, ownerId: string, bucketOwnerId: string): Grant[] | undefined {
  const canned = ctx.headers['x-amz-acl']?.trim();
  const grantHeaders = GRANT_HEADER_NAMES.filter((name) => ctx.headers[name] !== undefined);
  if (canned !== undefined && grantHeaders.length > 0) throw new S3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed');
  if (canned !== undefined) return cannedGrants(canned, ownerId, bucketOwnerId);
  if (grantHeaders.length === 0) return undefined;
  return grantHeaders.flatMap((name) =>
    parseGrantHeader(name, ctx.headers[name]!).map((grantee) => ({ grantee: resolveGrantee(ctx, grantee), permission: GRANT_HEADERS[name]! })),
  );
}

/** An `<AccessControlPolicy>` document's grants; its Owner must be the resource's owner. */
export function grantsFromDocument(ctx: ServiceOperationContext, doc: Record<string, unknown>, ownerId: string): Grant[] {
  const { Owner: ownerElement, AccessControlList: list } = aclElement(doc, ['Owner', 'AccessControlList']);
  const owner = ownerElement === undefined ? undefined : aclElement(ownerElement, ['ID', 'DisplayName']);
  if (owner === undefined || textOf(owner.ID) === undefined || list === undefined) throw new S3Error('MalformedACLError');
  if (textOf(owner.ID) !== ownerId) throw new S3Error('AccessDenied');
  if (list === '') return [];
  return asList(aclElement(list, ['Grant']).Grant).map((entry) => grantOf(ctx, entry));
}

/**
 * One `<Grant><Grantee>…</Grantee><Permission>…</Permission></Grant>` (of an AccessControlPolicy,
 * or of a logging configuration's TargetGrants, whose permissions are `permissions`), its grantee
 * resolved (an email to its user's id).
 */
export function grantOf(ctx: ServiceOperationContext, entry: unknown, permissions: readonly Permission[] = PERMISSIONS): Grant {
  const { Grantee: grantee, Permission: permissionText } = aclElement(entry, ['Grantee', 'Permission']);
  const permission = textOf(permissionText) as Permission | undefined;
  if (grantee === undefined || permission === undefined || !permissions.includes(permission)) throw new S3Error('MalformedACLError');
  const fields = aclElement(grantee, ['ID', 'DisplayName', 'EmailAddress', 'URI']);
  const id = textOf(fields.ID);
  const email = textOf(fields.EmailAddress);
  const uri = textOf(fields.URI);
  let requested: RequestedGrantee;
  if (id !== undefined) requested = { type: 'CanonicalUser', id };
  else if (email !== undefined) requested = { type: 'AmazonCustomerByEmail', email };
  else if (uri !== undefined && GROUP_URIS.has(uri)) requested = { type: 'Group', uri };
  else if (uri !== undefined) throw new S3Error('InvalidArgument', 'Invalid group uri', { ArgumentName: 'uri', ArgumentValue: uri });
  else throw new S3Error('MalformedACLError');
  return { grantee: resolveGrantee(ctx, requested), permission };
}

/** An element of an AccessControlPolicy with only the children the schema allows; else MalformedACLError, as AWS. */
function aclElement(value: unknown, allowed: readonly string[]): Record<string, unknown> {
  try {
    return childrenOf(value, allowed);
  } catch {
    throw new S3Error('MalformedACLError');
  }
}

/**
 * Whether the bucket takes these grants: with ACLs disabled (BucketOwnerEnforced) only the
 * owner's full control → else 400 AccessControlListNotSupported; BlockPublicAcls refuses a public
 * ACL → 403 AccessDenied.
 */
export function checkGrantsAllowed(access: BucketAccess | undefined, grants: readonly Grant[], ownerId: string): void {
  if (access?.ownership === 'BucketOwnerEnforced' && !grantsOnlyTo(grants, ownerId)) throw new S3Error('AccessControlListNotSupported');
  refusePublicAcl(access, grants);
}

/**
 * Who owns an object this request writes, and its ACL. BucketOwnerEnforced: the bucket owner;
 * BucketOwnerPreferred: the bucket owner when the writer gives it bucket-owner-full-control;
 * otherwise (ObjectWriter, or no controls) the writer — anonymous writers as AWS's anonymous id.
 */
export function objectWriteAcl(ctx: ServiceOperationContext, bucket: BucketRecord): { ownerId: string; acl: Grant[] } {
  const ownership = bucket.access?.ownership;
  const ownedByBucketOwner =
    ownership === 'BucketOwnerEnforced' || (ownership === 'BucketOwnerPreferred' && ctx.headers['x-amz-acl']?.trim() === 'bucket-owner-full-control');
  const ownerId = ownedByBucketOwner ? bucket.ownerId : (ctx.user?.id ?? ANONYMOUS_OWNER_ID);
  const acl = grantsFromHeaders(ctx, ownerId, bucket.ownerId) ?? cannedGrants('private', ownerId, bucket.ownerId);
  checkGrantsAllowed(bucket.access, acl, ownerId);
  return { ownerId, acl };
}

const OWNERSHIPS: readonly ObjectOwnership[] = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];

/** A valid ObjectOwnership value, or undefined. */
export function parseObjectOwnership(text: string | undefined): ObjectOwnership | undefined {
  return OWNERSHIPS.find((o) => o === text);
}

/**
 * A new bucket's access settings: the server's defaults (AWS's of today — ACLs disabled, all public
 * access blocked — or, with `legacy`, ObjectWriter and no block), `x-amz-object-ownership` and
 * the request's ACL headers.
 */
export function newBucketAccess(ctx: ServiceOperationContext, ownerId: string): BucketAccess {
  const legacy = ctx.services.bucketDefaults === 'legacy';
  const header = ctx.headers['x-amz-object-ownership'];
  const ownership = header === undefined ? (legacy ? 'ObjectWriter' : 'BucketOwnerEnforced') : parseObjectOwnership(header);
  if (!ownership) throw new S3Error('InvalidArgument', `Invalid x-amz-object-ownership header: ${header}`, { ArgumentName: 'x-amz-object-ownership', ArgumentValue: header });
  const grants = grantsFromHeaders(ctx, ownerId, ownerId) ?? cannedGrants('private', ownerId, ownerId);
  if (ownership === 'BucketOwnerEnforced' && !grantsOnlyTo(grants, ownerId)) throw new S3Error('InvalidBucketAclWithObjectOwnership');
  const access: BucketAccess = legacy ? { grants, ownership } : { grants, ownership, publicAccessBlock: BLOCK_ALL_PUBLIC_ACCESS };
  refusePublicAcl(access, grants);
  return access;
}
