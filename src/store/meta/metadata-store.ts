/**
 * MetadataStore: buckets, object versions, multipart uploads and blob references, in domain
 * types. It knows nothing of HTTP or S3 XML. Every implementation (SQLite, PostgreSQL) passes the
 * same contract suite in test/contract/metadata-store.contract.ts.
 *
 * Write protocol (DESIGN.md "Storage"): blobs are made durable first; a metadata call that
 * references them is the commit point. Calls that drop references return the blob ids that
 * reached zero references (`released`): the caller deletes those blobs after the call resolves.
 * A crash in between leaves orphan blobs, which the start-up collector removes.
 */

import type { IdentityStore } from './identity-store.js';

export type VersioningState = 'Unversioned' | 'Enabled' | 'Suspended';

export interface BucketRecord {
  readonly name: string;
  readonly ownerId: string;
  readonly createdAt: Date;
  readonly region: string;
  readonly versioning: VersioningState;
  readonly objectLockEnabled: boolean;
  /**
   * ACL, object ownership and public access block. Absent on buckets made before Coffer kept
   * them: those behave as AWS's pre-2023 buckets (owner FULL_CONTROL, ObjectWriter, no block).
   */
  readonly access?: BucketAccess;
  /**
   * The bucket's policy document as stored (its 'policy' configuration), read with the bucket by
   * getBucket so that authorizing a request needs no second read; absent when the bucket has none
   * (and in listBuckets' records).
   */
  readonly policy?: string;
  /**
   * The configurations object requests consult, read with the bucket by getBucket like `policy`
   * (a PUT or GET then costs one bucket read, not one per configuration); each absent when the
   * bucket has none. The field itself is absent in listBuckets' records.
   */
  readonly requestConfigs?: RequestConfigs;
  /**
   * The bucket's object lock configuration (its 'object-lock' configuration), read with the
   * bucket; absent when none was put (a bucket created with object lock has none until then).
   */
  readonly objectLock?: ObjectLockConfiguration;
  /**
   * The bucket's CORS configuration as stored (its 'cors' configuration), read with the bucket for
   * the same reason: every request that carries an Origin header needs it.
   */
  readonly cors?: string;
}

export type RetentionMode = 'GOVERNANCE' | 'COMPLIANCE';

/** A bucket's default retention: applied to every new version that does not set its own. */
export interface DefaultRetention {
  readonly mode: RetentionMode;
  /** Exactly one of days and years. */
  readonly days?: number;
  readonly years?: number;
}

export interface ObjectLockConfiguration {
  readonly defaultRetention?: DefaultRetention;
}

/** A version's object lock: its retention (until a date) and legal hold, each absent when not set. */
export interface VersionLock {
  readonly retention?: { readonly mode: RetentionMode; readonly retainUntil: Date };
  readonly legalHold?: boolean;
}

/** Configurations consulted by requests on objects: expiration headers, events, Requester Pays, default encryption. */
export const REQUEST_CONFIG_KINDS = ['lifecycle', 'notification', 'request-payment', 'encryption', 'replication'] as const;
export type RequestConfigKind = (typeof REQUEST_CONFIG_KINDS)[number];
export type RequestConfigs = Readonly<Partial<Record<RequestConfigKind, string>>>;

/** ACL permissions, as S3 names them. */
export type Permission = 'FULL_CONTROL' | 'WRITE' | 'WRITE_ACP' | 'READ' | 'READ_ACP';

/** Who a grant is for: a canonical user, or a predefined group (by its URI). Emails are resolved before storing. */
export type Grantee = { readonly type: 'CanonicalUser'; readonly id: string } | { readonly type: 'Group'; readonly uri: string };

export interface Grant {
  readonly grantee: Grantee;
  readonly permission: Permission;
}

export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';

export interface PublicAccessBlock {
  readonly blockPublicAcls: boolean;
  readonly ignorePublicAcls: boolean;
  readonly blockPublicPolicy: boolean;
  readonly restrictPublicBuckets: boolean;
}

/** A bucket's access settings; its ACL's owner is the bucket's owner. */
export interface BucketAccess {
  readonly grants: readonly Grant[];
  /** Absent: no ownership controls (GetBucketOwnershipControls → OwnershipControlsNotFoundError; behaves as ObjectWriter). */
  readonly ownership?: ObjectOwnership;
  /** Absent: no public access block configured. */
  readonly publicAccessBlock?: PublicAccessBlock;
}

/** See MetadataStore.updateBucketAccess. Synchronous: it runs inside the store's transaction. */
export type BucketAccessChange = (current: BucketAccess | undefined, ownerId: string) => BucketAccess;

