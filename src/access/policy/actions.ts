/**
 * S3's IAM actions and the resource each applies to (the Service Authorization Reference's
 * "Actions defined by Amazon S3", general-purpose buckets): what a bucket policy may name
 * ("Policy has invalid action" otherwise) and what decides "Action does not apply to any
 * resource(s) in statement".
 */
export type ActionScope = 'service' | 'bucket' | 'object';

const OBJECT_ACTIONS = [
  'AbortMultipartUpload', 'BypassGovernanceRetention', 'DeleteObject', 'DeleteObjectTagging',
  'DeleteObjectVersion', 'DeleteObjectVersionTagging', 'GetObject', 'GetObjectAcl', 'GetObjectAttributes',
  'GetObjectLegalHold', 'GetObjectRetention', 'GetObjectTagging', 'GetObjectTorrent', 'GetObjectVersion',
  'GetObjectVersionAcl', 'GetObjectVersionAttributes', 'GetObjectVersionForReplication',
  'GetObjectVersionTagging', 'GetObjectVersionTorrent', 'InitiateReplication', 'ListMultipartUploadParts',
  'ObjectOwnerOverrideToBucketOwner', 'PutObject', 'PutObjectAcl', 'PutObjectLegalHold', 'PutObjectRetention',
  'PutObjectTagging', 'PutObjectVersionAcl', 'PutObjectVersionTagging', 'RenameObject', 'ReplicateDelete',
  'ReplicateObject', 'ReplicateTags', 'RestoreObject',
] as const;

const BUCKET_ACTIONS = [
  'CreateBucket', 'CreateBucketMetadataTableConfiguration', 'DeleteBucket',
  'DeleteBucketMetadataTableConfiguration', 'DeleteBucketOwnershipControls', 'DeleteBucketPolicy',
  'DeleteBucketWebsite', 'GetAccelerateConfiguration', 'GetAnalyticsConfiguration', 'GetBucketAcl',
  'GetBucketCORS', 'GetBucketLocation', 'GetBucketLogging', 'GetBucketMetadataTableConfiguration',
  'GetBucketNotification', 'GetBucketObjectLockConfiguration', 'GetBucketOwnershipControls', 'GetBucketPolicy',
  'GetBucketPolicyStatus', 'GetBucketPublicAccessBlock', 'GetBucketRequestPayment', 'GetBucketTagging',
  'GetBucketVersioning', 'GetBucketWebsite', 'GetEncryptionConfiguration', 'GetIntelligentTieringConfiguration',
  'GetInventoryConfiguration', 'GetLifecycleConfiguration', 'GetMetricsConfiguration',
  'GetReplicationConfiguration', 'ListBucket', 'ListBucketMultipartUploads', 'ListBucketVersions',
  'PutAccelerateConfiguration', 'PutAnalyticsConfiguration', 'PutBucketAcl', 'PutBucketCORS',
  'PutBucketLogging', 'PutBucketNotification', 'PutBucketObjectLockConfiguration',
  'PutBucketOwnershipControls', 'PutBucketPolicy', 'PutBucketPublicAccessBlock', 'PutBucketRequestPayment',
  'PutBucketTagging', 'PutBucketVersioning', 'PutBucketWebsite', 'PutEncryptionConfiguration',
  'PutIntelligentTieringConfiguration', 'PutInventoryConfiguration', 'PutLifecycleConfiguration',
  'PutMetricsConfiguration', 'PutReplicationConfiguration',
] as const;

/** Account-level actions: no bucket or object ARN; in an identity policy their resource is `*`. */
const SERVICE_ACTIONS = [
  'GetAccountPublicAccessBlock', 'ListAllMyBuckets', 'PutAccountPublicAccessBlock',
] as const;

export type S3ActionName =
  | `s3:${(typeof OBJECT_ACTIONS)[number]}`
  | `s3:${(typeof BUCKET_ACTIONS)[number]}`
  | `s3:${(typeof SERVICE_ACTIONS)[number]}`;

export interface S3Action {
  /** `s3:GetObject`, as AWS spells it. */
  readonly name: S3ActionName;
  /** Lower-cased, for comparison: action names are case-insensitive. */
  readonly lower: string;
  readonly scope: ActionScope;
}

function entries(names: readonly string[], scope: ActionScope): S3Action[] {
  return names.map((name) => ({ name: `s3:${name}` as S3ActionName, lower: `s3:${name.toLowerCase()}`, scope }));
}

export const S3_ACTIONS: readonly S3Action[] = [
  ...entries(OBJECT_ACTIONS, 'object'),
  ...entries(BUCKET_ACTIONS, 'bucket'),
  ...entries(SERVICE_ACTIONS, 'service'),
];
