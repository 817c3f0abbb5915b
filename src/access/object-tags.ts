import type { TagSet } from './policy/index.js';
import type { MetadataStore } from '../store/meta/metadata-store.js';

/** The tags of a stored object version (latest when versionId is absent), for s3:ExistingObjectTag. */
export async function objectTags(meta: MetadataStore, bucket: string, key: string, versionId: string | undefined): Promise<TagSet | undefined> {
  const version = await meta.getVersion(bucket, key, versionId).catch(() => undefined);
  if (version === undefined || version.isDeleteMarker) return undefined;
  const tags = Object.create(null) as Record<string, string>;
  for (const tag of version.tags) tags[tag.key] = tag.value;
  return tags;
}
