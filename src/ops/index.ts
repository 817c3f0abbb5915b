import type { OperationName } from '../api/operations.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './buckets/buckets.js';
import { getObjectAttributes } from './objects/attributes.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './multipart/multipart.js';
import { copyObject } from './objects/copy.js';
import { deleteBucketEncryption, getBucketEncryption, putBucketEncryption } from './config/encryption.js';
import { deleteObjects } from './objects/delete-objects.js';
import { listObjects, listObjectsV2 } from './listing/listing.js';
import { deleteObject, getObject, putObject } from './objects/objects.js';
import { postObject } from './post/post-object.js';
import { listObjectVersions } from './listing/list-versions.js';
import { getBucketNotificationConfiguration, putBucketNotificationConfiguration } from './notification/notification.js';
import {
  deleteBucketTagging,
  deleteObjectTagging,
  getBucketTagging,
  getObjectTagging,
  putBucketTagging,
  putObjectTagging,
} from './tagging/tagging.js';
import { getBucketVersioning, putBucketVersioning } from './versioning/versioning.js';
import { deleteBucketPolicy, getBucketPolicy, getBucketPolicyStatus, putBucketPolicy } from './policy/bucket-policy.js';
import type { OperationHandler, ServiceOperationHandler } from './types.js';
import { deleteBucketCors, getBucketCors, putBucketCors } from './cors/cors.js';
import { deleteBucketWebsite, getBucketWebsite, putBucketWebsite } from './website/website.js';
import { getBucketAcl, getObjectAcl, putBucketAcl, putObjectAcl } from './acl/acl.js';
import {
  deleteBucketOwnershipControls,
  deletePublicAccessBlock,
  getBucketOwnershipControls,
  getPublicAccessBlock,
  putBucketOwnershipControls,
  putPublicAccessBlock,
} from './acl/ownership.js';
import { restoreObject } from './objects/restore.js';
import { deleteBucketLifecycle, getBucketLifecycleConfiguration, putBucketLifecycleConfiguration } from './config/lifecycle.js';
import { getBucketAccelerateConfiguration, putBucketAccelerateConfiguration } from './config/accelerate.js';
import { analytics } from './config/analytics.js';
import { intelligentTiering } from './config/intelligent-tiering.js';
import { inventory } from './config/inventory.js';
import { metrics } from './config/metrics.js';
import { getBucketRequestPayment, putBucketRequestPayment } from './config/request-payment.js';
import { getBucketLogging, putBucketLogging } from './config/logging.js';
import { deleteBucketReplication, getBucketReplication, putBucketReplication } from './replication/replication.js';
import {
  getObjectLegalHold,
  getObjectLockConfiguration,
  getObjectRetention,
  putObjectLegalHold,
  putObjectLockConfiguration,
  putObjectRetention,
} from './object-lock/object-lock.js';

/** Implemented operations that run without a loaded bucket (service scope, CreateBucket). */
export const serviceHandlers: Partial<Record<OperationName, ServiceOperationHandler>> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
};

/**
 * Implemented operations on a bucket or object: they get the bucket, loaded and authorized.
 * An operation of the table (api/operations.ts) in neither map answers NotImplemented (501).
 */