/**
 * How a blob's bytes are encrypted at rest (src/crypto/segments.ts: AES-256-GCM segments). A
 * property of the blob: every extent of it carries the same data keys, so shared blobs (CopyObject,
 * UploadPartCopy, replication) stay readable, and rotating a master key rewrites only these fields.
 * They are wrapped alike, except under a KMS key (version 2): each object's extents wrap them for
 * its own encryption context (a same-server replica rewraps them for its ARN).
 */
export interface BlobSealing {
  /**
   * What wraps the data key: 'master:<id>' (SSE-S3), 'customer' (SSE-C; the key is never stored)
   * or 'kms:<key id>' (SSE-KMS: a key of the local KMS key ring, crypto/kms-keys.ts).
   */
  readonly keyId: string;
  /** base64: the blob's data key, wrapped. */
  readonly wrappedKey: string;
  /** base64, 12 bytes: segment i's nonce is derived from it and i. */
  readonly nonceBase: string;
  readonly segmentBytes: number;
  /** Plaintext bytes of the whole blob (where its last segment ends). */
  readonly blobBytes: number;
  /**
   * The record's version. Absent (1): the data key was wrapped as is. 2: wrapped with the object's
   * encryption context as AES-GCM authenticated data (SSE-KMS, ops/objects/kms.ts), so it unwraps
   * only for the object it was written for.
   */
  readonly version?: 2;
  /**
   * DSSE-KMS (aws:kms:dsse): the second, outer layer. The stored bytes are the inner layer's
   * segments sealed again in segments of `segmentBytes + 16` under a second data key, wrapped
   * independently of the first (crypto/sealed-blobs.ts).
   */
  readonly outer?: OuterLayer;
}

/** The outer layer of a dual-layer (DSSE-KMS) blob: its own data key (wrapped, base64) and nonce base. */
export interface OuterLayer {
  readonly wrappedKey: string;
  readonly nonceBase: string;
}

/**
 * A byte range of an immutable blob; an object's data is the concatenation of its extents.
 * Offsets and lengths are in plaintext bytes; `sealing` is absent for a blob stored in clear
 * (written before encryption at rest).
 */
export interface Extent {
  /** '' for an inline extent. */
  readonly blobId: string;
  readonly offset: number;
  readonly length: number;
  readonly sealing?: BlobSealing;
  /**
   * A small object's whole blob, sealed like a file blob, kept in the row itself instead of a blob
   * file: one metadata commit makes it durable. Such an extent references no blob.
   */
  readonly inline?: Buffer;
}

/** The blob files a manifest references (one id per file-backed extent; inline extents have none). */
export function blobIdsOf(manifest: readonly Extent[]): string[] {
  const ids: string[] = [];
  for (const extent of manifest) if (extent.inline === undefined) ids.push(extent.blobId);
  return ids;
}

/**
 * Server-side encryption of an object version or upload. Absent: stored in clear (written before
 * encryption at rest; `coffer encrypt --all` seals them).
 */
export interface ObjectEncryption {
  /** 'AES256' for SSE-S3, 'SSE-C' for a customer-provided key, 'aws:kms' for SSE-KMS, 'aws:kms:dsse' for DSSE-KMS. */
  readonly mode: 'AES256' | 'SSE-C' | 'aws:kms' | 'aws:kms:dsse';
  /** Stored and echoed (x-amz-server-side-encryption-bucket-key-enabled). */
  readonly bucketKeyEnabled?: boolean;
  /** SSE-C: base64 MD5 of the customer key, echoed in responses. */
  readonly customerKeyMd5?: string;
  /** SSE-C: salt and HMAC of the customer key, to recognise it (crypto/key-wrap.ts). */
  readonly customerKeyFingerprint?: string;
  /** SSE-KMS and DSSE-KMS: the id of the key-ring key that wraps the data keys. */
  readonly kmsKeyId?: string;
  /** SSE-KMS: x-amz-server-side-encryption-context as the request gave it (base64 JSON), echoed. */
  readonly kmsContext?: string;
}

/** The stored HTTP representation headers of an object. */
export interface ObjectHeaders {
  readonly contentType?: string;
  readonly cacheControl?: string;
  readonly contentDisposition?: string;
  readonly contentEncoding?: string;
  readonly contentLanguage?: string;
  readonly expires?: string;
  readonly websiteRedirectLocation?: string;
}

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface StoredChecksum {
  /** e.g. 'CRC32', 'SHA256'. */
  readonly algorithm: string;
  readonly type: ChecksumType;
  /** base64, with '-N' for a composite checksum. */
  readonly value: string;
}

/** One part of an object made by multipart upload, kept for partNumber reads and GetObjectAttributes. */
export interface PartSummary {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  readonly checksum?: string;
}

export interface Tag {
  readonly key: string;
  readonly value: string;
}

