import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import { StoreError } from '../../store/meta/metadata-store.js';
import { checkBucketName } from './bucket-names.js';
import { storedAccessOr } from '../acl/acl.js';
import { checkGrantsAllowed, newBucketAccess } from '../acl/request-acl.js';
import { readXmlDocument, textOf } from '../request-xml.js';
import { releaseBlobs } from '../objects/ingest.js';
import type { User } from '../../auth/credentials.js';
import type { OperationContext, OperationResult, ServiceOperationContext } from '../types.js';

/** The authenticated caller: the authorizer lets no anonymous request reach these operations. */
function caller(ctx: ServiceOperationContext): User {
  if (!ctx.user) throw new S3Error('AccessDenied');
  return ctx.user;
}

export async function createBucket(ctx: ServiceOperationContext): Promise<OperationResult> {
  const user = caller(ctx);
  const name = ctx.route.bucket;
  checkBucketName(name);
  const region = ctx.services.region;
  const config = await readXmlDocument(ctx, 'CreateBucketConfiguration', { optional: true });
  const constraint = config ? textOf(config.LocationConstraint) : undefined;
  if (constraint !== undefined && constraint !== '') {
    if (region === 'us-east-1' && constraint === 'us-east-1') throw new S3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', { LocationConstraint: constraint });
    if (constraint !== region) {
      throw new S3Error('IllegalLocationConstraintException', `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`);
    }
  } else if (region !== 'us-east-1') {
    throw new S3Error('IllegalLocationConstraintException');
  }
  const objectLock = ctx.headers['x-amz-bucket-object-lock-enabled']?.toLowerCase() === 'true';
  const access = newBucketAccess(ctx, user.id);
  try {
    // Re-creating one of your own buckets is not a new one: the store checks the name first.
    const bucketsMax = Math.min(ctx.services.bucketsPerUserMax ?? limits.bucketsPerUserMax, limits.bucketsPerUserMax);
    await ctx.services.meta.createBucket(
      { name, ownerId: user.id, createdAt: new Date(), region, versioning: objectLock ? 'Enabled' : 'Unversioned', objectLockEnabled: objectLock, access },
      bucketsMax,
    );
  } catch (error) {
    if (!(error instanceof StoreError && error.code === 'BucketExists')) throw error;
    const existing = await ctx.services.meta.getBucket(name);
    // us-east-1 answers 200 to the owner re-creating a bucket, and resets its ACL to the one this
    // request gives (private when it gives none), for legacy compatibility; other regions say so.
    if (!existing || existing.ownerId !== user.id) throw new S3Error('BucketAlreadyExists', undefined, { BucketName: name });
    if (region !== 'us-east-1') throw new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: name });
    await ctx.services.meta.updateBucketAccess(name, (current, ownerId) => {
      checkGrantsAllowed(current, access.grants, ownerId);
      return { ...storedAccessOr(current, ownerId), grants: access.grants };
    });
  }
  return { headers: { location: `/${name}` } };
}


export async function headBucket(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  return { headers: { 'x-amz-bucket-region': bucket.region, 'x-amz-access-point-alias': 'false' } };
}

export async function deleteBucket(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  // Uploads still in progress go with the bucket (as on AWS): their parts' blobs are released.
  const { released } = await ctx.services.meta.deleteBucket(bucket.name);
  await releaseBlobs(ctx, released);
  return { status: 204 };
}

export async function getBucketLocation(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  return { xml: { root: 'LocationConstraint', body: { '#text': bucket.region === 'us-east-1' ? '' : bucket.region } } };
}

export async function listBuckets(ctx: ServiceOperationContext): Promise<OperationResult> {
  const user = caller(ctx);
  const maxText = ctx.query.get('max-buckets');
  let max: number = limits.listBucketsMax;
  if (maxText !== null) {
    max = Number(maxText);
    if (!/^\d+$/.test(maxText) || max < 1 || max > limits.listBucketsMax) {
      throw new S3Error('InvalidArgument', 'Argument max-buckets must be an integer between 1 and 10000', { ArgumentName: 'max-buckets', ArgumentValue: maxText });
    }
  }
  const prefix = ctx.query.get('prefix') ?? '';
  const token = ctx.query.get('continuation-token');
  let after = '';
  if (token !== null) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (token === '' || Buffer.from(after).toString('base64url') !== token) {
      throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
    }
  }
  // `bucket-region`: only the buckets of that region (each keeps the region it was created for).
  const region = ctx.query.get('bucket-region');
  const all = (await ctx.services.meta.listBuckets(user.id)).filter((b) => b.name.startsWith(prefix) && b.name > after && (region === null || b.region === region));
  const page = all.slice(0, max);
  const truncated = all.length > max;
  return {
    xml: {
      root: 'ListAllMyBucketsResult',
      body: {
        Owner: { ID: user.id, DisplayName: user.displayName },
        Buckets: { Bucket: page.map((b) => ({ Name: b.name, CreationDate: b.createdAt.toISOString(), BucketRegion: b.region })) },
        ContinuationToken: truncated ? Buffer.from(page[page.length - 1]!.name).toString('base64url') : undefined,
        Prefix: ctx.query.has('prefix') ? prefix : undefined,
      },
    },
  };
}
