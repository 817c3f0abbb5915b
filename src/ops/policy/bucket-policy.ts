/**
 * Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus. The policy is kept as sent (GetBucketPolicy
 * answers it byte for byte) in the bucket's 'policy' configuration; the store returns it with the
 * bucket, and the authorizer compiles it once per change (access/policies.ts).
 */
import { createHash } from 'node:crypto';
import { blocksPublicPolicy } from '../../access/public-access-block.js';
import { isPublic, parsePolicy, PolicyError, POLICY_TEXT_BYTES_MAX, type Policy } from '../../access/policy/index.js';
import { S3Error } from '../../errors.js';
import type { BucketRecord } from '../../store/meta/metadata-store.js';
import { readBodyBytes } from '../request-xml.js';
import type { OperationContext, OperationResult } from '../types.js';

function compile(text: string, bucket: string): Policy {
  try {
    return parsePolicy(text, { kind: 'bucket', bucket });
  } catch (error) {
    if (error instanceof PolicyError) throw new S3Error('MalformedPolicy', error.message);
    throw error;
  }
}

/** Content-MD5, when sent, must be well formed and match the body. */
function checkContentMd5(header: string | undefined, body: Buffer): void {
  if (header === undefined) return;
  const expected = header.trim();
  if (!/^[A-Za-z0-9+/]{22}==$/.test(expected)) throw new S3Error('InvalidDigest');
  const actual = createHash('md5').update(body).digest('base64');
  if (actual !== expected) throw new S3Error('BadDigest', undefined, { ExpectedDigest: expected, CalculatedDigest: actual });
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
  const body = await readBodyBytes(ctx.body, POLICY_TEXT_BYTES_MAX);
  checkContentMd5(ctx.headers['content-md5'], body);
  const text = body.toString('utf8');
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