/** What is stored of an object version besides its identity and data. */
export interface ObjectAttributes {
  readonly size: number;
  /** Unquoted: hex MD5, or `hex-N` for multipart. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly ownerId: string;
  readonly headers: ObjectHeaders;
  readonly userMetadata: Readonly<Record<string, string>>;
  readonly storageClass: string;
  /** An archived (GLACIER, DEEP_ARCHIVE) version restored by RestoreObject is readable until then. */
  readonly restoredUntil?: Date;
  readonly checksum?: StoredChecksum;
  readonly parts?: readonly PartSummary[];
  readonly tags: readonly Tag[];
  readonly manifest: readonly Extent[];
  readonly encryption?: ObjectEncryption;
  /** The version's ACL grants (its owner is ownerId). Absent on versions stored before ACLs: owner FULL_CONTROL. */
  readonly acl?: readonly Grant[];
  /** `x-amz-replication-status`: absent when no replication rule applies to the version. */
  readonly replicationStatus?: ReplicationStatus;
  /** Object lock; absent when neither retention nor legal hold was ever set. */
  readonly lock?: VersionLock;
}

/** PENDING → COMPLETED / FAILED on a replicated source version; REPLICA on the copy a replication made. */
export type ReplicationStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

export interface ObjectVersion extends ObjectAttributes {
  readonly bucket: string;
  readonly key: string;
  /** 'null' for the null version (versioning never enabled, or suspended). */
  readonly versionId: string;
  readonly isLatest: boolean;
  readonly isDeleteMarker: boolean;
}

export interface NewVersion extends ObjectAttributes {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly isDeleteMarker: boolean;
}

/**
 * A conditional write or delete, decided atomically (in the write's transaction) against the key's
 * current version: its latest version unless that is a delete marker (then there is none).
 */
export interface WriteCondition {
  /** `If-None-Match`: `*` fails when a current version exists; an (unquoted) ETag fails when it is the current one's. */
  readonly ifNoneMatch?: string;
  /** `If-Match`: `*` or an (unquoted) ETag; fails unless the current version exists (and has this ETag). */
  readonly ifMatch?: string;
  /** `x-amz-if-match-last-modified-time` (deletes): fails unless the current version was modified this second. */
  readonly ifMatchLastModified?: Date;
  /** `x-amz-if-match-size` (deletes): fails unless the current version has this many bytes. */
  readonly ifMatchSize?: number;
}

export interface DeleteOptions extends Pick<WriteOptions, 'events'> {
  /** `x-amz-bypass-governance-retention`, authorized: GOVERNANCE retention does not protect the version. */
  readonly bypassGovernance?: boolean;
}

/** How a write's extents came to be. */
export interface WriteOptions {
  /**
   * The extents point at blobs already stored for other versions or parts (CopyObject,
   * UploadPartCopy) rather than at freshly written ones. The write then fails with
   * 'ConditionalConflict' if any of those blobs was released meanwhile (its source deleted),
   * instead of committing a reference to data that is gone.
   */
  readonly sharedBlobs?: boolean;
  /** Event notifications the write produces: appended to the outbox in the write's transaction. */
  readonly events?: readonly OutboxEvent[];
}

export interface ReleaseResult {
  /** Blob ids that no longer have any reference: delete them from the BlobStore. */
  readonly released: readonly string[];
}

/** What deleteVersion reports of the version it removed: which one, and whether it was a delete marker. */
export type DeletedVersion = Pick<ObjectVersion, 'bucket' | 'key' | 'versionId' | 'isDeleteMarker'>;

export interface ListObjectsQuery {
  readonly prefix: string;
  readonly delimiter: string;
  /** Exclusive: list keys (and common prefixes) strictly after this one ('' = from the start). */
  readonly after: string;
  readonly limit: number;
}

/**
 * What listings show of a version. Listings read only this (no representation headers, user
 * metadata, tags or manifest), so a page of 1,000 costs no more than it must.
 */
export type VersionSummary = Pick<
  ObjectVersion,
  'bucket' | 'key' | 'versionId' | 'isLatest' | 'isDeleteMarker' | 'size' | 'etag' | 'lastModified' | 'ownerId' | 'storageClass' | 'checksum' | 'encryption'
>;

export type ListEntry =
  | { readonly kind: 'object'; readonly version: VersionSummary }
  | { readonly kind: 'prefix'; readonly prefix: string };

export interface ListPage<T> {
  readonly entries: readonly T[];
  readonly isTruncated: boolean;
}

export interface ListVersionsQuery {
  readonly prefix: string;
  readonly delimiter: string;
  /** Start after this key (all its versions), or, with versionIdMarker, after that version of it. */
  readonly keyMarker: string;
  readonly versionIdMarker: string;
  readonly limit: number;
}

export type VersionEntry =
  | { readonly kind: 'version'; readonly version: VersionSummary }
  | { readonly kind: 'prefix'; readonly prefix: string };