export const handlers: Partial<Record<OperationName, OperationHandler>> = {
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation,
  PutObject: putObject,
  PostObject: postObject,
  GetObject: getObject,
  HeadObject: getObject,
  DeleteObject: deleteObject,
  // multipart and attributes (issue 4)
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
  GetObjectAttributes: getObjectAttributes,
  // versioning and tagging (issue 5)
  PutBucketVersioning: putBucketVersioning,
  GetBucketVersioning: getBucketVersioning,
  ListObjectVersions: listObjectVersions,
  PutObjectTagging: putObjectTagging,
  GetObjectTagging: getObjectTagging,
  DeleteObjectTagging: deleteObjectTagging,
  PutBucketTagging: putBucketTagging,
  GetBucketTagging: getBucketTagging,
  DeleteBucketTagging: deleteBucketTagging,
  // listing, copy, batch delete (issue 3)
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  CopyObject: copyObject,
  DeleteObjects: deleteObjects,
  // server-side encryption (issue 13)
  PutBucketEncryption: putBucketEncryption,
  GetBucketEncryption: getBucketEncryption,
  DeleteBucketEncryption: deleteBucketEncryption,
  // event notifications (issue 15); the legacy PutBucketNotification shares the resource and elements
  PutBucketNotificationConfiguration: putBucketNotificationConfiguration,
  GetBucketNotificationConfiguration: getBucketNotificationConfiguration,
  // ACLs, object ownership, public access block (issue 10)
  GetBucketAcl: getBucketAcl,
  PutBucketAcl: putBucketAcl,
  GetObjectAcl: getObjectAcl,
  PutObjectAcl: putObjectAcl,
  PutBucketOwnershipControls: putBucketOwnershipControls,
  GetBucketOwnershipControls: getBucketOwnershipControls,
  DeleteBucketOwnershipControls: deleteBucketOwnershipControls,
  PutPublicAccessBlock: putPublicAccessBlock,
  GetPublicAccessBlock: getPublicAccessBlock,
  DeletePublicAccessBlock: deletePublicAccessBlock,
  // bucket configurations (issue 14)
  PutBucketLifecycleConfiguration: putBucketLifecycleConfiguration,
  GetBucketLifecycleConfiguration: getBucketLifecycleConfiguration,
  DeleteBucketLifecycle: deleteBucketLifecycle,
  PutBucketAccelerateConfiguration: putBucketAccelerateConfiguration,
  GetBucketAccelerateConfiguration: getBucketAccelerateConfiguration,
  PutBucketRequestPayment: putBucketRequestPayment,
  GetBucketRequestPayment: getBucketRequestPayment,
  PutBucketAnalyticsConfiguration: analytics.put,
  GetBucketAnalyticsConfiguration: analytics.get,
  DeleteBucketAnalyticsConfiguration: analytics.delete,
  ListBucketAnalyticsConfigurations: analytics.list,
  PutBucketMetricsConfiguration: metrics.put,
  GetBucketMetricsConfiguration: metrics.get,
  DeleteBucketMetricsConfiguration: metrics.delete,
  ListBucketMetricsConfigurations: metrics.list,
  PutBucketIntelligentTieringConfiguration: intelligentTiering.put,
  GetBucketIntelligentTieringConfiguration: intelligentTiering.get,
  DeleteBucketIntelligentTieringConfiguration: intelligentTiering.delete,
  ListBucketIntelligentTieringConfigurations: intelligentTiering.list,
  PutBucketInventoryConfiguration: inventory.put,
  GetBucketInventoryConfiguration: inventory.get,
  DeleteBucketInventoryConfiguration: inventory.delete,
  ListBucketInventoryConfigurations: inventory.list,
  GetBucketLogging: getBucketLogging,
  PutBucketReplication: putBucketReplication,
  PutBucketLogging: putBucketLogging,
  GetBucketReplication: getBucketReplication,
  DeleteBucketReplication: deleteBucketReplication,
  RestoreObject: restoreObject,
  // bucket policies (issue 10)
  PutBucketPolicy: putBucketPolicy,
  GetBucketPolicy: getBucketPolicy,
  DeleteBucketPolicy: deleteBucketPolicy,
  GetBucketPolicyStatus: getBucketPolicyStatus,
  // object lock (issue 13)
  PutObjectLockConfiguration: putObjectLockConfiguration,
  GetObjectLockConfiguration: getObjectLockConfiguration,
  PutObjectRetention: putObjectRetention,
  GetObjectRetention: getObjectRetention,
  PutObjectLegalHold: putObjectLegalHold,
  GetObjectLegalHold: getObjectLegalHold,
  // CORS and static websites (issue 12)
  PutBucketCors: putBucketCors,
  GetBucketCors: getBucketCors,
  DeleteBucketCors: deleteBucketCors,
  PutBucketWebsite: putBucketWebsite,
  GetBucketWebsite: getBucketWebsite,
  DeleteBucketWebsite: deleteBucketWebsite,
};
