/**
 * THE operation table: every operation of the S3 API (2006-03-01) as the current AWS SDK models it,
 * plus browser-form PostObject. Each row gives the operation's HTTP shape, the scope it acts on and
 * the IAM action AWS checks for it ("Actions, resources, and condition keys for Amazon S3").
 * The router (api/router.ts) is derived from these rows; handlers register in ops/index.ts, and a
 * row without a handler answers 501 NotImplemented — after authentication and authorization.
 */

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

/**
 * What the request names. `service`: no bucket (ListBuckets). `bucket` / `object`: the pipeline loads
 * the bucket once before authorizing (NoSuchBucket first), except for rows with `bucketMayNotExist`.
 */
export type Scope = 'service' | 'bucket' | 'object';

export interface OperationSpec {
  readonly method: Method;
  readonly scope: Scope;
  /**
   * The query parameter that names the sub-resource (`?acl`, `?uploads`, …). A request carrying a
   * sub-resource that its operation does not name is routed nowhere (405), never to another operation.
   */
  readonly subresource?: string;
  /** Further query parameters that must be present, or equal the given value (`list-type=2`). */
  readonly query?: Readonly<Record<string, true | string>>;
  /** A header that must be present (`x-amz-copy-source` for CopyObject and UploadPartCopy). */
  readonly header?: string;
  /** The IAM action authorized for the request. */
  readonly action: string;
  /** The action instead, when the request names a `versionId` (s3:GetObjectVersion, …). */
  readonly versionAction?: string;
  /**
   * A read that answers a missing object's 404 (NoSuchKey, NoSuchVersion) only to a caller also
   * allowed s3:ListBucket, 403 AccessDenied to anyone else (access/missing-object.ts).
   */
  readonly hidesMissingObject?: true;
  /** CreateBucket: authorized against the bucket it is about to create. */
  readonly bucketMayNotExist?: true;
  /**
   * PostObject: the caller is named by the form in the body (its signature fields), not by the
   * headers, so the pipeline does not authorize before the handler; the handler authenticates the
   * form through `ctx.authenticateForm` and authorizes that caller.
   */
  readonly authenticatedByForm?: true;
  /**
   * DeleteObjects: each key is authorized by the handler (`action`, or `versionAction` for an entry
   * with a version id) and a refusal is that key's AccessDenied in the result, as AWS reports it;
   * the request itself is not refused. (A caller allowed one prefix may delete keys under it.)
   */
  readonly authorizedPerObject?: true;
  /**
   * A write that may tag the object it makes (`x-amz-tagging`; CopyObject only with
   * `x-amz-tagging-directive: REPLACE`): tags also need s3:PutObjectTagging, as AWS requires (the
   * PutObject API reference), so a policy that denies tagging is not bypassed by a tagged upload.
   */
  readonly tagsNewObject?: true;
}

const get = (scope: Scope, action: string, extra: Partial<OperationSpec> = {}): OperationSpec => ({ method: 'GET', scope, action, ...extra });
const put = (scope: Scope, action: string, extra: Partial<OperationSpec> = {}): OperationSpec => ({ method: 'PUT', scope, action, ...extra });
const del = (scope: Scope, action: string, extra: Partial<OperationSpec> = {}): OperationSpec => ({ method: 'DELETE', scope, action, ...extra });
const post = (scope: Scope, action: string, extra: Partial<OperationSpec> = {}): OperationSpec => ({ method: 'POST', scope, action, ...extra });
const head = (scope: Scope, action: string, extra: Partial<OperationSpec> = {}): OperationSpec => ({ method: 'HEAD', scope, action, ...extra });
const sub = (subresource: string, extra: Partial<OperationSpec> = {}): Partial<OperationSpec> => ({ subresource, ...extra });