export interface MultipartUpload {
  readonly uploadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly initiated: Date;
  readonly ownerId: string;
  readonly headers: ObjectHeaders;
  readonly userMetadata: Readonly<Record<string, string>>;
  readonly storageClass: string;
  readonly tags: readonly Tag[];
  readonly checksumAlgorithm?: string;
  readonly checksumType?: ChecksumType;
  /** Every part is sealed this way (SSE-C: with the same customer key). */
  readonly encryption?: ObjectEncryption;
  /** The ACL the completed object gets (from CreateMultipartUpload's ACL headers). */
  readonly acl?: readonly Grant[];
  /** The object lock the completed object gets (from CreateMultipartUpload's headers or the bucket's default). */
  readonly lock?: VersionLock;
}

export interface UploadPart {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  /** base64 checksum of the part in the upload's algorithm, if any. */
  readonly checksum?: string;
  readonly manifest: readonly Extent[];
}

/**
 * What completeUpload records of a completion so that a retried CompleteMultipartUpload (its
 * response lost) can be answered with the same result instead of NoSuchUpload.
 */
export interface CompletionRecordRequest {
  /** Opaque to the store: identifies the part list the completion named. */
  readonly partsDigest: string;
  /** Records of completions before this instant may be dropped (in the same transaction). */
  readonly forgetBefore: Date;
  /** Records beyond the newest `keptMax` may be dropped (in the same transaction). */
  readonly keptMax: number;
}

/** A completed multipart upload, as completeUpload recorded it. */
export interface CompletedUpload {
  readonly uploadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  /** Unquoted, `hex-N`. */
  readonly etag: string;
  readonly checksum?: StoredChecksum;
  readonly partsDigest: string;
  /** The completed version's lastModified. */
  readonly completedAt: Date;
}

export interface ListUploadsQuery {
  readonly prefix: string;
  readonly delimiter: string;
  readonly keyMarker: string;
  readonly uploadIdMarker: string;
  readonly limit: number;
}

export type UploadEntry =
  | { readonly kind: 'upload'; readonly upload: MultipartUpload }
  | { readonly kind: 'prefix'; readonly prefix: string };

/** Named configurations kept per bucket as opaque documents (tagging, cors, policy, acl…). */
export type BucketConfigKind =
  | 'tagging' | 'cors' | 'policy' | 'acl' | 'lifecycle' | 'website' | 'encryption'
  | 'ownership' | 'public-access-block' | 'object-lock' | 'notification' | 'logging'
  | 'request-payment' | 'accelerate' | 'replication'
  | `${IdKeyedConfigFamily}:${string}`;

/** Configuration families a bucket holds several of, one document each, kind `<family>:<id>`. */
export type IdKeyedConfigFamily = 'analytics' | 'metrics' | 'inventory' | 'intelligent-tiering';

export interface BucketConfigEntry {
  readonly kind: BucketConfigKind;
  readonly document: string;
}

/**
 * Lifecycle: rows that may have become due, found through indexes on the date work becomes due
 * (never a scan of the bucket). Pages follow the index order; `after` is the previous page's
 * `next` ('' from the start).
 */
export interface LifecycleScan {
  /**
   * 'current': latest versions that are not delete markers, lastModified ≤ dueAtOrBefore.
   * 'noncurrent': versions that stopped being the latest at or before dueAtOrBefore.
   * 'lone-delete-marker': latest delete markers with no other version of their key, lastModified ≤ dueAtOrBefore.
   */
  readonly kind: 'current' | 'noncurrent' | 'lone-delete-marker';
  /** Only keys that start with this. */
  readonly prefix: string;
  readonly dueAtOrBefore: Date;
  readonly after: string;
  readonly limit: number;
}

export interface LifecycleCandidate {
  readonly key: string;
  readonly versionId: string;
  readonly isDeleteMarker: boolean;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  readonly storageClass: string;
  readonly tags: readonly Tag[];
  /** 'noncurrent' scans: when a newer version replaced it. */
  readonly noncurrentSince?: Date;
  /** 'noncurrent' scans: how many noncurrent versions of the key are newer than this one. */
  readonly newerNoncurrentVersions?: number;
  readonly lock?: VersionLock;
}

export interface LifecyclePage<T> {
  readonly items: readonly T[];
  /** Pass as `after` for the next page; undefined when this page was the last. */
  readonly next?: string;
}

/** The state a version must still be in for a background removal to apply (else it is skipped). */
export interface ExpectedVersionState {
  readonly isLatest: boolean;
  readonly lastModified: Date;
}

export interface StorageUpdate {
  readonly storageClass?: string;
  readonly restoredUntil?: Date;
}

/** Where a job stands in its lease, seen by one would-be holder. */
export interface LeaseState {
  /** True when `holder` holds the lease until the requested time. */
  readonly held: boolean;
  /** A run was requested (requestJobRun) and not yet taken; taking the lease takes the request. */
  readonly runRequested: boolean;
}

