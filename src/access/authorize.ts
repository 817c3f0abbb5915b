import type { User } from '../auth/credentials.js';
import { S3Error } from '../errors.js';
import type { BucketRecord } from '../store/meta/metadata-store.js';
import type { ObjectAclContext } from './acl-source.js';

/** What a request acts on: nothing (the service), a bucket, or an object in it. */
export interface Resource {
  readonly bucket?: string;
  readonly key?: string;
}

/** Facts about the request a policy may look at (conditions, ownership). Grows as policies arrive. */
export interface RequestContext {
  /** The bucket the resource lies in, loaded once by the pipeline (absent for the service and CreateBucket). */
  readonly bucket?: BucketRecord;
  /** The object's owner and ACL, when its ACL may decide (access/acl-source.ts needsObjectAcl). */
  readonly object?: ObjectAclContext;
}

/** One source's say on a request, as AWS's evaluation logic names it. */
export type Verdict = 'Deny' | 'Allow' | 'NotApplicable';

/**
 * Something that can allow or explicitly deny: an identity policy, a bucket policy, an ACL, the
 * ownership rule. Evaluation must be pure and cheap (it runs on every request).
 */
export interface PolicySource {
  evaluate(principal: User | null, action: string, resource: Resource, context: RequestContext): Verdict;
}

/** Throws AccessDenied unless the request is allowed; `principal` null is anonymous. */
export type Authorize = (principal: User | null, action: string, resource: Resource, context: RequestContext) => void;

/**
 * The one authorizer, combining its sources in AWS's order: an explicit Deny from any source wins;
 * otherwise any Allow allows; otherwise the implicit deny.
 */
export function createAuthorizer(sources: readonly PolicySource[]): Authorize {
  return (principal, action, resource, context) => {
    let allowed = false;
    for (const source of sources) {
      const verdict = source.evaluate(principal, action, resource, context);
      if (verdict === 'Deny') throw new S3Error('AccessDenied');
      if (verdict === 'Allow') allowed = true;
    }
    if (!allowed) throw new S3Error('AccessDenied');
  };
}

/** Service-level actions every authenticated user may take on its own behalf. */
const OWN_ACCOUNT_ACTIONS: ReadonlySet<string> = new Set(['s3:ListAllMyBuckets', 's3:CreateBucket']);

/**
 * Coffer's rule until identity policies, bucket policies and ACLs arrive: the root user may do
 * anything; a bucket's owner anything in it; any authenticated user may list its buckets and create
 * one. Anonymous callers get nothing.
 */
export function ownershipRule(rootUserId: string): PolicySource {
  return {
    evaluate(principal, action, resource, context) {
      if (!principal) return 'NotApplicable';
      if (principal.id === rootUserId) return 'Allow';
      if (context.bucket) return context.bucket.ownerId === principal.id ? 'Allow' : 'NotApplicable';
      return resource.key === undefined && OWN_ACCOUNT_ACTIONS.has(action) ? 'Allow' : 'NotApplicable';
    },
  };
}
