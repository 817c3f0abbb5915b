/**
 * Server access logging configuration (BucketLoggingStatus). The request observer records a line
 * for every request to a bucket whose configuration is on (src/observe/access-log.ts) and the
 * delivery job writes them into the target bucket (src/jobs/access-log-delivery.ts).
 *
 * What Coffer requires of the target: it exists and has the same owner. Log objects are written by
 * the server through the stores as the target's owner, so neither the legacy log-delivery group
 * grant (WRITE, READ_ACP) nor a bucket policy allowing logging.s3.amazonaws.com is needed — and
 * neither is checked. TargetGrants (ACLs on the log objects) is refused, not ignored.
 */
import { S3Error } from '../../errors.js';
import { readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationResult, XmlObject } from '../types.js';
import { checkDocument, child, childText, element, text } from './schema.js';

const SPEC = element({
  LoggingEnabled: element({
    TargetBucket: text({ required: true }),
    TargetPrefix: text({ required: true }),
    TargetObjectKeyFormat: element(
      {
        SimplePrefix: element({}),
        PartitionedPrefix: element({ PartitionDateSource: text({ values: ['EventTime', 'DeliveryTime'] }) }),
      },
      { choice: true },
    ),
  }),
});

/** A logging configuration as stored (the checked LoggingEnabled element) and read by the delivery job. */
export interface LoggingTarget {
  readonly TargetBucket: string;
  readonly TargetPrefix: string;
  readonly TargetObjectKeyFormat?: { readonly SimplePrefix?: object; readonly PartitionedPrefix?: { readonly PartitionDateSource?: string } };
}

export async function putBucketLogging(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  const document = await readXmlDocument(ctx, 'BucketLoggingStatus');
  const enabled = (document as XmlObject | undefined)?.['LoggingEnabled'];
  if (typeof enabled === 'object' && enabled !== null && 'TargetGrants' in enabled) {
    throw new S3Error('NotImplemented', 'TargetGrants is not implemented by Coffer: log objects belong to the target bucket\'s owner; grant access with a bucket policy.');
  }
  const target = child(checkDocument(document, SPEC), 'LoggingEnabled');
  if (target) {
    const targetName = childText(target, 'TargetBucket')!;
    const targetBucket = await ctx.services.meta.getBucket(targetName);
    if (!targetBucket) throw new S3Error('InvalidTargetBucketForLogging', 'The target bucket for logging does not exist', { TargetBucket: targetName });
    if (targetBucket.ownerId !== bucket.ownerId) {
      throw new S3Error('InvalidTargetBucketForLogging', 'The owner for the bucket to be logged and the target bucket must be the same.', { TargetBucket: targetName });
    }
  }
  await ctx.services.meta.putBucketConfig(bucket.name, 'logging', target && JSON.stringify(target));
  return {};
}

export async function getBucketLogging(ctx: OperationContext): Promise<OperationResult> {
  const stored = await ctx.services.meta.getBucketConfig(ctx.bucket.name, 'logging');
  return { xml: { root: 'BucketLoggingStatus', body: stored ? { LoggingEnabled: JSON.parse(stored) as XmlObject } : {} } };
}