/** A gateway in the registry of blob writers, as its last heartbeat left it. */
export interface GatewayRecord {
  readonly id: string;
  readonly startedAt: Date;
  readonly heartbeatAt: Date;
  /** When the orphan collector marked it dead (its blobs are collected, then its entry removed). */
  readonly deadAt?: Date;
}

/** A gateway judged dead at the heartbeat `heartbeatAt` (markGatewaysDead). */
export interface JudgedGateway {
  readonly id: string;
  readonly heartbeatAt: Date;
}

/** A lease as peekLease reads it. */
export interface LeaseView {
  /** Undefined when nobody holds it (never taken, or released). */
  readonly holder?: string;
  readonly expiresAt: Date;
  readonly runRequested: boolean;
}

/** Totals for monitoring. */
export interface StoreUsage {
  readonly buckets: number;
  /** Versions that are not delete markers (every version's bytes count, as AWS bills them). */
  readonly objects: number;
  readonly bytes: number;
}

/** One row that holds data, as `scanData` yields it (for fsck). */
export type StoredData =
  | { readonly kind: 'version'; readonly version: ObjectVersion }
  | { readonly kind: 'part'; readonly bucket: string; readonly key: string; readonly uploadId: string; readonly part: UploadPart };

/** Where one event must be delivered: a bucket notification configuration and its target. */
export interface EventDelivery {
  /** The configuration's Id (`configurationId` in the event). */
  readonly configurationId: string;
  /** The destination's ARN, as declared in the server's notify config; for a replication, the destination bucket's. */
  readonly targetArn: string;
  /**
   * 'replication': not a notification but a replication work item (src/jobs/replicator.ts) — the
   * version the record names is copied to the bucket `targetArn` under rule `configurationId`.
   */
  readonly kind?: 'replication';
}

/**
 * An event notification, as the mutation that produced it knows it. The outbox keeps it until
 * every delivery is acknowledged; its AWS JSON is rendered at delivery (src/events/message.ts).
 */
export interface OutboxEvent {
  /** AWS's event type without the `s3:` prefix ('ObjectCreated:Put', 'ObjectRemoved:Delete'…), or 'TestEvent'. */
  readonly name: string;
  readonly bucket: string;
  /** '' for a bucket-level event (TestEvent). */
  readonly key: string;
  readonly time: Date;
  readonly region: string;
  readonly bucketOwnerId: string;
  readonly object?: { readonly size?: number; readonly etag?: string; readonly versionId?: string };
  readonly request: { readonly requestId: string; readonly hostId: string; readonly principalId: string; readonly sourceIp: string };
  readonly deliveries: readonly EventDelivery[];
  /** The section some event types add beside `s3` (times as ISO-8601 strings: the record is stored as JSON). */
  readonly detail?: EventDetail;
}

/** What restore, transition and replication events say beyond the object (AWS event versions 2.2/2.3). */
export type EventDetail =
  /** ObjectRestore:Completed: `glacierEventData.restoreEventData`. */
  | { readonly restore: { readonly expiryTime: string; readonly storageClass: string } }
  /** LifecycleTransition: `lifecycleEventData.transitionEventData`. */
  | { readonly transition: { readonly destinationStorageClass: string } }
  /** Replication:*: `replicationEventData`. */
  | {
    readonly replication: {
      readonly ruleId: string; readonly destinationBucket: string; readonly operation: string; readonly requestTime: string; readonly failureReason?: string;
    };
  };

/** An event waiting in the outbox; `seq` orders the outbox (increasing, never reused). */
export interface OutboxRecord extends OutboxEvent {
  readonly seq: number;
}

/** One line of a bucket's server access log, kept until the delivery job writes it into a log object. */
export interface AccessLogLine {
  /** The bucket the request was made to (whose logging configuration names the target). */
  readonly bucket: string;
  readonly time: Date;
  /** The whole line in AWS's access-log format, without its newline. */
  readonly line: string;
}

/** A spooled line; `seq` orders the spool (increasing, never reused). */
export interface AccessLogRecord extends AccessLogLine {
  readonly seq: number;
}

export interface MetadataStore {
  /** The account's users, access keys and identity policies, in the same database. */
  readonly identities: IdentityStore;

