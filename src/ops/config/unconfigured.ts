/**
 * Reads of configurations whose Put is not built yet (logging, notifications, replication —
 * the events issue's): every bucket is in the not-configured state, answered as AWS answers it.
 */
import { S3Error } from '../../errors.js';
import type { OperationContext, OperationResult } from '../types.js';

/** Logging off: an empty BucketLoggingStatus. */
export async function getBucketLogging(ctx: OperationContext): Promise<OperationResult> {
  return { xml: { root: 'BucketLoggingStatus', body: {} } };
}

/** No notifications: an empty NotificationConfiguration. */
export async function getBucketNotificationConfiguration(ctx: OperationContext): Promise<OperationResult> {
  return { xml: { root: 'NotificationConfiguration', body: {} } };
}

export async function getBucketReplication(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  throw new S3Error('ReplicationConfigurationNotFoundError', undefined, { BucketName: bucket.name });
}
