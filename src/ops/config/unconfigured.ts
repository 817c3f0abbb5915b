/**
 * Reads of configurations whose Put is not built yet (replication): every bucket is in
 * the not-configured state, answered as AWS answers it.
 */
import { S3Error } from '../../errors.js';
import type { OperationContext, OperationResult } from '../types.js';

export async function getBucketReplication(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  throw new S3Error('ReplicationConfigurationNotFoundError', undefined, { BucketName: bucket.name });
}
