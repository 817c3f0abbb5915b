import type { User } from '../auth/credentials.js';
import { S3Error } from '../errors.js';
import type { BucketRecord } from '../store/meta/metadata-store.js';
import type { ObjectAclContext } from './acl-source.js';
import type { ConditionValues, TagSet } from './policy/index.js';

/** What a request acts on: nothing (the service), a bucket, or an object in it. */
export interface Resource {
  readonly bucket?: string;
  readonly key?: string;
}

/** Facts about the request a policy may look at (conditions, ownership). */
export interface RequestContext {
  /** The bucket the resource lies in, loaded once by the pipeline (absent for the service and CreateBucket). */
  readonly bucket?: BucketRecord;
  /** The object's owner and ACL, when its ACL may decide (access/acl-source.ts needsObjectAcl). */
  readonly object?: ObjectAclContext;
  /** Condition-key values (aws:SourceIp, s3:prefix…), as the policy engine names them; getters are read lazily. */
  readonly values?: ConditionValues;
  /** The request's time (aws:CurrentTime, aws:EpochTime). */
  readonly time?: Date;
  /**
   * Reads the tags of the object the request names (s3:ExistingObjectTag/*): called only when a
   * policy statement that could decide the request asks for them.
   */
  readonly loadObjectTags?: () => Promise<TagSet | undefined>;
}

/**
 * A RequestContext whose condition values are made only when a source reads them (most requests
 * are decided without: the owner of a bucket without a policy). A class, not an object literal
 * with a `get values()`: V8 gives each such literal, its getter a new closure every time, a map of
 * its own through the runtime — ~1.3 µs per literal in a loop against ~30 ns for an instance of
 * this (docs/performance.md, session 11), and the pipeline makes one or two per request.
 */
export class LazyValuesContext implements RequestContext {
  readonly bucket?: BucketRecord;
  readonly object?: ObjectAclContext;
  readonly time?: Date;
  readonly loadObjectTags?: () => Promise<TagSet | undefined>;
  readonly #valuesOf: () => ConditionValues;

  constructor(valuesOf: () => ConditionValues, context: Omit<RequestContext, 'values'>) {
    this.bucket = context.bucket;
    this.object = context.object;
    this.time = context.time;
    this.loadObjectTags = context.loadObjectTags;
    this.#valuesOf = valuesOf;
  }

  get values(): ConditionValues {
    return this.#valuesOf();
  }
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

/** Resolves when the request is allowed, else rejects with AccessDenied; `principal` null is anonymous. */
export type Authorize = (principal: User | null, action: string, resource: Resource, context: RequestContext) => Promise<void>;

const EXISTING_OBJECT_TAG = 's3:ExistingObjectTag';

/**
 * The one authorizer, combining its sources in AWS's order: an explicit Deny from any source wins;
 * otherwise any Allow allows; otherwise the implicit deny. The object's tags are read (once) only
 * when a source asked for s3:ExistingObjectTag: the sources are then asked again with them.
 */
export function createAuthorizer(sources: readonly PolicySource[]): Authorize {
  const decide = (principal: User | null, action: string, resource: Resource, context: RequestContext): boolean => {
    let allowed = false;
    for (const source of sources) {
      const verdict = source.evaluate(principal, action, resource, context);
      if (verdict === 'Deny') return false;
      if (verdict === 'Allow') allowed = true;
    }
    return allowed;
  };
  return async (principal, action, resource, context) => {
    const load = context.loadObjectTags;
    if (load === undefined) {
      if (!decide(principal, action, resource, context)) throw new S3Error('AccessDenied');
      return;
    }
    let asked = false;
    let tags: TagSet | undefined;
    // The values with the tags' getter are copied only for a source that reads them (a policy):
    // the owner of a bucket without one is decided without the copy.
    let values: ConditionValues | undefined;
    const withTags = new LazyValuesContext(
      () => (values ??= { ...context.values, [EXISTING_OBJECT_TAG]: () => ((asked = true), tags) }),
      { bucket: context.bucket, object: context.object, time: context.time, loadObjectTags: load },
    );
    let allowed = decide(principal, action, resource, withTags);
    if (asked) {
      tags = await load();
      allowed = decide(principal, action, resource, withTags);
    }
    if (!allowed) throw new S3Error('AccessDenied');
  };
}

/** Service-level actions a user without identity policies may take on its own behalf. */
const OWN_ACCOUNT_ACTIONS: ReadonlySet<string> = new Set(['s3:ListAllMyBuckets', 's3:CreateBucket']);

/**
 * Coffer's ownership rule: the root user may do anything; a bucket's owner anything in it; a user
 * without identity policies may list its buckets and create one (a user given identity policies
 * gets only what they grant). Anonymous callers get nothing from this rule.
 */
export function ownershipRule(rootUserId: string, hasIdentityPolicies: (user: User) => boolean = () => false): PolicySource {
  return {
    evaluate(principal, action, resource, context) {
      if (!principal) return 'NotApplicable';
      if (principal.id === rootUserId) return 'Allow';
      if (context.bucket) return context.bucket.ownerId === principal.id ? 'Allow' : 'NotApplicable';
      if (resource.key !== undefined || !OWN_ACCOUNT_ACTIONS.has(action)) return 'NotApplicable';
      return hasIdentityPolicies(principal) ? 'NotApplicable' : 'Allow';
    },
  };
}
