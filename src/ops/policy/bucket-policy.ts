/**
 * Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus. The policy is kept as sent (GetBucketPolicy
 * answers it byte for byte) in the bucket's 'policy' configuration; the store returns it with the
 * bucket, and the authorizer compiles it once per change (access/policies.ts).
 */
import { blocksPublicPolicy } from '../../access/public-access-block.js';
import { isPublic, parsePolicy, PolicyError, POLICY_TEXT_BYTES_MAX, type Policy } from '../../access/policy/index.js';
import { S3Error } from '../../errors.js';
import type { BucketRecord } from '../../store/meta/metadata-store.js';
import { readCheckedBody } from '../request-xml.js';
import type { OperationContext, OperationResult } from '../types.js';

function compile(text: string, bucket: string): Policy {
  try {
    return parsePolicy(text, { kind: 'bucket', bucket });
  } catch (error) {
    if (error instanceof PolicyError) throw new S3Error('MalformedPolicy', error.message);
    throw error;
  }
}

function storedPolicy(bucket: BucketRecord): string {
  if (bucket.policy === undefined) throw new S3Error('NoSuchBucketPolicy', undefined, { BucketName: bucket.name });
  return bucket.policy;
}

/**
 * `x-amz-confirm-remove-self-bucket-access` needs no action: the bucket's owner may always read,
 * replace and delete its policy, whatever the policy says (access/policies.ts).
 */
export async function putBucketPolicy(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const text = (await readCheckedBody(ctx, { maxBytes: POLICY_TEXT_BYTES_MAX })).toString('utf8');
  // BlockPublicAccess's BlockPublicPolicy: a public policy is refused, as AWS refuses it.
  if (isPublic(compile(text, bucket.name)) && blocksPublicPolicy(bucket)) throw new S3Error('AccessDenied');
  await ctx.services.meta.putBucketConfig(bucket.name, 'policy', text);
  return { status: 204 };
}

export async function getBucketPolicy(ctx: OperationContext): Promise<OperationResult> {
  return { headers: { 'content-type': 'application/json' }, payload: storedPolicy(ctx.bucket) };
}

export async function deleteBucketPolicy(ctx: OperationContext): Promise<OperationResult> {
  await ctx.services.meta.putBucketConfig(ctx.bucket.name, 'policy', undefined);
  return { status: 204 };
}

export async function getBucketPolicyStatus(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const policy = compile(storedPolicy(bucket), bucket.name);
  return { xml: { root: 'PolicyStatus', body: { IsPublic: isPublic(policy) ? 'true' : 'false' } } };
}