export const OPERATIONS = {
  // service
  ListBuckets: get('service', 's3:ListAllMyBuckets'),
  ListDirectoryBuckets: get('service', 's3express:ListAllMyDirectoryBuckets', { query: { 'x-id': 'ListDirectoryBuckets' } }),
  WriteGetObjectResponse: post('service', 's3-object-lambda:WriteGetObjectResponse', { header: 'x-amz-request-route' }),

  // buckets
  CreateBucket: put('bucket', 's3:CreateBucket', { bucketMayNotExist: true }),
  HeadBucket: head('bucket', 's3:ListBucket'),
  DeleteBucket: del('bucket', 's3:DeleteBucket'),
  GetBucketLocation: get('bucket', 's3:GetBucketLocation', sub('location')),
  CreateSession: get('bucket', 's3express:CreateSession', sub('session')),
  PostObject: post('bucket', 's3:PutObject', { authenticatedByForm: true }),

  // listing
  ListObjects: get('bucket', 's3:ListBucket'),
  ListObjectsV2: get('bucket', 's3:ListBucket', { query: { 'list-type': '2' } }),
  ListObjectVersions: get('bucket', 's3:ListBucketVersions', sub('versions')),
  ListMultipartUploads: get('bucket', 's3:ListBucketMultipartUploads', sub('uploads')),

  // bucket configurations
  PutBucketVersioning: put('bucket', 's3:PutBucketVersioning', sub('versioning')),
  GetBucketVersioning: get('bucket', 's3:GetBucketVersioning', sub('versioning')),
  PutBucketTagging: put('bucket', 's3:PutBucketTagging', sub('tagging')),
  GetBucketTagging: get('bucket', 's3:GetBucketTagging', sub('tagging')),
  DeleteBucketTagging: del('bucket', 's3:PutBucketTagging', sub('tagging')),
  PutBucketAbac: put('bucket', 's3:PutBucketABAC', sub('abac')),
  GetBucketAbac: get('bucket', 's3:GetBucketABAC', sub('abac')),
  PutBucketCors: put('bucket', 's3:PutBucketCORS', sub('cors')),
  GetBucketCors: get('bucket', 's3:GetBucketCORS', sub('cors')),
  DeleteBucketCors: del('bucket', 's3:PutBucketCORS', sub('cors')),
  PutBucketPolicy: put('bucket', 's3:PutBucketPolicy', sub('policy')),
  GetBucketPolicy: get('bucket', 's3:GetBucketPolicy', sub('policy')),
  DeleteBucketPolicy: del('bucket', 's3:DeleteBucketPolicy', sub('policy')),
  GetBucketPolicyStatus: get('bucket', 's3:GetBucketPolicyStatus', sub('policyStatus')),
  PutBucketAcl: put('bucket', 's3:PutBucketAcl', sub('acl')),
  GetBucketAcl: get('bucket', 's3:GetBucketAcl', sub('acl')),
  PutBucketOwnershipControls: put('bucket', 's3:PutBucketOwnershipControls', sub('ownershipControls')),
  GetBucketOwnershipControls: get('bucket', 's3:GetBucketOwnershipControls', sub('ownershipControls')),
  DeleteBucketOwnershipControls: del('bucket', 's3:PutBucketOwnershipControls', sub('ownershipControls')),
  PutPublicAccessBlock: put('bucket', 's3:PutBucketPublicAccessBlock', sub('publicAccessBlock')),
  GetPublicAccessBlock: get('bucket', 's3:GetBucketPublicAccessBlock', sub('publicAccessBlock')),
  DeletePublicAccessBlock: del('bucket', 's3:PutBucketPublicAccessBlock', sub('publicAccessBlock')),
  PutBucketLifecycleConfiguration: put('bucket', 's3:PutLifecycleConfiguration', sub('lifecycle')),
  GetBucketLifecycleConfiguration: get('bucket', 's3:GetLifecycleConfiguration', sub('lifecycle')),
  DeleteBucketLifecycle: del('bucket', 's3:PutLifecycleConfiguration', sub('lifecycle')),
  PutBucketWebsite: put('bucket', 's3:PutBucketWebsite', sub('website')),
  GetBucketWebsite: get('bucket', 's3:GetBucketWebsite', sub('website')),
  DeleteBucketWebsite: del('bucket', 's3:DeleteBucketWebsite', sub('website')),
  PutBucketEncryption: put('bucket', 's3:PutEncryptionConfiguration', sub('encryption')),
  GetBucketEncryption: get('bucket', 's3:GetEncryptionConfiguration', sub('encryption')),
  DeleteBucketEncryption: del('bucket', 's3:PutEncryptionConfiguration', sub('encryption')),
  PutObjectLockConfiguration: put('bucket', 's3:PutBucketObjectLockConfiguration', sub('object-lock')),
  GetObjectLockConfiguration: get('bucket', 's3:GetBucketObjectLockConfiguration', sub('object-lock')),
  PutBucketNotificationConfiguration: put('bucket', 's3:PutBucketNotification', sub('notification')),
  GetBucketNotificationConfiguration: get('bucket', 's3:GetBucketNotification', sub('notification')),
  PutBucketLogging: put('bucket', 's3:PutBucketLogging', sub('logging')),
  GetBucketLogging: get('bucket', 's3:GetBucketLogging', sub('logging')),
  PutBucketRequestPayment: put('bucket', 's3:PutBucketRequestPayment', sub('requestPayment')),
  GetBucketRequestPayment: get('bucket', 's3:GetBucketRequestPayment', sub('requestPayment')),
  PutBucketAccelerateConfiguration: put('bucket', 's3:PutAccelerateConfiguration', sub('accelerate')),
  GetBucketAccelerateConfiguration: get('bucket', 's3:GetAccelerateConfiguration', sub('accelerate')),
  PutBucketReplication: put('bucket', 's3:PutReplicationConfiguration', sub('replication')),
  GetBucketReplication: get('bucket', 's3:GetReplicationConfiguration', sub('replication')),
  DeleteBucketReplication: del('bucket', 's3:PutReplicationConfiguration', sub('replication')),
  PutBucketAnalyticsConfiguration: put('bucket', 's3:PutAnalyticsConfiguration', sub('analytics', { query: { id: true } })),
  GetBucketAnalyticsConfiguration: get('bucket', 's3:GetAnalyticsConfiguration', sub('analytics', { query: { id: true } })),
  DeleteBucketAnalyticsConfiguration: del('bucket', 's3:PutAnalyticsConfiguration', sub('analytics', { query: { id: true } })),
  ListBucketAnalyticsConfigurations: get('bucket', 's3:GetAnalyticsConfiguration', sub('analytics')),
  PutBucketMetricsConfiguration: put('bucket', 's3:PutMetricsConfiguration', sub('metrics', { query: { id: true } })),
  GetBucketMetricsConfiguration: get('bucket', 's3:GetMetricsConfiguration', sub('metrics', { query: { id: true } })),
  DeleteBucketMetricsConfiguration: del('bucket', 's3:PutMetricsConfiguration', sub('metrics', { query: { id: true } })),
  ListBucketMetricsConfigurations: get('bucket', 's3:GetMetricsConfiguration', sub('metrics')),
  PutBucketInventoryConfiguration: put('bucket', 's3:PutInventoryConfiguration', sub('inventory', { query: { id: true } })),
  GetBucketInventoryConfiguration: get('bucket', 's3:GetInventoryConfiguration', sub('inventory', { query: { id: true } })),
  DeleteBucketInventoryConfiguration: del('bucket', 's3:PutInventoryConfiguration', sub('inventory', { query: { id: true } })),
  ListBucketInventoryConfigurations: get('bucket', 's3:GetInventoryConfiguration', sub('inventory')),
  PutBucketIntelligentTieringConfiguration: put('bucket', 's3:PutIntelligentTieringConfiguration', sub('intelligent-tiering', { query: { id: true } })),
  GetBucketIntelligentTieringConfiguration: get('bucket', 's3:GetIntelligentTieringConfiguration', sub('intelligent-tiering', { query: { id: true } })),
  DeleteBucketIntelligentTieringConfiguration: del('bucket', 's3:PutIntelligentTieringConfiguration', sub('intelligent-tiering', { query: { id: true } })),
  ListBucketIntelligentTieringConfigurations: get('bucket', 's3:GetIntelligentTieringConfiguration', sub('intelligent-tiering')),
  CreateBucketMetadataConfiguration: post('bucket', 's3:CreateBucketMetadataTableConfiguration', sub('metadataConfiguration')),
  GetBucketMetadataConfiguration: get('bucket', 's3:GetBucketMetadataTableConfiguration', sub('metadataConfiguration')),
  DeleteBucketMetadataConfiguration: del('bucket', 's3:DeleteBucketMetadataTableConfiguration', sub('metadataConfiguration')),
  CreateBucketMetadataTableConfiguration: post('bucket', 's3:CreateBucketMetadataTableConfiguration', sub('metadataTable')),
  GetBucketMetadataTableConfiguration: get('bucket', 's3:GetBucketMetadataTableConfiguration', sub('metadataTable')),
  DeleteBucketMetadataTableConfiguration: del('bucket', 's3:DeleteBucketMetadataTableConfiguration', sub('metadataTable')),
  UpdateBucketMetadataInventoryTableConfiguration: put('bucket', 's3:UpdateBucketMetadataInventoryTableConfiguration', sub('metadataInventoryTable')),
  UpdateBucketMetadataJournalTableConfiguration: put('bucket', 's3:UpdateBucketMetadataJournalTableConfiguration', sub('metadataJournalTable')),
  UpdateBucketMetadataAnnotationTableConfiguration: put('bucket', 's3:UpdateBucketMetadataAnnotationTableConfiguration', sub('metadataAnnotationTable')),
  DeleteObjects: post('bucket', 's3:DeleteObject', sub('delete', { versionAction: 's3:DeleteObjectVersion', authorizedPerObject: true })),

  // objects
  PutObject: put('object', 's3:PutObject', { tagsNewObject: true }),
  CopyObject: put('object', 's3:PutObject', { header: 'x-amz-copy-source', tagsNewObject: true }),
  GetObject: get('object', 's3:GetObject', { versionAction: 's3:GetObjectVersion', hidesMissingObject: true }),
  HeadObject: head('object', 's3:GetObject', { versionAction: 's3:GetObjectVersion', hidesMissingObject: true }),
  DeleteObject: del('object', 's3:DeleteObject', { versionAction: 's3:DeleteObjectVersion' }),
  GetObjectAttributes: get('object', 's3:GetObjectAttributes', sub('attributes', { versionAction: 's3:GetObjectVersionAttributes', hidesMissingObject: true })),
  RenameObject: put('object', 's3express:RenameObject', sub('renameObject')),
  UpdateObjectEncryption: put('object', 's3:UpdateObjectEncryption', sub('encryption')),
  RestoreObject: post('object', 's3:RestoreObject', sub('restore')),
  SelectObjectContent: post('object', 's3:GetObject', sub('select', { query: { 'select-type': '2' } })),
  GetObjectTorrent: get('object', 's3:GetObjectTorrent', sub('torrent', { versionAction: 's3:GetObjectVersionTorrent' })),

  // multipart uploads
  CreateMultipartUpload: post('object', 's3:PutObject', sub('uploads', { tagsNewObject: true })),
  UploadPart: put('object', 's3:PutObject', sub('uploadId', { query: { partNumber: true } })),
  UploadPartCopy: put('object', 's3:PutObject', sub('uploadId', { query: { partNumber: true }, header: 'x-amz-copy-source' })),
  CompleteMultipartUpload: post('object', 's3:PutObject', sub('uploadId')),
  AbortMultipartUpload: del('object', 's3:AbortMultipartUpload', sub('uploadId')),
  ListParts: get('object', 's3:ListMultipartUploadParts', sub('uploadId')),

  // object sub-resources
  PutObjectTagging: put('object', 's3:PutObjectTagging', sub('tagging', { versionAction: 's3:PutObjectVersionTagging' })),
  GetObjectTagging: get('object', 's3:GetObjectTagging', sub('tagging', { versionAction: 's3:GetObjectVersionTagging', hidesMissingObject: true })),
  DeleteObjectTagging: del('object', 's3:DeleteObjectTagging', sub('tagging', { versionAction: 's3:DeleteObjectVersionTagging' })),
  PutObjectAcl: put('object', 's3:PutObjectAcl', sub('acl', { versionAction: 's3:PutObjectVersionAcl' })),
  GetObjectAcl: get('object', 's3:GetObjectAcl', sub('acl', { versionAction: 's3:GetObjectVersionAcl', hidesMissingObject: true })),
  PutObjectRetention: put('object', 's3:PutObjectRetention', sub('retention')),
  GetObjectRetention: get('object', 's3:GetObjectRetention', sub('retention')),
  PutObjectLegalHold: put('object', 's3:PutObjectLegalHold', sub('legal-hold')),
  GetObjectLegalHold: get('object', 's3:GetObjectLegalHold', sub('legal-hold')),
  PutObjectAnnotation: put('object', 's3:PutObjectAnnotation', sub('annotation')),
  GetObjectAnnotation: get('object', 's3:GetObjectAnnotation', sub('annotation', { query: { 'x-id': 'GetObjectAnnotation' } })),
  ListObjectAnnotations: get('object', 's3:ListObjectAnnotations', sub('annotation')),
  DeleteObjectAnnotation: del('object', 's3:DeleteObjectAnnotation', sub('annotation')),
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof OPERATIONS;

export const OPERATION_NAMES = Object.keys(OPERATIONS) as readonly OperationName[];

/** The IAM action a request to this operation is authorized as (versioned variants when `versionId` is given). */
export function actionFor(name: OperationName, query: URLSearchParams): string {
  const spec: OperationSpec = OPERATIONS[name];
  return spec.versionAction !== undefined && query.has('versionId') ? spec.versionAction : spec.action;
}
