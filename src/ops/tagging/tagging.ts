import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import { StoreError, type BucketRecord, type ObjectVersion, type Tag } from '../../store/meta/metadata-store.js';
import { childrenOf } from '../config/elements.js';
import { asList, textOf } from '../request-xml.js';
import { findVersion } from '../objects/objects.js';
import { readXmlDocument } from '../request-xml.js';
import { validateTagSet } from './tag-set.js';
import type { OperationContext, OperationResult } from '../types.js';
import { showsVersionIds } from '../versioning/version-ids.js';
import { eventsFor } from '../notification/events.js';

/**
 * A `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` body, validated for `maxTags`;
 * `integrityRequired` for a bucket's (AWS refuses PutBucketTagging without Content-MD5 or a checksum).
 */
async function readTagging(ctx: OperationContext, maxTags: number, integrityRequired = false): Promise<readonly Tag[]> {
  return tagsOf((await readXmlDocument(ctx, 'Tagging', { integrityRequired }))!, maxTags);
}

/** The tags of a parsed `<Tagging>` element (also POST Object's `tagging` field), validated for `maxTags`. */
export function tagsOf(doc: Record<string, unknown>, maxTags: number = limits.tagsPerObjectMax): readonly Tag[] {
  const { TagSet: tagSet } = childrenOf(doc, ['TagSet']);
  if (tagSet === undefined) throw new S3Error('MalformedXML');
  const tags: Tag[] = [];
  if (tagSet !== '') {
    for (const tag of asList(childrenOf(tagSet, ['Tag']).Tag)) {
      const { Key, Value } = childrenOf(tag, ['Key', 'Value']);
      const key = textOf(Key);
      const value = textOf(Value);
      if (key === undefined || value === undefined) throw new S3Error('MalformedXML');
      tags.push({ key, value });
    }
  }
  return validateTagSet(tags, maxTags);
}

function taggingXml(tags: readonly Tag[]): OperationResult['xml'] {
  return { root: 'Tagging', body: { TagSet: tags.length === 0 ? '' : { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } } };
}

/** Replaces the tags of exactly the version that was found; a concurrent delete of it is a 404. */
async function setTags(ctx: OperationContext, bucket: BucketRecord, version: ObjectVersion, tags: readonly Tag[]): Promise<void> {
  try {
    const type = ctx.route.operation === 'DeleteObjectTagging' ? 'ObjectTagging:Delete' : 'ObjectTagging:Put';
    const events = await eventsFor(ctx, bucket, type, version.key, { etag: version.etag, versionId: version.versionId });
    await ctx.services.meta.putVersionTags(bucket.name, version.key, version.versionId, tags, events);
  } catch (error) {
    if (error instanceof StoreError && error.code === 'VersionNotFound') {
      if (ctx.query.has('versionId')) throw new S3Error('NoSuchVersion', undefined, { Key: version.key, VersionId: version.versionId });
      throw new S3Error('NoSuchKey', undefined, { Key: version.key });
    }
    throw error;
  }
}

// The version a tagging request names is found as GET finds it (`versionId` or latest): a
// missing one is NoSuchKey/NoSuchVersion, a delete marker NoSuchKey or MethodNotAllowed.

export async function putObjectTagging(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const tags = await readTagging(ctx, limits.tagsPerObjectMax);
  const version = await findVersion(ctx, bucket);
  await setTags(ctx, bucket, version, tags);
  return { headers: { 'x-amz-version-id': showsVersionIds(bucket) ? version.versionId : undefined } };
}

export async function getObjectTagging(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const version = await findVersion(ctx, bucket);
  return {
    headers: { 'x-amz-version-id': showsVersionIds(bucket) ? version.versionId : undefined },
    xml: taggingXml(version.tags),
  };
}

export async function deleteObjectTagging(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const version = await findVersion(ctx, bucket);
  await setTags(ctx, bucket, version, []);
  return { status: 204, headers: { 'x-amz-version-id': showsVersionIds(bucket) ? version.versionId : undefined } };
}

/** Bucket tags live in the bucket's 'tagging' configuration document as `[[key, value], …]`. */
export async function putBucketTagging(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const tags = await readTagging(ctx, limits.tagsPerBucketMax, true);
  // An empty TagSet leaves the bucket without tags, as DeleteBucketTagging does.
  const document = tags.length === 0 ? undefined : JSON.stringify(tags.map((t) => [t.key, t.value]));
  await ctx.services.meta.putBucketConfig(bucket.name, 'tagging', document);
  return { status: 204 };
}

export async function getBucketTagging(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const document = await ctx.services.meta.getBucketConfig(bucket.name, 'tagging');
  if (document === undefined) throw new S3Error('NoSuchTagSet', undefined, { BucketName: bucket.name });
  const tags = (JSON.parse(document) as [string, string][]).map(([key, value]) => ({ key, value }));
  return { xml: taggingXml(tags) };
}

export async function deleteBucketTagging(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  await ctx.services.meta.putBucketConfig(bucket.name, 'tagging', undefined);
  return { status: 204 };
}
