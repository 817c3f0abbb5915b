import { S3Error } from '../errors.js';
import type { BucketRecord } from '../store/meta/metadata-store.js';

/**
 * `x-amz-expected-bucket-owner` (and `x-amz-source-expected-bucket-owner` for a copy source): the
 * caller's guard against writing to or reading from a bucket someone else now owns. Coffer's
 * account id is the owner's canonical id; any other value → 403 AccessDenied, as AWS answers.
 */
export function checkExpectedOwner(expected: string | undefined, bucket: BucketRecord): void {
  if (expected !== undefined && expected !== bucket.ownerId) throw new S3Error('AccessDenied');
}
