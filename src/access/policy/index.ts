/**
 * The IAM policy language for Coffer: bucket policies and identity (user) policies, read and
 * checked as S3 and IAM check them, compiled once, evaluated with AWS's logic. Pure: no HTTP,
 * no store, no clock but the request's. How the authorizer (src/access/authorize.ts) uses it:
 *
 *   // PutBucketPolicy: check the text, keep it as sent (GetBucketPolicy answers it), and keep
 *   // the compiled Policy for the bucket until the next change (compiling is the costly part).
 *   let policy: Policy;
 *   try { policy = parsePolicy(body, { kind: 'bucket', bucket }); }
 *   catch (e) { if (e instanceof PolicyError) throw new S3Error('MalformedPolicy', e.message); throw e; }
 *
 *   // GetBucketPolicyStatus, BlockPublicPolicy, RestrictPublicBuckets:
 *   isPublic(policy);
 *
 *   // Every request, once the operation, principal and bucket are known:
 *   const decision = evaluate({
 *     principal: { type: 'User', accountId, arn: `arn:aws:iam::${accountId}:user/${name}`, canonicalId, username: name, userid },
 *     action: 's3:GetObject',                        // the operation table's IAM action
 *     resource: `arn:aws:s3:::${bucket}/${key}`,    // the key as stored, not URL-encoded; `*` for ListAllMyBuckets
 *     time: requestTime,                             // aws:CurrentTime, aws:EpochTime
 *     values: {                                      // condition keys, spelled as AWS documents them
 *       'aws:SourceIp': remoteAddress, 'aws:SecureTransport': tls, 'aws:UserAgent': userAgent,
 *       's3:signatureversion': 'AWS4-HMAC-SHA256', 's3:authType': 'REST-HEADER', 's3:signatureAge': ageMs,
 *       's3:prefix': prefix, 's3:max-keys': maxKeys,
 *       's3:ExistingObjectTag': () => tagsOfTheStoredObject,   // a getter: read only if a policy asks
 *     },
 *   }, { identity: policiesOfTheUser, bucket: policy });
 *   // 'ExplicitDeny' → AccessDenied whatever else allows; 'Allow'; 'ImplicitDeny' → ACLs, then AccessDenied.
 *
 * A key absent from `values` (or whose getter answers undefined) is absent from the request, as
 * the operators define it. The engine answers the principal's keys (aws:username, aws:userid,
 * aws:PrincipalType, aws:PrincipalArn, aws:PrincipalAccount) itself, from `principal`.
 *
 * Rules that belong to the authorizer, not here: the bucket owner's root may always
 * Put/Get/DeleteBucketPolicy; Block Public Access; ACLs and object ownership; the cross-account
 * rule (both sides must allow); whether a principal named in a policy exists.
 *
 * Limits: a policy's document without white space is at most 20,480 bytes (S3's "20 KB"); the
 * text read at all at most ten times that.
 */
export { PolicyError, POLICY_MESSAGES } from './errors.js';
export { parsePolicy, Policy, POLICY_BYTES_MAX, POLICY_TEXT_BYTES_MAX, type ParseOptions, type PolicyKind, type Statement } from './policy.js';
export { evaluate, type Decision, type PolicySources } from './evaluate.js';
export { isPublic } from './public.js';
export type { AuthorizationRequest, ConditionValue, ConditionValues, Lazy, RequestPrincipal, TagSet } from './context.js';
export { S3_ACTIONS, type S3Action, type S3ActionName, type ActionScope } from './actions.js';
