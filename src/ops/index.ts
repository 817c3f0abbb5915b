import type { OperationName } from '../http/router.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './buckets.js';
import { copyObject } from './copy.js';
import { deleteObjects } from './delete-objects.js';
import { listObjects, listObjectsV2 } from './listing.js';
import { deleteObject, getObject, putObject } from './objects.js';
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
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  CopyObject: copyObject,
  DeleteObjects: deleteObjects,
};