  // ---- buckets ----
  /**
   * Throws StoreError 'BucketExists' if the name is taken, or 'TooManyBuckets' if the owner already
   * has `ownerBucketsMax` buckets (counted in the same transaction as the insert).
   */
  createBucket(bucket: BucketRecord, ownerBucketsMax?: number): Promise<void>;
  /** The bucket with its `policy`, `requestConfigs`, object lock and `cors` documents; a record returned after a change of any of them reflects it. */
  getBucket(name: string): Promise<BucketRecord | undefined>;
  /** Buckets in name order, optionally only one owner's. */
  listBuckets(ownerId?: string): Promise<BucketRecord[]>;
  /**
   * Throws 'BucketNotFound', or 'BucketNotEmpty' if any version (or delete marker) remains.
   * Uploads still in progress do not keep the bucket, as on AWS: they are aborted in the same
   * transaction, and their parts' blobs released.
   */
  deleteBucket(name: string): Promise<ReleaseResult>;
  setBucketVersioning(name: string, state: VersioningState): Promise<void>;
  /**
   * Enables object lock on the bucket and stores its configuration, in one transaction. Throws
   * 'BucketNotFound'. (Versioning is required by the caller; it cannot be suspended afterwards.)
   */
  setObjectLockConfiguration(name: string, configuration: ObjectLockConfiguration): Promise<void>;
  /**
   * Changes the bucket's ACL, ownership controls and public access block in one transaction:
   * `change` gets them as stored now (undefined: never set) and the bucket's owner, and returns
   * what to store, or throws to refuse (nothing is written). Each change reads what the one before
   * it wrote, so concurrent changes of different parts (PutPublicAccessBlock beside
   * DeleteBucketOwnershipControls) never undo each other. Throws 'BucketNotFound'.
   */
  updateBucketAccess(name: string, change: BucketAccessChange): Promise<void>;
  getBucketConfig(bucket: string, kind: BucketConfigKind): Promise<string | undefined>;
  /** `undefined` deletes the configuration. */
  putBucketConfig(bucket: string, kind: BucketConfigKind, document: string | undefined, events?: readonly OutboxEvent[]): Promise<void>;

  // ---- object versions ----
  /** A specific version, or (no versionId) the latest one — which may be a delete marker. */
  getVersion(bucket: string, key: string, versionId?: string): Promise<ObjectVersion | undefined>;
  /**
   * Adds a version and makes it the latest. A version with the same id (the 'null' version when
   * versioning is off or suspended) is replaced, and its blobs released. The version's extents
   * gain a reference each. Throws 'BucketNotFound', 'PreconditionFailed', 'ObjectNotFound'
   * (If-Match on an absent key), 'ObjectLocked' (the replaced version's lock protects it).
   */
  putVersion(version: NewVersion, condition?: WriteCondition, options?: WriteOptions): Promise<ReleaseResult>;
  /**
   * Permanently removes one version; the next newest becomes latest. Throws 'VersionNotFound',
   * 'ObjectLocked' if its lock protects it (object-lock.ts: GOVERNANCE retention yields to
   * `bypassGovernance`), or what `condition` (checked first, against the key's current version) fails with.
   * Of the removed version it tells which it was and whether it was a delete marker (all that
   * DeleteObject answers with): decoding the whole row — attributes, tags, an inline object's
   * bytes — was a tenth of a DELETE's work below the HTTP edge.
   */
  deleteVersion(
    bucket: string, key: string, versionId: string, condition?: WriteCondition, options?: DeleteOptions,
  ): Promise<ReleaseResult & { deleted: DeletedVersion }>;
  /**
   * Sets one version's object lock (latest when versionId is omitted) to what `change` makes of the
   * version, read and written in one transaction so that the rules `change` applies (object-lock.ts)
   * hold against concurrent changes; `change` may throw to refuse. Throws 'VersionNotFound'.
   */
  updateVersionLock(bucket: string, key: string, versionId: string | undefined, change: (version: ObjectVersion) => VersionLock): Promise<ObjectVersion>;
  /** Replaces the tag set of one version (latest when versionId is omitted). Throws 'VersionNotFound'. */
  putVersionTags(bucket: string, key: string, versionId: string | undefined, tags: readonly Tag[], events?: readonly OutboxEvent[]): Promise<ObjectVersion>;
  /** Replaces the ACL of one version. Throws 'VersionNotFound'. */
  putVersionAcl(bucket: string, key: string, versionId: string, acl: readonly Grant[], events?: readonly OutboxEvent[]): Promise<ObjectVersion>;
  /** Sets one version's replication status; a version gone meanwhile is no error (false, and `events` are not appended). */
  setReplicationStatus(bucket: string, key: string, versionId: string, status: ReplicationStatus, events?: readonly OutboxEvent[]): Promise<boolean>;
  /** Latest, non-delete-marker versions in UTF-8 byte order of key; O(page) whatever the bucket holds. */
  listObjects(bucket: string, query: ListObjectsQuery): Promise<ListPage<ListEntry>>;
  /** All versions and delete markers: key ascending, newest first within a key. */
  listVersions(bucket: string, query: ListVersionsQuery): Promise<ListPage<VersionEntry>>;

