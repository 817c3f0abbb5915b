/**
 * Response headers that announce lifecycle work: `x-amz-expiration` on PUT, GET, HEAD and
 * CompleteMultipartUpload of an object a rule will expire, and `x-amz-abort-date` /
 * `x-amz-abort-rule-id` on CreateMultipartUpload and ListParts of an upload a rule will abort.
 */
import type { Tag } from '../../store/meta/metadata-store.js';
import {
  earliestAbort,
  earliestExpiration,
  parseLifecycleDocument,
  type LifecycleConfiguration,
} from '../../jobs/lifecycle/rules.js';
import type { OperationContext } from '../types.js';
import { requestBucketConfig } from './request-configs.js';

/** Parsed configurations by document text: the hot path parses a configuration once. */
const parsed = new Map<string, LifecycleConfiguration>();
const PARSED_CACHE_ENTRIES_MAX = 256;

async function lifecycleOf(ctx: OperationContext, bucket: string): Promise<LifecycleConfiguration | undefined> {
  const document = await requestBucketConfig(ctx, bucket, 'lifecycle');
  if (document === undefined) return undefined;
  let config = parsed.get(document);
  if (!config) {
    if (parsed.size >= PARSED_CACHE_ENTRIES_MAX) parsed.clear();
    config = parseLifecycleDocument(document);
    parsed.set(document, config);
  }
  return config;
}

export interface ExpiringObject {
  readonly key: string;
  readonly size: number;
  readonly tags: readonly Tag[];
  readonly lastModified: Date;
}

/**
 * `x-amz-expiration: expiry-date="…", rule-id="…"` for the current version `object`, if a rule
 * expires it; the rule id URL-encoded, as AWS sends it.
 */
export async function expirationHeaders(ctx: OperationContext, bucket: string, object: ExpiringObject): Promise<Record<string, string>> {
  const config = await lifecycleOf(ctx, bucket);
  const found = config && earliestExpiration(config, object.key, object.size, object.tags, object.lastModified, ctx.services.lifecycleDayMs);
  return found ? { 'x-amz-expiration': `expiry-date="${found.date.toUTCString()}", rule-id="${encodeURIComponent(found.ruleId)}"` } : {};
}

/** `x-amz-abort-date` and `x-amz-abort-rule-id` for an upload of `key` initiated at `initiated`, if a rule aborts it. */
export async function abortHeaders(ctx: OperationContext, bucket: string, key: string, initiated: Date): Promise<Record<string, string>> {
  const config = await lifecycleOf(ctx, bucket);
  const found = config && earliestAbort(config, key, initiated, ctx.services.lifecycleDayMs);
  return found ? { 'x-amz-abort-date': found.date.toUTCString(), 'x-amz-abort-rule-id': found.ruleId } : {};
}
