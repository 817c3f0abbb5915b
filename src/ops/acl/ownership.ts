/** Put/Get/DeleteBucketOwnershipControls and Put/Get/DeletePublicAccessBlock. */
import { grantsOnlyTo } from '../../access/acl.js';
import { S3Error } from '../../errors.js';
import type { PublicAccessBlock } from '../../store/meta/metadata-store.js';
import { childrenOf } from '../config/elements.js';
import { readXmlDocument, textOf } from '../request-xml.js';
import type { OperationContext, OperationResult } from '../types.js';
import { storedAccessOr } from './acl.js';
import { parseObjectOwnership } from './request-acl.js';

export async function putBucketOwnershipControls(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const doc = childrenOf((await readXmlDocument(ctx, 'OwnershipControls'))!, ['Rule']);
  const rule = doc.Rule === undefined ? undefined : childrenOf(doc.Rule, ['ObjectOwnership']);
  const ownership = rule ? parseObjectOwnership(textOf(rule.ObjectOwnership)) : undefined;
  if (ownership === undefined) throw new S3Error('MalformedXML');
  await ctx.services.meta.updateBucketAccess(bucket.name, (current, ownerId) => {
    const access = storedAccessOr(current, ownerId);
    // Disabling ACLs while the bucket's ACL still grants others something would silently revoke it.
    if (ownership === 'BucketOwnerEnforced' && !grantsOnlyTo(access.grants, ownerId)) throw new S3Error('InvalidBucketAclWithObjectOwnership');
    return { ...access, ownership };
  });
  return {};
}

export async function getBucketOwnershipControls(ctx: OperationContext): Promise<OperationResult> {
  const ownership = ctx.bucket.access?.ownership;
  if (!ownership) throw new S3Error('OwnershipControlsNotFoundError', undefined, { BucketName: ctx.bucket.name });
  return { xml: { root: 'OwnershipControls', body: { Rule: { ObjectOwnership: ownership } } } };
}

export async function deleteBucketOwnershipControls(ctx: OperationContext): Promise<OperationResult> {
  await ctx.services.meta.updateBucketAccess(ctx.bucket.name, (current, ownerId) => {
    const { ownership: _removed, ...rest } = storedAccessOr(current, ownerId);
    return rest;
  });
  return { status: 204 };
}

const BLOCK_ELEMENTS = {
  BlockPublicAcls: 'blockPublicAcls',
  IgnorePublicAcls: 'ignorePublicAcls',
  BlockPublicPolicy: 'blockPublicPolicy',
  RestrictPublicBuckets: 'restrictPublicBuckets',
} as const satisfies Record<string, keyof PublicAccessBlock>;

export async function putPublicAccessBlock(ctx: OperationContext): Promise<OperationResult> {
  const doc = childrenOf((await readXmlDocument(ctx, 'PublicAccessBlockConfiguration'))!, Object.keys(BLOCK_ELEMENTS));
  const block: Record<keyof PublicAccessBlock, boolean> = { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false };
  for (const [element, field] of Object.entries(BLOCK_ELEMENTS)) {
    const text = textOf(doc[element]);
    if (text === undefined) continue;
    const value = text.trim().toLowerCase();
    if (value !== 'true' && value !== 'false') throw new S3Error('MalformedXML');
    block[field] = value === 'true';
  }
  await ctx.services.meta.updateBucketAccess(ctx.bucket.name, (current, ownerId) => ({ ...storedAccessOr(current, ownerId), publicAccessBlock: block }));
  return {};
}

export async function getPublicAccessBlock(ctx: OperationContext): Promise<OperationResult> {
  const block = ctx.bucket.access?.publicAccessBlock;
  if (!block) throw new S3Error('NoSuchPublicAccessBlockConfiguration', undefined, { BucketName: ctx.bucket.name });
  const body: Record<string, boolean> = {};
  for (const [element, field] of Object.entries(BLOCK_ELEMENTS)) body[element] = block[field];
  return { xml: { root: 'PublicAccessBlockConfiguration', body } };
}

export async function deletePublicAccessBlock(ctx: OperationContext): Promise<OperationResult> {
  await ctx.services.meta.updateBucketAccess(ctx.bucket.name, (current, ownerId) => {
    const { publicAccessBlock: _removed, ...rest } = storedAccessOr(current, ownerId);
    return rest;
  });
  return { status: 204 };
}
