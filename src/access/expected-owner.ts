import { S3Error } from '../errors.js';
import type { BucketRecord } from '../store/meta/metadata-store.js';

/**
 * `x-amz-expected-bucket-owner` (and `x-amz-source-expected-bucket-owner` for a copy source): the
 * caller's guard against writing to or reading from a bucket someone else now owns. AWS takes the
 * owner's 12-digit account id: every bucket here belongs to the one account, `accountId`. The
 * owner's canonical id is taken as well (what Coffer answered before it named the account); any
 * other value → 403 AccessDenied, as AWS answers.
 */
export function checkExpectedOwner(expected: string | undefined, bucket: BucketRecord, accountId: string): void {
  if (expected !== undefined && expected !== accountId && expected !== bucket.ownerId) throw new S3Error('AccessDenied');
}
