/** Every size Coffer accepts has a limit; they all live here, named with their unit last. */
export const limits = {
  keyBytesMax: 1024,
  bucketNameCharsMin: 3,
  bucketNameCharsMax: 63,
  userMetadataBytesMax: 2 * 1024,
  objectBytesMax: 5 * 1024 ** 4, // 5 TiB through multipart
  putObjectBytesMax: 5 * 1024 ** 3, // 5 GiB in one PUT
  copySourceBytesMax: 5 * 1024 ** 3,
  /** POST Object: the form fields before the file part, together (AWS: 20 KB), names and values. */
  postFormFieldsBytesMax: 20 * 1024,
  /** POST Object: fields in the form (those after the file part are read and ignored, as AWS does). */
  postFormFieldsMax: 1000,
  /** POST Object: the whole form, a file of putObjectBytesMax and room for the fields and part headers. */
  postFormBytesMax: 5 * 1024 ** 3 + 1024 ** 2,
  partBytesMin: 5 * 1024 ** 2,
  partBytesMax: 5 * 1024 ** 3,
  partNumberMax: 10_000,
  listKeysMax: 1000,
  listPartsMax: 1000,
  listUploadsMax: 1000,
  listBucketsMax: 10_000,
  deleteObjectsKeysMax: 1000,
  /** PutBucketCors: AWS caps the document at 64 KB and the rules at 100. */
  corsConfigurationBytesMax: 64 * 1024,
  corsRulesMax: 100,
  /** x-amz-website-redirect-location, as AWS caps it. */
  websiteRedirectLocationCharsMax: 2048,
  /** PutBucketWebsite: AWS allows 50 routing rules. */
  websiteRoutingRulesMax: 50,
  /** XML request bodies (configurations, DeleteObjects). */
  xmlBodyBytesMax: 2 * 1024 * 1024,
  /**
   * CompleteMultipartUpload's document: 10,000 <Part> elements with an ETag and a checksum are
   * ~1.7 MB compact, and a pretty-printed one listing every checksum element ~5 MB.
   */
  completeMultipartUploadBytesMax: 10 * 1024 * 1024,
  /**
   * Elements in one XML request document: 10,000 parts with every checksum element are ~80,000.
   * Bounds the parsed object that crosses back from the parse worker (src/xml/off-loop.ts).
   */
  xmlElementsMax: 100_000,
  /** After a request body is refused, at most this much more of it is read and dropped (so that the
   * client, still sending, receives the error) before the connection is closed. */
  refusedBodyDrainBytesMax: 8 * 1024 * 1024,
  /** The request line and header section together (Node counts both against it). */
  headerBytesMax: 16 * 1024,
  headerCountMax: 1000,
  /** Connections open at once; more are answered 503 SlowDown and closed. */
  connectionsMax: 10_000,
  /**
   * One client address's share (more → 503 SlowDown): a fifth of the connections, so that no
   * one address can take them all, and more than bench:memory's 1,000 slow clients need.
   */
  connectionsPerClientMax: 2_000,
  requestsInFlightPerClientMax: 1_500,
  /**
   * A connection that has not yet sent an authenticated request must send each header section,
   * and may idle between requests, this long at most (not the 60 s / 120 s below).
   */
  unauthenticatedMsMax: 10_000,
  /** The whole header section must arrive within this; a silent socket is closed after the idle time. */
  headersReceivedMsMax: 60_000,
  socketIdleMsMax: 120_000,
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
  /**
   * Completed multipart uploads are remembered this long (and at most this many) so that a retried
   * CompleteMultipartUpload gets the first one's result; older retries get NoSuchUpload.
   */
  completedUploadRememberedMs: 24 * 3600 * 1000,
  completedUploadsRememberedMax: 100_000,
  /**
   * Queue/Topic/CloudFunction configurations in one bucket's NotificationConfiguration (AWS
   * states no number; overlap validation compares every pair, so it needs one).
   */
  notificationConfigurationsMax: 1000,
  lifecycleRulesMax: 1000,
  lifecycleRuleIdCharsMax: 255,
  /** Rules in one ReplicationConfiguration (AWS: 1,000) and the length of a rule's ID (AWS: 255). */
  replicationRulesMax: 1000,
  replicationRuleIdCharsMax: 255,
  /** NoncurrentVersionExpiration / NoncurrentVersionTransition: versions kept, at most. */
  newerNoncurrentVersionsMax: 100,
  /** Analytics, metrics, inventory and intelligent-tiering configurations per bucket (each family). */
  bucketConfigsPerFamilyMax: 1000,
  configIdCharsMax: 64,
  /** Configurations per List…Configurations page (AWS pages them by 100). */
  configListPageMax: 100,
  /** An admin API request body (JSON; the largest is an identity policy, which IAM caps at 6,144 characters). */
  adminBodyBytesMax: 64 * 1024,
  /** The admin API counts the outbox up to this many records (beyond, it reports a lower bound). */
  adminOutboxCountMax: 10_000,
  /** Server access log lines one bucket may have waiting in memory between two spool writes (more are dropped and counted). */
  accessLogBufferedLinesPerBucketMax: 10_000,
  /** Lines per access-log object the delivery job writes (more go into further objects). */
  accessLogLinesPerObjectMax: 10_000,
} as const;
