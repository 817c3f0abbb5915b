import type { OperationName } from '../http/router.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './buckets.js';
import { getObjectAttributes } from './attributes.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './multipart.js';
import { copyObject } from './copy.js';
import { deleteObjects } from './delete-objects.js';
import { listObjects, listObjectsV2 } from './listing.js';
import { deleteObject, getObject, putObject } from './objects.js';
import { listObjectVersions } from './list-versions.js';
import { getBucketNotificationConfiguration, putBucketNotificationConfiguration } from './notification.js';
import {
  deleteBucketTagging,
  deleteObjectTagging,
  getBucketTagging,
  getObjectTagging,
  putBucketTagging,
  putObjectTagging,
} from './tagging.js';
import { getBucketVersioning, putBucketVersioning } from './versioning.js';
import type { OperationHandler } from './types.js';

/** The implemented operations. A routed operation missing here answers NotImplemented (501). */
export const handlers: Partial<Record<OperationName, OperationHandler>> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation,
  PutObject: putObject,
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
  // event notifications (issue 15); the legacy PutBucketNotification shares the resource and elements
  PutBucketNotificationConfiguration: putBucketNotificationConfiguration,
  GetBucketNotificationConfiguration: getBucketNotificationConfiguration,
};
