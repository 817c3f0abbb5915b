import type { BucketConfigKind, MetadataStore } from '../../store/meta/metadata-store.js';

const PARSED_CONFIGS_MAX = 1000;

/**
 * A reader of one kind of bucket configuration stored as JSON, parsed once per document: every
 * write to a bucket reads its notification and replication configurations, which must cost no
 * JSON parse each time (the stores cache the documents).
 */
export function parsedConfigReader<T>(kind: BucketConfigKind): (meta: MetadataStore, bucket: string) => Promise<T | undefined> {
  const parsed = new Map<string, T>();
  return async (meta, bucket) => {
    const document = await meta.getBucketConfig(bucket, kind);
    if (document === undefined) return undefined;
    let config = parsed.get(document);
    if (!config) {
      config = JSON.parse(document) as T;
      if (parsed.size >= PARSED_CONFIGS_MAX) parsed.clear();
      parsed.set(document, config);
    }
    return config;
  };
}
