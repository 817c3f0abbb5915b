import type { Target } from './addressing.js';

/**
 * Every S3 operation a request can name. The router maps method + target + sub-resource to one
 * of these; an operation without a handler in ops/index.ts answers NotImplemented.
 */
export const OPERATIONS = [
  'ListBuckets',
  'CreateBucket', 'DeleteBucket', 'HeadBucket', 'GetBucketLocation', 'ListObjects', 'ListObjectsV2', 'ListObjectVersions',
  'ListMultipartUploads', 'DeleteObjects', 'PostObject',
  'PutBucketVersioning', 'GetBucketVersioning',
  'PutBucketTagging', 'GetBucketTagging', 'DeleteBucketTagging',
  'PutBucketCors', 'GetBucketCors', 'DeleteBucketCors',
  'PutBucketPolicy', 'GetBucketPolicy', 'DeleteBucketPolicy', 'GetBucketPolicyStatus',
  'PutBucketAcl', 'GetBucketAcl',
  'PutBucketLifecycleConfiguration', 'GetBucketLifecycleConfiguration', 'DeleteBucketLifecycle',
  'PutBucketWebsite', 'GetBucketWebsite', 'DeleteBucketWebsite',
  'PutBucketEncryption', 'GetBucketEncryption', 'DeleteBucketEncryption',
  'PutBucketOwnershipControls', 'GetBucketOwnershipControls', 'DeleteBucketOwnershipControls',
  'PutPublicAccessBlock', 'GetPublicAccessBlock', 'DeletePublicAccessBlock',
  'PutObjectLockConfiguration', 'GetObjectLockConfiguration',
  'PutBucketNotificationConfiguration', 'GetBucketNotificationConfiguration',
  'PutBucketLogging', 'GetBucketLogging',
  'PutBucketRequestPayment', 'GetBucketRequestPayment',
  'PutBucketAccelerateConfiguration', 'GetBucketAccelerateConfiguration',
  'PutBucketReplication', 'GetBucketReplication', 'DeleteBucketReplication',
  'PutBucketAnalyticsConfiguration', 'GetBucketAnalyticsConfiguration', 'DeleteBucketAnalyticsConfiguration', 'ListBucketAnalyticsConfigurations',
  'PutBucketMetricsConfiguration', 'GetBucketMetricsConfiguration', 'DeleteBucketMetricsConfiguration', 'ListBucketMetricsConfigurations',
  'PutBucketInventoryConfiguration', 'GetBucketInventoryConfiguration', 'DeleteBucketInventoryConfiguration', 'ListBucketInventoryConfigurations',
  'PutBucketIntelligentTieringConfiguration', 'GetBucketIntelligentTieringConfiguration', 'DeleteBucketIntelligentTieringConfiguration', 'ListBucketIntelligentTieringConfigurations',
  'PutObject', 'CopyObject', 'GetObject', 'HeadObject', 'DeleteObject',
  'CreateMultipartUpload', 'UploadPart', 'UploadPartCopy', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'ListParts',
  'PutObjectTagging', 'GetObjectTagging', 'DeleteObjectTagging',
  'PutObjectAcl', 'GetObjectAcl', 'GetObjectAttributes',
  'PutObjectRetention', 'GetObjectRetention', 'PutObjectLegalHold', 'GetObjectLegalHold',
  'RestoreObject', 'SelectObjectContent', 'GetObjectTorrent',
] as const;

export type OperationName = (typeof OPERATIONS)[number];

/** What the router decided: the operation, and the bucket and key it acts on ('' when none). */
export interface Route {
  readonly operation: OperationName;
  readonly bucket: string;
  readonly key: string;
}

/** A request the router cannot map to any S3 operation (e.g. PATCH, or POST on the service). */
export interface Unroutable {
  readonly operation: undefined;
  readonly bucket: string;
  readonly key: string;
}

type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

