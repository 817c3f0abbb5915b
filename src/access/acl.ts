/**
 * S3 ACLs as data: the predefined groups, canned ACLs, `x-amz-grant-*` header values, and which
 * grants make a resource public. Pure: no I/O; email grantees are resolved by the caller.
 */
import { S3Error } from '../errors.js';
import type { Grant, Grantee, Permission } from '../store/meta/metadata-store.js';

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
export const GROUP_URIS: ReadonlySet<string> = new Set([ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY]);

export const PERMISSIONS: readonly Permission[] = ['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP'];

/** The canonical id AWS gives the owner of an object written anonymously. */
export const ANONYMOUS_OWNER_ID = '65a011a29cdf8ec533ec3d1ccaae921c';

export const CANNED_ACLS = [
  'private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read',
  'bucket-owner-read', 'bucket-owner-full-control', 'log-delivery-write',
] as const;
export type CannedAcl = (typeof CANNED_ACLS)[number];

const user = (id: string, permission: Permission): Grant => ({ grantee: { type: 'CanonicalUser', id }, permission });
const group = (uri: string, permission: Permission): Grant => ({ grantee: { type: 'Group', uri }, permission });

/**
 * The grants of a canned ACL. `bucketOwnerId` matters only for an object's bucket-owner-* ACLs
 * (on a bucket they equal `private`, as AWS applies them). aws-exec-read's EC2 READ grant has no
 * principal here (Coffer serves no AMI bundles), so it leaves the owner's grant only.
 */
export function cannedGrants(name: string, ownerId: string, bucketOwnerId: string): Grant[] {
  const owner = user(ownerId, 'FULL_CONTROL');
  switch (name as CannedAcl) {
    case 'private':
    case 'aws-exec-read':
      return [owner];
    case 'public-read':
      return [owner, group(ALL_USERS, 'READ')];
    case 'public-read-write':
      return [owner, group(ALL_USERS, 'READ'), group(ALL_USERS, 'WRITE')];
    case 'authenticated-read':
      return [owner, group(AUTHENTICATED_USERS, 'READ')];
    case 'bucket-owner-read':
      return bucketOwnerId === ownerId ? [owner] : [owner, user(bucketOwnerId, 'READ')];
    case 'bucket-owner-full-control':
      return bucketOwnerId === ownerId ? [owner] : [owner, user(bucketOwnerId, 'FULL_CONTROL')];
    case 'log-delivery-write':
      return [owner, group(LOG_DELIVERY, 'WRITE'), group(LOG_DELIVERY, 'READ_ACP')];
    default:
      throw new S3Error('InvalidArgument', undefined, { ArgumentName: 'x-amz-acl', ArgumentValue: name });
  }
}

/** A grantee as a request names it: by email until resolved to a canonical user. */
export type RequestedGrantee = Grantee | { readonly type: 'AmazonCustomerByEmail'; readonly email: string };

/**
 * One `x-amz-grant-<permission>` header: `id="…", emailAddress="…", uri="…"` (quotes optional), comma-separated.
 * A malformed value → 400 InvalidArgument, as AWS answers.
 */
export function parseGrantHeader(header: string, value: string): RequestedGrantee[] {
  const grantees: RequestedGrantee[] = [];
  for (const item of value.split(',')) {
    // Quoted, as AWS's documentation writes them, or bare, as AWS also takes them (s3-tests, the CLI's users).
    const match = /^\s*(id|emailAddress|uri)\s*=\s*(?:"([^"]*)"|([^"\s]+))\s*$/i.exec(item);
    if (!match) throw new S3Error('InvalidArgument', undefined, { ArgumentName: header, ArgumentValue: value });
    const kind = match[1]!.toLowerCase();
    const text = match[2] ?? match[3]!;
    if (kind === 'id') grantees.push({ type: 'CanonicalUser', id: text });
    else if (kind === 'emailaddress') grantees.push({ type: 'AmazonCustomerByEmail', email: text });
    else if (GROUP_URIS.has(text)) grantees.push({ type: 'Group', uri: text });
    else throw new S3Error('InvalidArgument', 'Invalid group uri', { ArgumentName: 'uri', ArgumentValue: text });
  }
  return grantees;
}

/** A grant to everyone or to every AWS account makes a resource public (AWS's "public ACL"). */
export function isPublicGrant(grant: Grant): boolean {
  return grant.grantee.type === 'Group' && (grant.grantee.uri === ALL_USERS || grant.grantee.uri === AUTHENTICATED_USERS);
}

/** Grants that give no one but `ownerId` anything: what a bucket whose ACLs are disabled accepts. */
export function grantsOnlyTo(grants: readonly Grant[], ownerId: string): boolean {
  return grants.every((g) => g.grantee.type === 'CanonicalUser' && g.grantee.id === ownerId && g.permission === 'FULL_CONTROL');
}
