/**
 * S3 Block Public Access, per bucket. BlockPublicAcls and IgnorePublicAcls are enforced here and
 * in acl-source.ts. BlockPublicPolicy and RestrictPublicBuckets concern bucket policies:
 * PutBucketPolicy (ops/policy) asks `blocksPublicPolicy` before it stores a public policy (→ 403
 * AccessDenied), and the policy source (access/policies.ts) `restrictsPublicBuckets` before a
 * public policy's Allow counts for anyone outside the bucket owner's account (→ NotApplicable).
 */
import { S3Error } from '../errors.js';
import type { BucketAccess, BucketRecord, Grant, PublicAccessBlock } from '../store/meta/metadata-store.js';
import { isPublicGrant } from './acl.js';

export const BLOCK_ALL_PUBLIC_ACCESS: PublicAccessBlock = Object.freeze({
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
});

/** BlockPublicAcls: a request that would set a public ACL (bucket or object) → 403 AccessDenied. */
export function refusePublicAcl(access: BucketAccess | undefined, grants: readonly Grant[]): void {
  if (access?.publicAccessBlock?.blockPublicAcls && grants.some(isPublicGrant)) throw new S3Error('AccessDenied');
}

/** IgnorePublicAcls: grants to AllUsers / AuthenticatedUsers count for nothing in evaluation. */
export function ignoresPublicAcls(bucket: BucketRecord): boolean {
  return bucket.access?.publicAccessBlock?.ignorePublicAcls === true;
}

/** BlockPublicPolicy: PutBucketPolicy with a public policy must answer 403 AccessDenied. */
export function blocksPublicPolicy(bucket: BucketRecord): boolean {
  return bucket.access?.publicAccessBlock?.blockPublicPolicy === true;
}

/** RestrictPublicBuckets: a public policy allows only the bucket owner's account (and AWS services). */
export function restrictsPublicBuckets(bucket: BucketRecord): boolean {
  return bucket.access?.publicAccessBlock?.restrictPublicBuckets === true;
}