/** Bucket sub-resources per method: the first one present in the query wins. */
const BUCKET_SUBRESOURCES: Record<Method, ReadonlyArray<readonly [string, OperationName]>> = {
  GET: [
    ['location', 'GetBucketLocation'], ['versioning', 'GetBucketVersioning'], ['versions', 'ListObjectVersions'],
    ['uploads', 'ListMultipartUploads'], ['tagging', 'GetBucketTagging'], ['cors', 'GetBucketCors'],
    ['policyStatus', 'GetBucketPolicyStatus'], ['policy', 'GetBucketPolicy'], ['acl', 'GetBucketAcl'],
    ['lifecycle', 'GetBucketLifecycleConfiguration'], ['website', 'GetBucketWebsite'], ['encryption', 'GetBucketEncryption'],
    ['ownershipControls', 'GetBucketOwnershipControls'], ['publicAccessBlock', 'GetPublicAccessBlock'],
    ['object-lock', 'GetObjectLockConfiguration'], ['notification', 'GetBucketNotificationConfiguration'],
    ['logging', 'GetBucketLogging'], ['requestPayment', 'GetBucketRequestPayment'], ['accelerate', 'GetBucketAccelerateConfiguration'],
    ['replication', 'GetBucketReplication'], ['analytics', 'GetBucketAnalyticsConfiguration'], ['metrics', 'GetBucketMetricsConfiguration'],
    ['inventory', 'GetBucketInventoryConfiguration'], ['intelligent-tiering', 'GetBucketIntelligentTieringConfiguration'],
  ],
  PUT: [
    ['versioning', 'PutBucketVersioning'], ['tagging', 'PutBucketTagging'], ['cors', 'PutBucketCors'], ['policy', 'PutBucketPolicy'],
    ['acl', 'PutBucketAcl'], ['lifecycle', 'PutBucketLifecycleConfiguration'], ['website', 'PutBucketWebsite'],
    ['encryption', 'PutBucketEncryption'], ['ownershipControls', 'PutBucketOwnershipControls'],
    ['publicAccessBlock', 'PutPublicAccessBlock'], ['object-lock', 'PutObjectLockConfiguration'],
    ['notification', 'PutBucketNotificationConfiguration'], ['logging', 'PutBucketLogging'],
    ['requestPayment', 'PutBucketRequestPayment'], ['accelerate', 'PutBucketAccelerateConfiguration'],
    ['replication', 'PutBucketReplication'], ['analytics', 'PutBucketAnalyticsConfiguration'], ['metrics', 'PutBucketMetricsConfiguration'],
    ['inventory', 'PutBucketInventoryConfiguration'], ['intelligent-tiering', 'PutBucketIntelligentTieringConfiguration'],
  ],
  DELETE: [
    ['tagging', 'DeleteBucketTagging'], ['cors', 'DeleteBucketCors'], ['policy', 'DeleteBucketPolicy'],
    ['lifecycle', 'DeleteBucketLifecycle'], ['website', 'DeleteBucketWebsite'], ['encryption', 'DeleteBucketEncryption'],
    ['ownershipControls', 'DeleteBucketOwnershipControls'], ['publicAccessBlock', 'DeletePublicAccessBlock'],
    ['replication', 'DeleteBucketReplication'], ['analytics', 'DeleteBucketAnalyticsConfiguration'],
    ['metrics', 'DeleteBucketMetricsConfiguration'], ['inventory', 'DeleteBucketInventoryConfiguration'],
    ['intelligent-tiering', 'DeleteBucketIntelligentTieringConfiguration'],
  ],
  POST: [['delete', 'DeleteObjects']],
  HEAD: [],
};

/** Analytics/metrics/inventory/intelligent-tiering GET without an `id` lists the configurations. */
const LIST_WITHOUT_ID: Partial<Record<OperationName, OperationName>> = {
  GetBucketAnalyticsConfiguration: 'ListBucketAnalyticsConfigurations',
  GetBucketMetricsConfiguration: 'ListBucketMetricsConfigurations',
  GetBucketInventoryConfiguration: 'ListBucketInventoryConfigurations',
  GetBucketIntelligentTieringConfiguration: 'ListBucketIntelligentTieringConfigurations',
};

/**
 * Pure: method + target + query (+ whether `x-amz-copy-source` is present) → operation.
 * Tested with the example requests of AWS's API Reference in test/unit/router.test.ts.
 */
export function route(method: string, target: Target, query: URLSearchParams, hasCopySource: boolean): Route | Unroutable {
  const bucket = target.bucket ?? '';
  const key = target.key ?? '';
  const found = (operation: OperationName | undefined): Route | Unroutable => ({ operation, bucket, key }) as Route | Unroutable;
  const m = method as Method;

  if (!target.bucket) return found(m === 'GET' ? 'ListBuckets' : undefined);

  if (target.key === undefined) {
    const table = BUCKET_SUBRESOURCES[m];
    if (!table) return found(undefined);
    for (const [name, operation] of table) {
      if (query.has(name)) return found(!query.has('id') && LIST_WITHOUT_ID[operation] ? LIST_WITHOUT_ID[operation] : operation);
    }
    switch (m) {
      case 'GET': return found(query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects');
      case 'PUT': return found('CreateBucket');
      case 'HEAD': return found('HeadBucket');
      case 'DELETE': return found('DeleteBucket');
      case 'POST': return found('PostObject');
    }
  }

  switch (m) {
    case 'GET':
      if (query.has('uploadId')) return found('ListParts');
      if (query.has('tagging')) return found('GetObjectTagging');
      if (query.has('acl')) return found('GetObjectAcl');
      if (query.has('attributes')) return found('GetObjectAttributes');
      if (query.has('retention')) return found('GetObjectRetention');
      if (query.has('legal-hold')) return found('GetObjectLegalHold');
      if (query.has('torrent')) return found('GetObjectTorrent');
      return found('GetObject');
    case 'HEAD':
      return found('HeadObject');
    case 'PUT':
      if (query.has('partNumber') && query.has('uploadId')) return found(hasCopySource ? 'UploadPartCopy' : 'UploadPart');
      if (query.has('tagging')) return found('PutObjectTagging');
      if (query.has('acl')) return found('PutObjectAcl');
      if (query.has('retention')) return found('PutObjectRetention');
      if (query.has('legal-hold')) return found('PutObjectLegalHold');
      return found(hasCopySource ? 'CopyObject' : 'PutObject');
    case 'DELETE':
      if (query.has('uploadId')) return found('AbortMultipartUpload');
      if (query.has('tagging')) return found('DeleteObjectTagging');
      return found('DeleteObject');
    case 'POST':
      if (query.has('uploads')) return found('CreateMultipartUpload');
      if (query.has('uploadId')) return found('CompleteMultipartUpload');
      if (query.has('restore')) return found('RestoreObject');
      if (query.has('select')) return found('SelectObjectContent');
      return found(undefined);
    default:
      return found(undefined);
  }
}
