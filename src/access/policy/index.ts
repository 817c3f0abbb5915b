/**
 * The IAM policy language for Coffer: bucket policies and identity (user) policies, parsed and
 * checked as S3 / IAM check them, compiled once, and evaluated with AWS's logic. Pure: no HTTP,
 * no store. The authorizer (src/access/authorize.ts) uses it as follows:
 *
 *   // PutBucketPolicy: check and keep the text; compile it once per change (cache by bucket + etag).
 *   let policy: Policy;
 *   try { policy = parsePolicy(body, { kind: 'bucket', bucket }); }
 *   catch (e) { if (e instanceof PolicyError) throw new S3Error('MalformedPolicy', e.message); throw e; }
 *   // GetBucketPolicyStatus / BlockPublicPolicy / RestrictPublicBuckets:
 *   isPublic(policy);
 *   // Every request:
 *   const decision = evaluate(
 *     { principal: { type: 'User', accountId, arn, canonicalId, username, userid },
 *       action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/${key}`, time: requestTime,
 *       values: { 'aws:SourceIp': ip, 'aws:SecureTransport': tls, 's3:ExistingObjectTag': () => tagsOf(obj), … } },
 *     { identity: userPolicies, bucket: policy });
 *   // 'ExplicitDeny' → AccessDenied whatever else allows; 'Allow'; 'ImplicitDeny' → fall back to ACLs / owner rules.
 *
 * Condition-key values are read only when a statement that applies to the action names them:
 * pass getters for the costly ones (tags of the existing object). Service-level actions
 * (ListAllMyBuckets) pass resource `*`, which any Resource matches. Root credentials bypass
 * policies in S3 only for the bucket owner's Put/Get/DeleteBucketPolicy; that rule, public
 * access blocks, ACLs and cross-account rules belong to the authorizer.
 *
 * Limits: 20 KB (20,480 bytes of the document without white space, as S3 measures); the text
 * read at all is capped at ten times that.
 */
export { PolicyError, POLICY_MESSAGES } from './errors.js';
export { parsePolicy, Policy, POLICY_BYTES_MAX, POLICY_TEXT_BYTES_MAX, type ParseOptions, type PolicyKind, type Statement } from './policy.js';
export { evaluate, type Decision, type PolicySources } from './evaluate.js';
export { isPublic } from './public.js';
export type { AuthorizationRequest, ConditionValue, ConditionValues, Lazy, RequestPrincipal, TagSet } from './context.js';
export { S3_ACTIONS, type S3Action, type S3ActionName, type ActionScope } from './actions.js';