  // ---- multipart uploads ----
  createUpload(upload: MultipartUpload): Promise<void>;
  getUpload(bucket: string, uploadId: string): Promise<MultipartUpload | undefined>;
  /** Adds or replaces a part (its blobs gain references; a replaced part's are released). Throws 'UploadNotFound'. */
  putPart(bucket: string, uploadId: string, part: UploadPart, options?: WriteOptions): Promise<ReleaseResult>;
  /** Parts in part-number order, strictly after `afterPartNumber`. */
  listParts(bucket: string, uploadId: string, afterPartNumber: number, limit: number): Promise<ListPage<UploadPart>>;
  listUploads(bucket: string, query: ListUploadsQuery): Promise<ListPage<UploadEntry>>;
  /**
   * Atomically: checks `condition` and that the upload still exists ('UploadNotFound'), adds the
   * version (whose manifest is made of the used parts' extents), and removes the upload with
   * all its parts: blobs only unused parts referenced are released.
   * With `record`, the same transaction also records the completion (getCompletedUpload) and
   * drops at most a small batch of records that `forgetBefore` / `keptMax` no longer cover (so
   * the records stay bounded without a sweep that would stall other writes).
   */
  completeUpload(
    uploadId: string, version: NewVersion, condition?: WriteCondition, record?: CompletionRecordRequest, events?: readonly OutboxEvent[],
  ): Promise<ReleaseResult>;
  /**
   * The recorded completion of `uploadId` in `bucket`, if still kept (undefined otherwise, or for
   * another bucket). A record may outlive its `forgetBefore`: callers check `completedAt`.
   * Deleting the bucket deletes its records.
   */
  getCompletedUpload(bucket: string, uploadId: string): Promise<CompletedUpload | undefined>;
  /** Removes the upload and releases all its parts. Throws 'UploadNotFound'. */
  abortUpload(bucket: string, uploadId: string): Promise<ReleaseResult>;

  // ---- configurations a bucket holds several of ----
  /**
   * `<family>:<id>` configurations of one bucket in kind order (byte order of the id), strictly
   * after `afterKind` ('' from the start), at most `limit`.
   */
  listBucketConfigs(bucket: string, family: IdKeyedConfigFamily, afterKind: string, limit: number): Promise<BucketConfigEntry[]>;

  // ---- lifecycle (jobs/lifecycle) ----
  /** One page of rows that may be due (see LifecycleScan); cost O(page) through an index. */
  findLifecycleCandidates(bucket: string, scan: LifecycleScan): Promise<LifecyclePage<LifecycleCandidate>>;
  /** Multipart uploads of keys starting with `prefix` initiated at or before `initiatedAtOrBefore`, oldest first. */
  findStaleUploads(bucket: string, scan: { prefix: string; initiatedAtOrBefore: Date; after: string; limit: number }): Promise<LifecyclePage<MultipartUpload>>;
  /**
   * Atomically, if the version still exists in the `expected` state and no object lock protects
   * it: removes it (`replacement` absent; the next newest becomes latest) or makes `replacement` (a
   * delete marker) the latest version of its key, replacing a version with the same id. `applied`
   * false: nothing changed (and `options.events` are not appended).
   */
  removeVersionIf(
    bucket: string, key: string, versionId: string, expected: ExpectedVersionState, replacement?: NewVersion, options?: Pick<WriteOptions, 'events'>,
  ): Promise<ReleaseResult & { applied: boolean }>;
  /** Records a lifecycle transition or a restore of an archived version. Throws 'VersionNotFound'. */
  updateVersionStorage(bucket: string, key: string, versionId: string, update: StorageUpdate, events?: readonly OutboxEvent[]): Promise<void>;

  // ---- background jobs ----
  /**
   * Takes or renews the lease `name` for `holder` until `until` if it is free, expired (at `now`)
   * or already this holder's; a lease another holder holds past `now` is not taken. A holder that
   * gets it also takes a pending run request. Leases make one gateway at a time run a job when
   * several share the database: the lifecycle scheduler ('lifecycle') and the outbox dispatcher
   * ('outbox-dispatcher') each renew theirs well before `until` and stop once a renewal fails.
   */
  acquireLease(name: string, holder: string, now: Date, until: Date): Promise<LeaseState>;
  /**
   * The lease as it stands, read without taking it (one statement): an idle holder looks for run
   * requests, and the others for an expired lease, this way between renewals.
   */
  peekLease(name: string): Promise<LeaseView>;
  /** Gives the lease up if `holder` holds it. */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Asks whoever holds (or next takes) the lease `name` to run at once. */
  requestJobRun(name: string): Promise<void>;

  // ---- gateway registry (src/jobs/gateway-registry.ts) ----
  /** Adds gateway `id`, with `now` as its start and heartbeat; false if the id is taken. */
  registerGateway(id: string, now: Date): Promise<boolean>;
  /** Sets the gateway's heartbeat to `now`; false if it was marked dead or is no longer registered. */
  renewGateway(id: string, now: Date): Promise<boolean>;
  /** Every registered gateway, the dead-marked ones too. */
  listGateways(): Promise<GatewayRecord[]>;
  /**
   * Marks these gateways dead at `now`, in one transaction, each only if its heartbeat is still
   * the one judged (a gateway that renewed since stays alive). From then on it cannot renew, and
   * a store that fences blob writers (PostgreSQL on a shared data dir) refuses any commit of a
   * new blob it wrote ('WriterFenced'): what the collector finds unreferenced stays so.
   */
  markGatewaysDead(judged: readonly JudgedGateway[], now: Date): Promise<void>;
  /** Removes gateway `id` (leaving, or dead and collected); its id is never registered again until then. */
  forgetGateway(id: string): Promise<void>;

