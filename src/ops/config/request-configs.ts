/**
 * The configurations object requests consult (lifecycle, notification, request-payment,
 * encryption) come with the bucket record getBucket returns: a PUT or GET reads none of them
 * separately. A record without them (listBuckets' records in background jobs) costs one read.
 */
import type { BucketRecord, MetadataStore, RequestConfigKind } from '../../store/meta/metadata-store.js';
import type { OperationContext } from '../types.js';

export async function requestConfig(
  meta: MetadataStore, bucket: Pick<BucketRecord, 'name' | 'requestConfigs'>, kind: RequestConfigKind,
): Promise<string | undefined> {
  return bucket.requestConfigs ? bucket.requestConfigs[kind] : meta.getBucketConfig(bucket.name, kind);
}

/** The same for a bucket named by a request: the request's own bucket is already loaded. */
export function requestBucketConfig(ctx: OperationContext, bucket: string, kind: RequestConfigKind): Promise<string | undefined> {
  return requestConfig(ctx.services.meta, ctx.bucket.name === bucket ? ctx.bucket : { name: bucket }, kind);
}
