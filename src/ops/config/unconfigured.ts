/**
 * Reads of configurations whose Put is not built yet (logging): every bucket is in
 * the not-configured state, answered as AWS answers it.
 */
import type { OperationContext, OperationResult } from '../types.js';

/** Logging off: an empty BucketLoggingStatus. */
export async function getBucketLogging(ctx: OperationContext): Promise<OperationResult> {
  return { xml: { root: 'BucketLoggingStatus', body: {} } };
}