  // ---- server access log spool ----
  /** Appends lines in one durable write (the request observer batches them). */
  appendAccessLog(lines: readonly AccessLogLine[]): Promise<void>;
  /** Spooled lines with seq > afterSeq, in seq order, at most `limit`. */
  listAccessLog(afterSeq: number, limit: number): Promise<AccessLogRecord[]>;
  deleteAccessLog(seqs: readonly number[]): Promise<void>;

  // ---- event outbox ----
  // Writes that take `events` append them in their own transaction: the change and its events
  // commit together or not at all. (putBucketConfig's are the TestEvent of a configuration.)
  /** Outbox records with seq > afterSeq, in seq order, at most `limit`. */
  listOutbox(afterSeq: number, limit: number): Promise<OutboxRecord[]>;
  /**
   * Calls `listener` after each write that appended outbox records has resolved (is durable);
   * returns the unsubscribe function. Implementations may also report other gateways' appends.
   */
  watchOutbox(listener: () => void): () => void;
  /** Removes delivered records (unknown seqs are ignored). */
  deleteOutbox(seqs: readonly number[]): Promise<void>;

  // ---- housekeeping ----
  /**
   * Master key rotation: replaces the sealing of every extent (of versions and of parts) for which
   * `rewrap` returns a new one, a batch of rows per transaction; returns how many manifests
   * changed. Resumable: after a crash, a second run skips what the first rewrapped (`rewrap`
   * returns undefined for those).
   */
  rewrapSealings(rewrap: (sealing: BlobSealing) => BlobSealing | undefined): Promise<number>;
  /**
   * `coffer encrypt --all`: atomically, if the version still has the manifest `expected` (else a
   * concurrent overwrite or delete won: `applied` false, nothing changes), replaces it by
   * `manifest` (the same bytes, sealed into new blobs, which gain references) and sets the
   * version's `encryption`; the blobs of `expected` lose theirs.
   */
  resealVersion(
    bucket: string, key: string, versionId: string, expected: readonly Extent[], manifest: readonly Extent[], encryption: ObjectEncryption,
  ): Promise<ReleaseResult & { applied: boolean }>;
  /**
   * `coffer encrypt --all`, for a part of an upload in progress: atomically, if the part still has
   * the manifest `expected` (else it was uploaded again, or its upload completed or was aborted:
   * `applied` false, nothing changes), replaces it by `manifest` as resealVersion does; an upload
   * that had no encryption (created before encryption at rest) gets `encryption`, which the object
   * it completes into inherits.
   */
  resealPart(
    uploadId: string, partNumber: number, expected: readonly Extent[], manifest: readonly Extent[], encryption: ObjectEncryption,
  ): Promise<ReleaseResult & { applied: boolean }>;
  /** Of the given blob ids, the ones some version or part references. */
  referencedBlobs(blobIds: readonly string[]): Promise<Set<string>>;
  /** Buckets, objects and bytes stored, exact as of the last commit (SQLite: read from totals its triggers keep). */
  usage(): Promise<StoreUsage>;
  /**
   * Every version (delete markers included) and every part of an upload in progress, read a page
   * at a time in a stable order (not one snapshot: rows written meanwhile may or may not appear).
   */
  scanData(): AsyncIterable<StoredData>;
  close(): Promise<void>;
}

export type StoreErrorCode =
  | 'BucketExists'
  | 'BucketNotFound'
  | 'BucketNotEmpty'
  | 'TooManyBuckets'
  | 'ObjectNotFound'
  | 'VersionNotFound'
  | 'UploadNotFound'
  | 'PreconditionFailed'
  | 'ConditionalConflict'
  | 'ObjectLocked'
  /** A new blob's writer was judged dead (its blobs may be collected): the commit is refused. */
  | 'WriterFenced';

/**
 * A write whose commit ran but could not be made durable (the fsync after it failed): it may be
 * visible, and may or may not survive a crash. Callers must keep the blobs it references (the
 * start-up collector removes them if the write did not survive) and answer a failure.
 */
export class CommitUncertainError extends Error {
  constructor(cause: unknown) {
    super(`the commit could not be made durable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'CommitUncertainError';
  }
}

/** The one error a store throws for an expected condition; ops/translate-error.ts maps it to S3. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message?: string) {
    super(message ?? code);
    this.name = 'StoreError';
    this.code = code;
  }
}
