/** Every size Coffer accepts has a limit; they all live here, named with their unit last. */
export const limits = {
  keyBytesMax: 1024,
  bucketNameCharsMin: 3,
  bucketNameCharsMax: 63,
  userMetadataBytesMax: 2 * 1024,
  objectBytesMax: 5 * 1024 ** 4, // 5 TiB through multipart
  putObjectBytesMax: 5 * 1024 ** 3, // 5 GiB in one PUT
  copySourceBytesMax: 5 * 1024 ** 3,
  partBytesMin: 5 * 1024 ** 2,
  partBytesMax: 5 * 1024 ** 3,
  partNumberMax: 10_000,
  listKeysMax: 1000,
  listBucketsMax: 10_000,
  deleteObjectsKeysMax: 1000,
  /** XML request bodies (configurations, CompleteMultipartUpload, DeleteObjects). */
  xmlBodyBytesMax: 2 * 1024 * 1024,
  headerBytesMax: 16 * 1024,
  presignExpiresSecondsMax: 604_800,
  requestTimeSkewMsMax: 15 * 60 * 1000,
  tagsPerObjectMax: 10,
  tagsPerBucketMax: 50,
  tagKeyCharsMax: 128,
  tagValueCharsMax: 256,
  /** aws-chunked: a chunk-size line, and the trailer section. */
  chunkHeaderBytesMax: 4096,
  chunkTrailerBytesMax: 16 * 1024,
  bucketsPerUserMax: 10_000,
} as const;
