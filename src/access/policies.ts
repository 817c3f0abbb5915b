/**
 * Bucket policies and identity policies as one PolicySource: the policy engine (access/policy/)
 * evaluates the caller's identity policies and the bucket's policy together, with AWS's logic.
 *
 * Coffer is one account: its root (the configured root user) is the account root, other users
 * are its IAM users, `arn:aws:iam::ACCOUNT:user/NAME`. Same-account semantics: an Allow in either
 * the identity policies or the bucket policy suffices; an explicit Deny in either wins. The root
 * has no identity policies, but a bucket policy's Deny binds it as on AWS — except on
 * Put/Get/DeleteBucketPolicy, which the account's root may always call, so that no policy can
 * lock the account out of its own bucket ("the root principal of the account that owns a bucket
 * can always use" them, PutBucketPolicy's reference). Other users, the bucket's owner among
 * them, can be locked out; the root can then undo the policy.
 */
import type { User } from '../auth/credentials.js';
import type { BucketRecord } from '../store/meta/metadata-store.js';
import type { PolicySource, Resource } from './authorize.js';
import { evaluate, isPublic, parsePolicy, type Policy, type RequestPrincipal } from './policy/index.js';
import { restrictsPublicBuckets } from './public-access-block.js';

export interface PolicyIdentities {
  /** The 12-digit account id the users belong to. */
  readonly accountId: string;
  readonly rootUserId: string;
  /** The user's identity policies, compiled; undefined when it has none. */
  identityPolicies(user: User): readonly Policy[] | undefined;
}

/** Actions a bucket policy cannot deny the account's root: those that manage the policy itself. */
const ROOT_POLICY_ACTIONS: ReadonlySet<string> = new Set(['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy']);

const COMPILED_ENTRIES_MAX = 10_000;

/**
 * Compiled bucket policies by bucket name, kept while the stored text is the same: a policy is
 * compiled once per change (the record carries the text; comparing it is the only per-request cost).
 */
export class CompiledBucketPolicies {
  private readonly byBucket = new Map<string, { readonly text: string; readonly policy: Policy }>();

  of(bucket: BucketRecord): Policy | undefined {
    const text = bucket.policy;
    if (text === undefined) return undefined;
    const cached = this.byBucket.get(bucket.name);
    if (cached !== undefined && cached.text === text) return cached.policy;
    // Stored text passed parsePolicy when it was put; a parse failure here is a bug, not input.
    const policy = parsePolicy(text, { kind: 'bucket', bucket: bucket.name });
    if (this.byBucket.size >= COMPILED_ENTRIES_MAX) this.byBucket.clear();
    this.byBucket.set(bucket.name, { text, policy });
    return policy;
  }
}

/** `arn:aws:s3:::bucket`, `arn:aws:s3:::bucket/key`, or `*` for the service (ListAllMyBuckets). */
export function resourceArn(resource: Resource): string {
  if (resource.bucket === undefined) return '*';
  return resource.key === undefined ? `arn:aws:s3:::${resource.bucket}` : `arn:aws:s3:::${resource.bucket}/${resource.key}`;
}

export function requestPrincipal(user: User | null, identities: Pick<PolicyIdentities, 'accountId' | 'rootUserId'>): RequestPrincipal {
  if (user === null) return { type: 'Anonymous' };
  const { accountId } = identities;
  if (user.id === identities.rootUserId) return { type: 'Root', accountId, canonicalId: user.id };
  return {
    type: 'User',
    accountId,
    arn: `arn:aws:iam::${accountId}:user/${user.displayName}`,
    canonicalId: user.id,
    username: user.displayName,
    userid: user.id,
  };
}

export function documentPolicies(identities: PolicyIdentities, compiled = new CompiledBucketPolicies()): PolicySource {
  return {
    evaluate(principal, action, resource, context) {
      const root = principal !== null && principal.id === identities.rootUserId;
      const bucket = context.bucket;
      const bucketPolicy = bucket === undefined || (root && ROOT_POLICY_ACTIONS.has(action)) ? undefined : compiled.of(bucket);
      const identity = principal === null || root ? undefined : identities.identityPolicies(principal);
      if (bucketPolicy === undefined && identity === undefined) return 'NotApplicable';
      const decision = evaluate(
        { principal: requestPrincipal(principal, identities), action, resource: resourceArn(resource), values: context.values ?? {}, time: context.time },
        { identity, bucket: bucketPolicy },
      );
      if (decision === 'ExplicitDeny') return 'Deny';
      // RestrictPublicBuckets: a public bucket policy allows only the owner's account (here: any signed user), not anonymous callers.
      const restricted = principal === null && bucketPolicy !== undefined && restrictsPublicBuckets(bucket!) && isPublic(bucketPolicy);
      return decision === 'Allow' && !restricted ? 'Allow' : 'NotApplicable';
    },
  };
}
