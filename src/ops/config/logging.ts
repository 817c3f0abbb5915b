/**
 * Server access logging configuration (BucketLoggingStatus). The request observer records a line
 * for every request to a bucket whose configuration is on (src/observe/access-log.ts) and the
 * delivery job writes them into the target bucket (src/jobs/access-log-delivery.ts).
 *
 * What Coffer requires of the target: it exists and has the same owner. Log objects are written by
 * the server through the stores as the target's owner, so neither the legacy log-delivery group
 * grant (WRITE, READ_ACP) nor a bucket policy allowing logging.s3.amazonaws.com is needed — and
 * neither is checked. TargetGrants (FULL_CONTROL, READ or WRITE for users, by id or email, or
 * groups) become the log objects' ACL beside the owner's full control; a target whose ACLs are
 * disabled (BucketOwnerEnforced) refuses them (AccessControlListNotSupported).
 */
import { S3Error } from '../../errors.js';
import type { Grant } from '../../store/meta/metadata-store.js';
import { grantXml } from '../acl/acl.js';
import { grantOf } from '../acl/request-acl.js';
import { asList, readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationResult, XmlObject } from '../types.js';
import { checkDocument, child, childText, element, text } from './schema.js';

/** The permissions a logging configuration's TargetGrants may give. */
const TARGET_GRANT_PERMISSIONS = ['FULL_CONTROL', 'READ', 'WRITE'] as const;

const SPEC = element({
  LoggingEnabled: element({
    TargetBucket: text({ required: true }),
    TargetPrefix: text({ required: true }),
    // Each Grant is checked as an ACL's grant is (grantOf).
    TargetGrants: element({
      Grant: { ...element({ Grantee: element({ ID: text(), DisplayName: text(), EmailAddress: text(), URI: text() }, { required: true }), Permission: text({ values: TARGET_GRANT_PERMISSIONS, required: true }) }), repeat: true },
    }),
    TargetObjectKeyFormat: element(
      {
        SimplePrefix: element({}),
        PartitionedPrefix: element({ PartitionDateSource: text({ values: ['EventTime', 'DeliveryTime'] }) }),
      },
      { choice: true },
    ),
  }),
});

/**
 * A logging configuration as stored (the checked LoggingEnabled element, its TargetGrants resolved
 * to grants) and read by the delivery job.
 */
export interface LoggingTarget {
  readonly TargetBucket: string;
  readonly TargetPrefix: string;
  readonly TargetGrants?: readonly Grant[];
  readonly TargetObjectKeyFormat?: { readonly SimplePrefix?: object; readonly PartitionedPrefix?: { readonly PartitionDateSource?: string } };
}

export async function putBucketLogging(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  const document = await readXmlDocument(ctx, 'BucketLoggingStatus');
  const enabled = child(checkDocument(document, SPEC), 'LoggingEnabled');
  let target: LoggingTarget | undefined;
  if (enabled) {
    const targetName = childText(enabled, 'TargetBucket')!;
    const targetBucket = await ctx.services.meta.getBucket(targetName);
    if (!targetBucket) throw new S3Error('InvalidTargetBucketForLogging', 'The target bucket for logging does not exist', { TargetBucket: targetName });
    if (targetBucket.ownerId !== bucket.ownerId) {
      throw new S3Error('InvalidTargetBucketForLogging', 'The owner for the bucket to be logged and the target bucket must be the same.', { TargetBucket: targetName });
    }
    const sentGrants = asList(child(enabled, 'TargetGrants')?.Grant);
    if (sentGrants.length > 0 && targetBucket.access?.ownership === 'BucketOwnerEnforced') throw new S3Error('AccessControlListNotSupported');
    const grants = sentGrants.map((grant) => grantOf(ctx, grant, TARGET_GRANT_PERMISSIONS));
    const { TargetGrants: _sent, ...rest } = enabled;
    target = { ...(rest as unknown as LoggingTarget), ...(grants.length > 0 ? { TargetGrants: grants } : {}) };
  }
  await ctx.services.meta.putBucketConfig(bucket.name, 'logging', target && JSON.stringify(target));
  return {};
}

export async function getBucketLogging(ctx: OperationContext): Promise<OperationResult> {
  const stored = await ctx.services.meta.getBucketConfig(ctx.bucket.name, 'logging');
  if (!stored) return { xml: { root: 'BucketLoggingStatus', body: {} } };
  const { TargetBucket, TargetPrefix, TargetGrants, TargetObjectKeyFormat } = JSON.parse(stored) as LoggingTarget;
  // AWS's element order: TargetBucket, TargetGrants, TargetPrefix, TargetObjectKeyFormat.
  const LoggingEnabled: XmlObject = {
    TargetBucket,
    TargetGrants: TargetGrants && { Grant: TargetGrants.map((grant) => grantXml(ctx, grant)) },
    TargetPrefix,
    TargetObjectKeyFormat: TargetObjectKeyFormat as XmlObject | undefined,
  };
  return { xml: { root: 'BucketLoggingStatus', body: { LoggingEnabled } } };
}
