import type { BucketRecord, MetadataStore, RequestConfigKind } from '../../store/meta/metadata-store.js';
import { requestConfig } from './request-configs.js';

const PARSED_CONFIGS_MAX = 1000;

/**
 * A reader of one kind of bucket configuration stored as JSON, parsed once per document: every
 * write to a bucket reads its notification and replication configurations, which must cost no
 * query (they come with the bucket record: request-configs.ts) and no JSON parse each time.
 */
export function parsedConfigReader<T>(
  kind: RequestConfigKind,
): (meta: MetadataStore, bucket: Pick<BucketRecord, 'name' | 'requestConfigs'> | string) => Promise<T | undefined> {
  const parsed = new Map<string, T>();
  return async (meta, bucket) => {
    const document = await requestConfig(meta, typeof bucket === 'string' ? { name: bucket } : bucket, kind);
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
