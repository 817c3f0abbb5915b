import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import {
  StoreError,
  type BlobSealing,
  type GatewayRecord,
  type JudgedGateway,
  type LeaseView,
  type BucketAccessChange,
  type BucketConfigEntry,
  type BucketConfigKind,
  type Grant,
  type ReplicationStatus,
  type BucketRecord,
  type ExpectedVersionState,
  type IdKeyedConfigFamily,
  type LeaseState,
  type LifecycleCandidate,
  type LifecyclePage,
  type LifecycleScan,
  type CompletedUpload,
  type CompletionRecordRequest,
  type DeletedVersion,
  blobIdsOf,
  type Extent,
  type ListEntry,
  type ListObjectsQuery,
  type ListPage,
  type ListUploadsQuery,
  type ListVersionsQuery,
  type MetadataStore,
  type MultipartUpload,
  type NewVersion,
  type ObjectEncryption,
  type ObjectVersion,
  type AccessLogLine,
  type AccessLogRecord,
  type OutboxEvent,
  type OutboxRecord,
  type ReleaseResult,
  type StorageUpdate,
  type StoredData,
  type StoreUsage,
  type Tag,
  type UploadEntry,
  type UploadPart,
  type VersionEntry,
  type VersioningState,
  type WriteCondition,
  type WriteOptions,
  type DeleteOptions,
  type ObjectLockConfiguration,
  type VersionLock,
} from '../metadata-store.js';
import { decodeVersionLock, encodeVersionLock, lockProtects } from '../object-lock.js';
import { walkListing, type Scanner } from '../listing.js';
import { REWRAP_BATCH_ROWS, rewrapManifest, sameManifest } from '../sealings.js';
import { decideCondition, isConditional } from '../write-condition.js';
import { migrateSqlite } from './migrate.js';
import { SqliteIdentityStore } from './identity-store.js';
import type { IdentityStore } from '../identity-store.js';
import type { IoProbe } from '../../io-probe.js';
import { GroupCommitter } from './group-commit.js';
import { WalSyncer } from './wal-sync.js';
import { WalCheckpointer } from './checkpointer.js';
import {
  decodeEvent,
  blobIdsOfEncoded,
  decodeManifest,
  encodeManifest,
  gatewayRecord,
  leaseView,
  decodeAccess,
  rowToBucket,
  rowToCandidate,
  rowToCompletedUpload,
  rowToPart,
  rowToUpload,
  rowToVersion,
  summaryRowReader,
  uploadAttributes,
  versionAttributes,
  type BucketRow,
  type CandidateRow,
  type CompletedRow,
  type GatewayRow,
  type LeaseRow,
  type PartRow,
  type SummaryRow,
  type UploadRow,
  type VersionRow,
  BUCKET_CONFIG_COLUMNS,
  BUCKET_RECORD_CONFIG_KINDS,
} from './rows.js';

/** Rows per page of scanData. */
const SCAN_PAGE = 500;

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests. */
  readonly path: string;
  /** See io-probe.ts (fault injection in tests). */
  readonly probe?: IoProbe;
}

/**
 * The embedded MetadataStore. WAL; a resolved write is on disk: commits run with
 * synchronous=NORMAL and the WalSyncer fsyncs the WAL on the thread pool before writes resolve
 * (':memory:' databases: synchronous=FULL, nothing to sync). Writes from concurrent requests are
 * batched into one transaction (one fsync) by the GroupCommitter; each write runs in its own
 * savepoint so one failure does not undo the others.
 */
export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Db;
  private readonly committer: GroupCommitter;
  private readonly syncer: WalSyncer | undefined;
  private readonly checkpointer: WalCheckpointer | undefined;
  /**
   * Bucket rows (with their policy, request configurations, lock and CORS configurations) by name; emptied by a trigger
   * whenever a statement changes a bucket or one of those configurations.
   */
  private readonly bucketCache = new Map<string, BucketRecord>();
  /**
   * Bucket configuration documents (undefined: none) by `bucket/kind`, emptied by a trigger like
   * bucketCache: every write asks for the bucket's notification configuration, which must cost
   * nothing when there is none.
   */
  private readonly configCache = new Map<string, string | undefined>();
  /**
   * Latest versions (parsed, frozen) by `bucket/key`, least recently used first; a trigger drops a
   * key's entry whenever any statement inserts, updates or deletes a version row of that key.
   */
  private readonly latestCache = new Map<string, ObjectVersion>();
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly outboxListeners = new Set<() => void>();
  /** The seq appendEvents last inserted (inside the current write). */
  private lastAppendedSeq = 0;
  /**
   * Outbox records up to this seq are durable. listOutbox shows no others: a record of a batch
   * committed but not yet fsynced could be delivered and then lost with its write in a crash
   * (an invented event). Writes resolve in commit order, each after an fsync covering all before.
   */
  private durableOutboxSeq: number;
  readonly identities: IdentityStore;

  constructor(options: SqliteStoreOptions) {
    const onDisk = options.path !== ':memory:' && options.path !== '';
    // Created private: SQLite gives the -wal and -shm files the database file's mode.
    if (onDisk) closeSync(openSync(options.path, 'a', 0o600));
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(onDisk ? 'synchronous = NORMAL' : 'synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    try {
      migrateSqlite(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    watchBuckets(this.db, () => this.bucketCache.clear());
    watchTable(this.db, 'bucket_configs', () => this.configCache.clear());
    watchVersions(this.db, (bucket, key) => this.latestCache.delete(latestCacheKey(bucket, key)));
    this.stmt = prepareStatements(this.db);
    this.syncer = onDisk ? new WalSyncer(`${options.path}-wal`, { recover: () => this.checkpoint(), probe: options.probe }) : undefined;
    this.committer = new GroupCommitter(this.db, this.syncer, options.probe, (writes) => this.checkpointer?.committed(writes));
    if (onDisk) {
      // Checkpoints off the event loop (checkpointer.ts). SQLite's own stays as a backstop at ten
      // times its usual 1,000 pages, for a WAL the worker falls behind on; it takes over if the
      // worker fails.
      this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_BACKSTOP_PAGES}`);
      this.checkpointer = new WalCheckpointer(options.path, {
        hold: (work) => this.committer.hold(work),
        fallBack: () => this.db.pragma('wal_autocheckpoint = 1000'),
      });
    }
    this.durableOutboxSeq = (this.db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM outbox').get() as { seq: number }).seq;
    this.identities = new SqliteIdentityStore(this.db, this.committer);
  }

  // ---- buckets ----

  createBucket(bucket: BucketRecord, ownerBucketsMax = Number.POSITIVE_INFINITY): Promise<void> {
    return this.committer.run(() => {
      if (this.stmt.bucketExists.get(bucket.name)) throw new StoreError('BucketExists');
      const { owned } = this.stmt.countBucketsOf.get(bucket.ownerId) as { owned: number };
      if (owned >= ownerBucketsMax) throw new StoreError('TooManyBuckets');
      const result = this.stmt.insertBucket.run(
        bucket.name, bucket.ownerId, bucket.createdAt.getTime(), bucket.region, bucket.versioning, bucket.objectLockEnabled ? 1 : 0,
        bucket.access ? JSON.stringify(bucket.access) : null,
      );
      if (result.changes === 0) throw new StoreError('BucketExists');
    });
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const cached = this.bucketCache.get(name);
    if (cached) return cached;
    const row = this.stmt.getBucketWithConfigs.get(name) as BucketRow | undefined;
    if (!row) return undefined;
    const bucket = Object.freeze(rowToBucket(row));
    if (this.bucketCache.size >= BUCKET_CACHE_ENTRIES_MAX) this.bucketCache.clear();
    this.bucketCache.set(name, bucket);
    return bucket;
  }

  async listBuckets(ownerId?: string): Promise<BucketRecord[]> {
    const rows = (ownerId === undefined ? this.stmt.listBuckets.all() : this.stmt.listBucketsOf.all(ownerId)) as BucketRow[];
    return rows.map(rowToBucket);
  }

  deleteBucket(name: string): Promise<ReleaseResult> {
    return this.committer.run(() => {
      if (!this.stmt.bucketExists.get(name)) throw new StoreError('BucketNotFound');
      if (this.stmt.anyVersion.get(name)) throw new StoreError('BucketNotEmpty');
      // Uploads in progress go with the bucket: one read of their parts, one delete (parts cascade).
      const manifests = this.stmt.partManifestsOfBucket.all(name) as Array<{ manifest: string }>;
      const released = this.dropBlobRefs(manifests.flatMap((part) => blobIdsOfEncoded(part.manifest)));
      this.stmt.deleteUploadsOf.run(name);
      this.stmt.deleteCompletedOf.run(name);
      this.stmt.deleteBucket.run(name);
      return { released };
    });
  }

  setBucketVersioning(name: string, state: VersioningState): Promise<void> {
    return this.committer.run(() => {
      if (this.stmt.setVersioning.run(state, name).changes === 0) throw new StoreError('BucketNotFound');
    });
  }

  setObjectLockConfiguration(name: string, configuration: ObjectLockConfiguration): Promise<void> {
    return this.committer.run(() => {
      if (this.stmt.enableObjectLock.run(name).changes === 0) throw new StoreError('BucketNotFound');
      this.stmt.putConfig.run(name, 'object-lock', JSON.stringify(configuration));
    });
  }

  updateBucketAccess(name: string, change: BucketAccessChange): Promise<void> {
    return this.committer.run(() => {
      const row = this.stmt.getAccess.get(name) as Pick<BucketRow, 'access' | 'owner_id'> | undefined;
      if (!row) throw new StoreError('BucketNotFound');
      this.stmt.setAccess.run(JSON.stringify(change(decodeAccess(row.access), row.owner_id)), name);
    });
  }

  async getBucketConfig(bucket: string, kind: BucketConfigKind): Promise<string | undefined> {
    const cacheKey = `${bucket}/${kind}`;
    if (this.configCache.has(cacheKey)) return this.configCache.get(cacheKey);
    const row = this.stmt.getConfig.get(bucket, kind) as { document: string } | undefined;
    if (this.configCache.size >= CONFIG_CACHE_ENTRIES_MAX) this.configCache.clear();
    this.configCache.set(cacheKey, row?.document);
    return row?.document;
  }

  putBucketConfig(bucket: string, kind: BucketConfigKind, document: string | undefined, events?: readonly OutboxEvent[]): Promise<void> {
    return this.writeWithEvents(events, () => {
      if (!this.stmt.bucketExists.get(bucket)) throw new StoreError('BucketNotFound');
      if (document === undefined) this.stmt.deleteConfig.run(bucket, kind);
      else this.stmt.putConfig.run(bucket, kind, document);
      this.appendEvents(events);
    });
  }

  async listBucketConfigs(bucket: string, family: IdKeyedConfigFamily, afterKind: string, limit: number): Promise<BucketConfigEntry[]> {
    const from = afterKind > `${family}:` ? afterKind : `${family}:`;
    return this.stmt.listConfigs.all(bucket, from, `${family};`, limit) as BucketConfigEntry[];
  }

  // ---- object versions ----

  async getVersion(bucket: string, key: string, versionId?: string): Promise<ObjectVersion | undefined> {
    if (versionId !== undefined) {
      const row = this.stmt.getVersion.get(bucket, key, versionId) as VersionRow | undefined;
      return row && rowToVersion(row);
    }
    const cacheKey = latestCacheKey(bucket, key);
    const cached = this.latestCache.get(cacheKey);
    if (cached) {
      this.latestCache.delete(cacheKey); // most recently used goes last
      this.latestCache.set(cacheKey, cached);
      return cached;
    }
    const row = this.stmt.getLatest.get(bucket, key) as VersionRow | undefined;
    if (!row) return undefined;
    const version = freezeVersion(rowToVersion(row));
    if (this.latestCache.size >= LATEST_CACHE_ENTRIES_MAX) this.latestCache.delete(this.latestCache.keys().next().value!);
    this.latestCache.set(cacheKey, version);
    return version;
  }

  putVersion(version: NewVersion, condition?: WriteCondition, options?: WriteOptions): Promise<ReleaseResult> {
    return this.writeWithEvents(options?.events, () => {
      if (!this.stmt.bucketExists.get(version.bucket)) throw new StoreError('BucketNotFound');
      this.checkCondition(version.bucket, version.key, condition);
      if (options?.sharedBlobs) this.requireLiveBlobs(version.manifest);
      const released = this.insertVersion(version);
      this.appendEvents(options?.events);
      return { released };
    });
  }

  deleteVersion(
    bucket: string, key: string, versionId: string, condition?: WriteCondition, options?: DeleteOptions,
  ): Promise<ReleaseResult & { deleted: DeletedVersion }> {
    return this.writeWithEvents(options?.events, () => {
      this.checkCondition(bucket, key, condition);
      // Deleted first, checked after (one statement, not a read and a delete): a protected
      // version's deletion rolls back with the throw, in the write's savepoint.
      const row = this.stmt.deleteVersionReturning.get(bucket, key, versionId) as DeletedRow | undefined;
      if (!row) throw new StoreError('VersionNotFound');
      if (row.object_lock !== null && lockProtects(decodeVersionLock(row.object_lock), new Date(), options?.bypassGovernance)) {
        throw new StoreError('ObjectLocked');
      }
      if (row.is_latest) this.stmt.promoteLatest.run(bucket, key, bucket, key);
      this.appendEvents(options?.events);
      return { deleted: { bucket, key, versionId, isDeleteMarker: Boolean(row.is_delete_marker) }, released: this.dropBlobRefs(blobIdsOfEncoded(row.manifest)) };
    });
  }

  putVersionTags(bucket: string, key: string, versionId: string | undefined, tags: readonly Tag[], events?: readonly OutboxEvent[]): Promise<ObjectVersion> {
    return this.writeWithEvents(events, () => {
      const row = (versionId === undefined
        ? this.stmt.getLatest.get(bucket, key)
        : this.stmt.getVersion.get(bucket, key, versionId)) as VersionRow | undefined;
      if (!row) throw new StoreError('VersionNotFound');
      const encoded = JSON.stringify(tags.map((t) => [t.key, t.value]));
      this.stmt.setTags.run(encoded, row.seq);
      this.appendEvents(events);
      return rowToVersion({ ...row, tags: encoded });
    });
  }

  updateVersionLock(bucket: string, key: string, versionId: string | undefined, change: (version: ObjectVersion) => VersionLock): Promise<ObjectVersion> {
    return this.committer.run(() => {
      const row = (versionId === undefined
        ? this.stmt.getLatest.get(bucket, key)
        : this.stmt.getVersion.get(bucket, key, versionId)) as VersionRow | undefined;
      if (!row) throw new StoreError('VersionNotFound');
      const encoded = encodeVersionLock(change(rowToVersion(row)));
      this.stmt.setLock.run(encoded, row.seq);
      return rowToVersion({ ...row, object_lock: encoded });
    });
  }

  putVersionAcl(bucket: string, key: string, versionId: string, acl: readonly Grant[], events?: readonly OutboxEvent[]): Promise<ObjectVersion> {
    return this.writeWithEvents(events, () => {
      const row = this.stmt.getVersion.get(bucket, key, versionId) as VersionRow | undefined;
      if (!row) throw new StoreError('VersionNotFound');
      const attributes = JSON.stringify({ ...JSON.parse(row.attributes), acl });
      this.stmt.setAttributes.run(attributes, row.seq);
      this.appendEvents(events);
      return rowToVersion({ ...row, attributes });
    });
  }

  setReplicationStatus(bucket: string, key: string, versionId: string, status: ReplicationStatus, events?: readonly OutboxEvent[]): Promise<boolean> {
    return this.writeWithEvents(events, () => {
      const row = this.stmt.getVersion.get(bucket, key, versionId) as VersionRow | undefined;
      if (!row) return false;
      this.stmt.setAttributes.run(JSON.stringify({ ...JSON.parse(row.attributes), replicationStatus: status }), row.seq);
      this.appendEvents(events);
      return true;
    });
  }

  async listObjects(bucket: string, query: ListObjectsQuery): Promise<ListPage<ListEntry>> {
    const scanner: Scanner<SummaryRow, never> = {
      scan: (cursor, limit) =>
        (cursor.inclusive ? this.stmt.scanVisibleFrom : this.stmt.scanVisibleAfter).all(bucket, cursor.key, limit) as SummaryRow[],
      keyOf: (row) => row[1],
      after: (row) => ({ key: row[1], inclusive: false }),
    };
    const { entries, isTruncated } = await walkListing(scanner, {
      prefix: query.prefix,
      delimiter: query.delimiter,
      marker: query.after,
      limit: query.limit,
    });
    const summary = summaryRowReader(bucket);
    return {
      isTruncated,
      entries: entries.map((e) => (e.kind === 'prefix' ? e : { kind: 'object', version: summary(e.row) })),
    };
  }

  async listVersions(bucket: string, query: ListVersionsQuery): Promise<ListPage<VersionEntry>> {
    const scanner: Scanner<SummaryRow, number> = {
      scan: (cursor, limit) => {
        const rows: SummaryRow[] = [];
        if (cursor.within !== undefined) {
          rows.push(...(this.stmt.scanVersionsWithin.all(bucket, cursor.key, cursor.within, limit) as SummaryRow[]));
          if (rows.length >= limit) return rows;
        }
        const from = cursor.inclusive && cursor.within === undefined ? this.stmt.scanVersionsFrom : this.stmt.scanVersionsAfter;
        rows.push(...(from.all(bucket, cursor.key, limit - rows.length) as SummaryRow[]));
        return rows;
      },
      keyOf: (row) => row[1],
      after: (row) => ({ key: row[1], inclusive: false, within: row[0] }),
    };
    let within: number | undefined;
    if (query.keyMarker !== '' && query.versionIdMarker !== '') {
      const marker = this.stmt.getVersion.get(bucket, query.keyMarker, query.versionIdMarker) as VersionRow | undefined;
      within = marker?.seq;
    }
    const { entries, isTruncated } = await walkListing(scanner, {
      prefix: query.prefix,
      delimiter: query.delimiter,
      marker: query.keyMarker,
      within,
      limit: query.limit,
    });
    const summary = summaryRowReader(bucket);
    return {
      isTruncated,
      entries: entries.map((e) => (e.kind === 'prefix' ? e : { kind: 'version', version: summary(e.row) })),
    };
  }

  // ---- multipart uploads ----

  createUpload(upload: MultipartUpload): Promise<void> {
    return this.committer.run(() => {
      if (!this.stmt.bucketExists.get(upload.bucket)) throw new StoreError('BucketNotFound');
      this.stmt.insertUpload.run(
        upload.uploadId, upload.bucket, upload.key, upload.initiated.getTime(), upload.ownerId, JSON.stringify(uploadAttributes(upload)),
      );
    });
  }

  async getUpload(bucket: string, uploadId: string): Promise<MultipartUpload | undefined> {
    const row = this.stmt.getUpload.get(uploadId) as UploadRow | undefined;
    return row && row.bucket === bucket ? rowToUpload(row) : undefined;
  }

  putPart(bucket: string, uploadId: string, part: UploadPart, options?: WriteOptions): Promise<ReleaseResult> {
    return this.committer.run(() => {
      this.requireUpload(bucket, uploadId);
      if (options?.sharedBlobs) this.requireLiveBlobs(part.manifest);
      const old = this.stmt.getPart.get(uploadId, part.partNumber) as PartRow | undefined;
      this.addRefs(part.manifest);
      this.stmt.putPart.run(
        uploadId, part.partNumber, part.size, part.etag, part.lastModified.getTime(), part.checksum ?? null, encodeManifest(part.manifest),
      );
      return { released: old ? this.dropBlobRefs(blobIdsOfEncoded(old.manifest)) : [] };
    });
  }

  async listParts(bucket: string, uploadId: string, afterPartNumber: number, limit: number): Promise<ListPage<UploadPart>> {
    this.requireUpload(bucket, uploadId);
    const rows = this.stmt.listParts.all(uploadId, afterPartNumber, limit + 1) as PartRow[];
    return {
      isTruncated: rows.length > limit,
      entries: rows.slice(0, limit).map(rowToPart),
    };
  }

  async listUploads(bucket: string, query: ListUploadsQuery): Promise<ListPage<UploadEntry>> {
    const scanner: Scanner<UploadRow, { initiated: number; uploadId: string }> = {
      scan: (cursor, limit) => {
        const rows: UploadRow[] = [];
        if (cursor.within !== undefined) {
          const { initiated, uploadId } = cursor.within;
          rows.push(...(this.stmt.scanUploadsWithin.all(bucket, cursor.key, initiated, initiated, uploadId, limit) as UploadRow[]));
          if (rows.length >= limit) return rows;
        }
        const from = cursor.inclusive && cursor.within === undefined ? this.stmt.scanUploadsFrom : this.stmt.scanUploadsAfter;
        rows.push(...(from.all(bucket, cursor.key, limit - rows.length) as UploadRow[]));
        return rows;
      },
      keyOf: (row) => row.key,
      after: (row) => ({ key: row.key, inclusive: false, within: { initiated: row.initiated, uploadId: row.upload_id } }),
    };
    let within: { initiated: number; uploadId: string } | undefined;
    if (query.keyMarker !== '' && query.uploadIdMarker !== '') {
      const marker = this.stmt.getUpload.get(query.uploadIdMarker) as UploadRow | undefined;
      if (marker && marker.bucket === bucket && marker.key === query.keyMarker) {
        within = { initiated: marker.initiated, uploadId: marker.upload_id };
      }
    }
    const { entries, isTruncated } = await walkListing(scanner, {
      prefix: query.prefix,
      delimiter: query.delimiter,
      marker: query.keyMarker,
      within,
      limit: query.limit,
    });
    return {
      isTruncated,
      entries: entries.map((e) => (e.kind === 'prefix' ? e : { kind: 'upload', upload: rowToUpload(e.row) })),
    };
  }

  completeUpload(
    uploadId: string, version: NewVersion, condition?: WriteCondition, record?: CompletionRecordRequest, events?: readonly OutboxEvent[],
  ): Promise<ReleaseResult> {
    return this.writeWithEvents(events, () => {
      this.requireUpload(version.bucket, uploadId);
      this.checkCondition(version.bucket, version.key, condition);
      const parts = this.stmt.allParts.all(uploadId) as PartRow[];
      // The manifest was built from a listing of the parts: a part replaced since then has had its
      // blobs released, and a version must never reference a released blob.
      this.requireLiveBlobs(version.manifest);
      // The used parts' references move to the new version: add the version's, drop all the parts'.
      const released = this.insertVersion(version);
      for (const part of parts) released.push(...this.dropBlobRefs(blobIdsOfEncoded(part.manifest)));
      this.stmt.deleteUpload.run(uploadId);
      if (record) this.recordCompletion(uploadId, version, record);
      this.appendEvents(events);
      return { released };
    });
  }

  async getCompletedUpload(bucket: string, uploadId: string): Promise<CompletedUpload | undefined> {
    const row = this.stmt.getCompleted.get(uploadId) as CompletedRow | undefined;
    return row && row.bucket === bucket ? rowToCompletedUpload(row) : undefined;
  }

  abortUpload(bucket: string, uploadId: string): Promise<ReleaseResult> {
    return this.committer.run(() => {
      this.requireUpload(bucket, uploadId);
      const released: string[] = [];
      for (const part of this.stmt.allParts.all(uploadId) as PartRow[]) released.push(...this.dropBlobRefs(blobIdsOfEncoded(part.manifest)));
      this.stmt.deleteUpload.run(uploadId);
      return { released };
    });
  }

  // ---- server access log spool ----

  appendAccessLog(lines: readonly AccessLogLine[]): Promise<void> {
    return this.committer.run(() => {
      for (const { bucket, time, line } of lines) this.stmt.appendAccessLog.run(bucket, time.getTime(), line);
    });
  }

  async listAccessLog(afterSeq: number, limit: number): Promise<AccessLogRecord[]> {
    const rows = this.stmt.listAccessLog.all(afterSeq, limit) as Array<{ seq: number; bucket: string; logged_at: number; line: string }>;
    return rows.map((row) => ({ seq: row.seq, bucket: row.bucket, time: new Date(row.logged_at), line: row.line }));
  }

  deleteAccessLog(seqs: readonly number[]): Promise<void> {
    return this.committer.run(() => {
      for (const seq of seqs) this.stmt.deleteAccessLog.run(seq);
    });
  }

  // ---- event outbox ----

  async listOutbox(afterSeq: number, limit: number): Promise<OutboxRecord[]> {
    const rows = this.stmt.listOutbox.all(afterSeq, this.durableOutboxSeq, limit) as Array<{ seq: number; event: string }>;
    return rows.map((row) => ({ ...decodeEvent(row.event), seq: row.seq }));
  }

  watchOutbox(listener: () => void): () => void {
    this.outboxListeners.add(listener);
    return () => this.outboxListeners.delete(listener);
  }

  deleteOutbox(seqs: readonly number[]): Promise<void> {
    return this.committer.run(() => {
      for (const seq of seqs) this.stmt.deleteOutbox.run(seq);
    });
  }

  // ---- lifecycle ----

  async findLifecycleCandidates(bucket: string, scan: LifecycleScan): Promise<LifecyclePage<LifecycleCandidate>> {
    const [afterTime, afterPosition] = scan.after === '' ? [-1, scan.kind === 'noncurrent' ? 0 : ''] : (JSON.parse(scan.after) as [number, number | string]);
    const statement = { current: this.stmt.dueCurrent, noncurrent: this.stmt.dueNoncurrent, 'lone-delete-marker': this.stmt.dueLoneMarkers }[scan.kind];
    const rows = statement.all(
      bucket, scan.dueAtOrBefore.getTime(), afterTime, afterTime, afterPosition, scan.prefix, [...scan.prefix].length, scan.prefix, scan.limit,
    ) as CandidateRow[];
    const items = rows.map(rowToCandidate);
    const last = rows.at(-1);
    if (!last || rows.length < scan.limit) return { items };
    return { items, next: JSON.stringify(scan.kind === 'noncurrent' ? [last.noncurrent_since, last.seq] : [last.last_modified, last.key]) };
  }

  async findStaleUploads(bucket: string, scan: { prefix: string; initiatedAtOrBefore: Date; after: string; limit: number }): Promise<LifecyclePage<MultipartUpload>> {
    const [afterTime, afterId] = scan.after === '' ? [-1, ''] : (JSON.parse(scan.after) as [number, string]);
    const rows = this.stmt.staleUploads.all(
      bucket, scan.initiatedAtOrBefore.getTime(), afterTime, afterTime, afterId, scan.prefix, [...scan.prefix].length, scan.prefix, scan.limit,
    ) as UploadRow[];
    const last = rows.at(-1);
    const items = rows.map(rowToUpload);
    if (!last || rows.length < scan.limit) return { items };
    return { items, next: JSON.stringify([last.initiated, last.upload_id]) };
  }

  removeVersionIf(
    bucket: string, key: string, versionId: string, expected: ExpectedVersionState, replacement?: NewVersion, options?: Pick<WriteOptions, 'events'>,
  ): Promise<ReleaseResult & { applied: boolean }> {
    return this.writeWithEvents(options?.events, () => {
      const row = this.stmt.getVersion.get(bucket, key, versionId) as VersionRow | undefined;
      if (!row || Boolean(row.is_latest) !== expected.isLatest || Number(row.last_modified) !== expected.lastModified.getTime()) {
        return { applied: false, released: [] };
      }
      if (lockProtects(decodeVersionLock(row.object_lock), new Date())) return { applied: false, released: [] };
      this.appendEvents(options?.events);
      if (replacement) return { applied: true, released: this.insertVersion(replacement) };
      this.stmt.deleteVersionRow.run(row.seq);
      if (row.is_latest) this.stmt.promoteLatest.run(bucket, key, bucket, key);
      return { applied: true, released: this.dropBlobRefs(blobIdsOfEncoded(row.manifest)) };
    });
  }

  updateVersionStorage(bucket: string, key: string, versionId: string, update: StorageUpdate, events?: readonly OutboxEvent[]): Promise<void> {
    return this.writeWithEvents(events, () => {
      const row = this.stmt.getVersion.get(bucket, key, versionId) as VersionRow | undefined;
      if (!row) throw new StoreError('VersionNotFound');
      const attributes = JSON.parse(row.attributes) as ReturnType<typeof versionAttributes>;
      this.stmt.setAttributes.run(JSON.stringify({
        ...attributes,
        ...(update.storageClass === undefined ? {} : { storageClass: update.storageClass }),
        ...(update.restoredUntil === undefined ? {} : { restoredUntil: update.restoredUntil.getTime() }),
      }), row.seq);
      this.appendEvents(events);
    });
  }

  // ---- background jobs ----

  acquireLease(name: string, holder: string, now: Date, until: Date): Promise<LeaseState> {
    return this.committer.run(() => {
      const row = this.stmt.getLease.get(name) as LeaseRow | undefined;
      const free = !row || row.holder === null || row.holder === holder || Number(row.expires_at) <= now.getTime();
      if (!free) return { held: false, runRequested: row.run_requested === 1 };
      this.stmt.takeLease.run(name, holder, until.getTime());
      return { held: true, runRequested: row?.run_requested === 1 };
    });
  }

  async peekLease(name: string): Promise<LeaseView> {
    return leaseView(this.stmt.getLease.get(name) as LeaseRow | undefined);
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.committer.run(() => {
      this.stmt.releaseLease.run(name, holder);
    });
  }

  requestJobRun(name: string): Promise<void> {
    return this.committer.run(() => {
      this.stmt.requestRun.run(name);
    });
  }

  // ---- gateway registry ----

  registerGateway(id: string, now: Date): Promise<boolean> {
    return this.committer.run(() => {
      if (this.stmt.registerGateway.run(id, now.getTime()).changes !== 1) return false;
      this.stmt.insertHeartbeat.run(id, now.getTime());
      return true;
    });
  }

  renewGateway(id: string, now: Date): Promise<boolean> {
    return this.committer.run(() => this.stmt.renewGateway.run(now.getTime(), id, id).changes === 1);
  }

  async listGateways(): Promise<GatewayRecord[]> {
    return (this.stmt.listGateways.all() as GatewayRow[]).map(gatewayRecord);
  }

  markGatewaysDead(judged: readonly JudgedGateway[], now: Date): Promise<void> {
    return this.committer.run(() => {
      for (const gateway of judged) this.stmt.markGatewayDead.run(now.getTime(), gateway.id, gateway.heartbeatAt.getTime());
    });
  }

  forgetGateway(id: string): Promise<void> {
    return this.committer.run(() => {
      this.stmt.forgetHeartbeat.run(id);
      this.stmt.forgetGateway.run(id);
    });
  }

  // ---- housekeeping ----

  async rewrapSealings(rewrap: (sealing: BlobSealing) => BlobSealing | undefined): Promise<number> {
    let changed = 0;
    for (const table of [{ rows: this.stmt.versionManifestsAfter, update: this.stmt.setVersionManifest }, { rows: this.stmt.partManifestsAfter, update: this.stmt.setPartManifest }]) {
      let after = 0;
      for (let more = true; more; ) {
        await this.committer.run(() => {
          const rows = table.rows.all(after, REWRAP_BATCH_ROWS) as Array<{ id: number; manifest: string }>;
          for (const row of rows) {
            const rewrapped = rewrapManifest(decodeManifest(row.manifest), rewrap);
            if (rewrapped) {
              table.update.run(encodeManifest(rewrapped), row.id);
              changed++;
            }
          }
          more = rows.length === REWRAP_BATCH_ROWS;
          if (more) after = rows[rows.length - 1]!.id;
        });
      }
    }
    return changed;
  }

  resealVersion(
    bucket: string, key: string, versionId: string, expected: readonly Extent[], manifest: readonly Extent[], encryption: ObjectEncryption,
  ): Promise<ReleaseResult & { applied: boolean }> {
    return this.committer.run(() => {
      const row = this.stmt.getVersion.get(bucket, key, versionId) as VersionRow | undefined;
      if (!row || !sameManifest(decodeManifest(row.manifest), expected)) return { applied: false, released: [] };
      this.addRefs(manifest);
      this.stmt.setManifestAndAttributes.run(encodeManifest(manifest), JSON.stringify({ ...JSON.parse(row.attributes), encryption }), row.seq);
      return { applied: true, released: this.dropRefs(expected) };
    });
  }

  resealPart(
    uploadId: string, partNumber: number, expected: readonly Extent[], manifest: readonly Extent[], encryption: ObjectEncryption,
  ): Promise<ReleaseResult & { applied: boolean }> {
    return this.committer.run(() => {
      const part = this.stmt.getPart.get(uploadId, partNumber) as PartRow | undefined;
      if (!part || !sameManifest(decodeManifest(part.manifest), expected)) return { applied: false, released: [] };
      this.addRefs(manifest);
      this.stmt.resealPartManifest.run(encodeManifest(manifest), uploadId, partNumber);
      const upload = this.stmt.getUpload.get(uploadId) as UploadRow;
      const attributes = JSON.parse(upload.attributes) as { encryption?: ObjectEncryption };
      if (!attributes.encryption) this.stmt.setUploadAttributes.run(JSON.stringify({ ...attributes, encryption }), uploadId);
      return { applied: true, released: this.dropRefs(expected) };
    });
  }

  async referencedBlobs(blobIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const id of blobIds) if (this.isReferenced(id)) found.add(id);
    return found;
  }

  async usage(): Promise<StoreUsage> {
    const { buckets } = this.stmt.countBuckets.get() as { buckets: number };
    const { objects, bytes } = this.stmt.sumVersions.get() as { objects: number; bytes: number };
    return { buckets, objects, bytes };
  }

  async *scanData(): AsyncIterable<StoredData> {
    for (let seq = 0; ; ) {
      const rows = this.stmt.scanAllVersions.all(seq, SCAN_PAGE) as VersionRow[];
      for (const row of rows) yield { kind: 'version', version: rowToVersion(row) };
      if (rows.length < SCAN_PAGE) break;
      seq = rows[rows.length - 1]!.seq;
    }
    for (let uploadId = '', partNumber = 0; ; ) {
      const rows = this.stmt.scanAllParts.all(uploadId, uploadId, partNumber, SCAN_PAGE) as (PartRow & { bucket: string; key: string })[];
      for (const row of rows) yield { kind: 'part', bucket: row.bucket, key: row.key, uploadId: row.upload_id, part: rowToPart(row) };
      if (rows.length < SCAN_PAGE) break;
      ({ upload_id: uploadId, part_number: partNumber } = rows[rows.length - 1]!);
    }
  }

  async close(): Promise<void> {
    await this.committer.drain();
    await this.checkpointer?.close();
    this.db.close();
    this.syncer?.close();
  }

  /**
   * A committed write that may append events; outbox watchers hear of them once it is durable.
   * A write that fails with CommitUncertainError leaves its events unlisted until a later write is
   * durable (the WAL is synced in order, so that makes the uncertain one durable too) or the store
   * reopens: no event goes out for a change a crash could still undo.
   */
  private async writeWithEvents<T>(events: readonly OutboxEvent[] | undefined, write: () => T): Promise<T> {
    if (!events || events.length === 0) return this.committer.run(write);
    let appendedSeq = 0;
    const result = await this.committer.run(() => {
      const value = write();
      appendedSeq = this.lastAppendedSeq;
      return value;
    });
    this.durableOutboxSeq = Math.max(this.durableOutboxSeq, appendedSeq);
    for (const listener of this.outboxListeners) listener();
    return result;
  }

  /** Copies the whole WAL into the database file and syncs it (WalSyncer's way back from a failed fsync). */
  private checkpoint(): void {
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    if (result?.busy) throw new Error('SQLITE_BUSY: the checkpoint after a failed WAL fsync could not complete');
  }

  // ---- internals (run inside a committer transaction) ----

  private appendEvents(events: readonly OutboxEvent[] | undefined): void {
    if (!events) return;
    for (const event of events) this.lastAppendedSeq = Number(this.stmt.appendOutbox.run(JSON.stringify(event)).lastInsertRowid);
  }

  /** Records a completion; drops a bounded batch of records past their age or count. */
  private recordCompletion(uploadId: string, version: NewVersion, record: CompletionRecordRequest): void {
    this.stmt.pruneCompletedBefore.run(record.forgetBefore.getTime(), COMPLETED_PRUNE_BATCH);
    const { seq } = this.stmt.insertCompleted.get(
      uploadId, version.bucket, version.key, version.versionId, version.etag,
      version.checksum ? JSON.stringify(version.checksum) : null, record.partsDigest, version.lastModified.getTime(),
    ) as { seq: number };
    this.stmt.pruneCompletedUpTo.run(seq - Math.max(1, record.keptMax), COMPLETED_PRUNE_BATCH);
  }

  private requireUpload(bucket: string, uploadId: string): void {
    const row = this.stmt.getUpload.get(uploadId) as UploadRow | undefined;
    if (!row || row.bucket !== bucket) throw new StoreError('UploadNotFound');
  }

  private checkCondition(bucket: string, key: string, condition: WriteCondition | undefined): void {
    if (!isConditional(condition)) return;
    const latest = this.stmt.getLatest.get(bucket, key) as VersionRow | undefined;
    decideCondition(condition, latest && { etag: latest.etag, size: Number(latest.size), lastModified: new Date(latest.last_modified), isDeleteMarker: Boolean(latest.is_delete_marker) });
  }

  /**
   * Inserts `version` as its key's latest: the version it replaces (same id) goes, the latest
   * before it becomes noncurrent. Returns the blobs released by the version it replaced.
   */
  private insertVersion(version: NewVersion): string[] {
    let released: string[] = [];
    // References are added before the replaced version's are dropped: a blob both share (a copy
    // onto itself, a part copied from the key it completes) never passes through zero.
    this.addRefs(version.manifest);
    // One read finds both the row replaced and the latest (usually one row, or none for a new key):
    // an UPDATE that finds nothing to clear cost ~9 µs of a PUT, a SELECT finding nothing ~2.
    const rows = this.stmt.replacedOrLatest.all({ bucket: version.bucket, key: version.key, versionId: version.versionId }) as ReplacedOrLatestRow[];
    const existing = rows.find((row) => row.replaced === 1);
    if (existing && lockProtects(decodeVersionLock(existing.object_lock), new Date())) throw new StoreError('ObjectLocked');
    if (existing) {
      this.stmt.deleteVersionRow.run(existing.seq);
      released = this.dropBlobRefs(blobIdsOfEncoded(existing.manifest!));
    }
    for (const row of rows) {
      if (row !== existing && row.is_latest) this.stmt.clearLatestRow.run(version.lastModified.getTime(), row.seq);
    }
    this.stmt.insertVersion.run(
      version.bucket, version.key, version.versionId, 1, version.isDeleteMarker ? 1 : 0,
      version.size, version.etag, version.lastModified.getTime(), version.ownerId,
      JSON.stringify(versionAttributes(version)), JSON.stringify(version.tags.map((t) => [t.key, t.value])), encodeManifest(version.manifest),
      encodeVersionLock(version.lock),
    );
    return released;
  }

  /** Extents that reuse stored blobs may only be committed while those blobs are still referenced. */
  private requireLiveBlobs(manifest: readonly Extent[]): void {
    for (const blobId of blobIdsOf(manifest)) {
      if (!this.isReferenced(blobId)) throw new StoreError('ConditionalConflict');
    }
  }

  private addRefs(manifest: readonly Extent[]): void {
    for (const blobId of blobIdsOf(manifest)) this.stmt.addRef.run(blobId);
  }

  /** Drops one reference per file-backed extent; returns the blobs that reached zero. */
  private dropRefs(manifest: readonly Extent[]): string[] {
    return this.dropBlobRefs(blobIdsOf(manifest));
  }

  private dropBlobRefs(blobIds: readonly string[]): string[] {
    const released: string[] = [];
    for (const blobId of blobIds) {
      const row = this.stmt.dropRef.get(blobId) as { refs: number } | undefined;
      if (row && row.refs <= 0) {
        this.stmt.deleteBlob.run(blobId);
        released.push(blobId);
      }
    }
    return released;
  }

  private isReferenced(blobId: string): boolean {
    return this.stmt.getBlob.get(blobId) !== undefined;
  }
}

const BUCKET_CACHE_ENTRIES_MAX = 10_000;
const AUTO_CHECKPOINT_BACKSTOP_PAGES = 10_000;
const CONFIG_CACHE_ENTRIES_MAX = 10_000;

/**
 * Completion records dropped per completion, at most: each completion adds one record, so a batch
 * larger than one keeps the table bounded while no completion pays for a large backlog at once.
 */
const COMPLETED_PRUNE_BATCH = 64;

const CANDIDATE_COLUMNS = 'seq, key, version_id, is_delete_marker, size, etag, last_modified, attributes, tags, noncurrent_since, object_lock';

/**
 * Calls `changed` from inside any INSERT, UPDATE or DELETE on `buckets`, or on a bucket's
 * policy or another configuration read with the bucket, through this connection (temporary triggers, so
 * whatever code path changes a bucket, a cache of buckets cannot go stale; a rolled-back change
 * only costs a cache miss).
 */
function watchBuckets(db: Db, changed: () => void): void {
  watchTable(db, 'buckets', changed);
  for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
    const row = event === 'DELETE' ? 'OLD' : 'NEW';
    db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS coffer_bucket_row_configs_${event.toLowerCase()} AFTER ${event} ON main.bucket_configs
      WHEN ${row}.kind IN (${BUCKET_RECORD_CONFIG_KINDS.map((kind) => `'${kind}'`).join(', ')}) BEGIN SELECT coffer_buckets_changed(); END`);
  }
}

/** Calls `changed` from inside any INSERT, UPDATE or DELETE on `table` through this connection. */
function watchTable(db: Db, table: string, changed: () => void): void {
  db.function(`coffer_${table}_changed`, { deterministic: false, varargs: false }, () => {
    changed();
    return null;
  });
  for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
    db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS coffer_${table}_${event.toLowerCase()} AFTER ${event} ON main.${table}
      BEGIN SELECT coffer_${table}_changed(); END`);
  }
}

const LATEST_CACHE_ENTRIES_MAX = 4096;

/** Bucket names cannot contain '/', so this is unambiguous. */
function latestCacheKey(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}

/**
 * Calls `changed(bucket, key)` from inside any INSERT, UPDATE or DELETE of a row of `versions`
 * through this connection (temporary triggers, like watchBuckets): whatever code path writes a
 * version, a cache of versions cannot go stale; a rolled-back change only costs a cache miss.
 */
function watchVersions(db: Db, changed: (bucket: string, key: string) => void): void {
  db.function('coffer_version_changed', { deterministic: false, varargs: false }, (bucket: unknown, key: unknown) => {
    changed(String(bucket), String(key));
    return null;
  });
  const rows: Record<string, string[]> = { INSERT: ['NEW'], UPDATE: ['OLD', 'NEW'], DELETE: ['OLD'] };
  for (const [event, names] of Object.entries(rows)) {
    const calls = names.map((n) => `SELECT coffer_version_changed(${n}.bucket, ${n}.key);`).join(' ');
    db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS coffer_versions_${event.toLowerCase()} AFTER ${event} ON main.versions
      BEGIN ${calls} END`);
  }
}

/**
 * What insertVersion reads of the row it replaces (`replaced`, with its lock and manifest) and of
 * the key's latest version (only where it is: in a versioned bucket its manifest, inline bytes
 * included, is not read for nothing).
 */
interface ReplacedOrLatestRow {
  seq: number;
  replaced: number;
  is_latest: number;
  object_lock: string | null;
  manifest: string | null;
}

/** What deleteVersion reads of the row it deletes. */
interface DeletedRow {
  is_latest: number;
  is_delete_marker: number;
  object_lock: string | null;
  manifest: string;
}

/** A cached version is shared by every request that reads it: nothing in it may change. */
function freezeVersion(version: ObjectVersion): ObjectVersion {
  for (const value of Object.values(version)) {
    if (typeof value !== 'object' || value === null || value instanceof Date) continue;
    if (Array.isArray(value)) for (const item of value) Object.freeze(item);
    Object.freeze(value);
  }
  return Object.freeze(version);
}

const VERSION_COLUMNS = 'seq, bucket, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id, attributes, tags, manifest, object_lock';
/**
 * What listings read, in the order of SummaryRow (statements in raw mode). The attributes'
 * expressions are exactly those of the visible_objects index (migration 11), whose stored values
 * SQLite then reads instead of evaluating them.
 */
const LIST_COLUMNS = `seq, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id,
  json_extract(attributes, '$.storageClass'), json_extract(attributes, '$.checksum'), json_extract(attributes, '$.encryption')`;

function prepareStatements(db: Db) {
  const p = (sql: string): Statement => db.prepare(sql);
  const raw = (sql: string): Statement => db.prepare(sql).raw(true);
  return {
    insertBucket: p('INSERT INTO buckets (name, owner_id, created_at, region, versioning, object_lock, access) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    getBucket: p('SELECT * FROM buckets WHERE name = ?'),
    bucketExists: p('SELECT 1 FROM buckets WHERE name = ?').pluck(),
    getBucketWithConfigs: p(`SELECT b.*, ${BUCKET_CONFIG_COLUMNS} FROM buckets b WHERE b.name = ?`),
    listBuckets: p('SELECT * FROM buckets ORDER BY name'),
    countBucketsOf: p('SELECT count(*) AS owned FROM buckets WHERE owner_id = ?'),
    listBucketsOf: p('SELECT * FROM buckets WHERE owner_id = ? ORDER BY name'),
    deleteBucket: p('DELETE FROM buckets WHERE name = ?'),
    setVersioning: p('UPDATE buckets SET versioning = ? WHERE name = ?'),
    getAccess: p('SELECT access, owner_id FROM buckets WHERE name = ?'),
    setAccess: p('UPDATE buckets SET access = ? WHERE name = ?'),
    enableObjectLock: p('UPDATE buckets SET object_lock = 1 WHERE name = ?'),
    anyVersion: p('SELECT 1 FROM versions WHERE bucket = ? LIMIT 1'),
    partManifestsOfBucket: p('SELECT parts.manifest FROM parts JOIN uploads ON uploads.upload_id = parts.upload_id WHERE uploads.bucket = ?'),
    deleteUploadsOf: p('DELETE FROM uploads WHERE bucket = ?'),
    getConfig: p('SELECT document FROM bucket_configs WHERE bucket = ? AND kind = ?'),
    putConfig: p('INSERT INTO bucket_configs (bucket, kind, document) VALUES (?, ?, ?) ON CONFLICT (bucket, kind) DO UPDATE SET document = excluded.document'),
    deleteConfig: p('DELETE FROM bucket_configs WHERE bucket = ? AND kind = ?'),
    listConfigs: p('SELECT kind, document FROM bucket_configs WHERE bucket = ? AND kind > ? AND kind < ? ORDER BY kind LIMIT ?'),

    getLatest: p(`SELECT ${VERSION_COLUMNS} FROM versions WHERE bucket = ? AND key = ? AND is_latest = 1`),
    getVersion: p(`SELECT ${VERSION_COLUMNS} FROM versions WHERE bucket = ? AND key = ? AND version_id = ?`),
    insertVersion: p(`INSERT INTO versions (bucket, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id, attributes, tags, manifest, object_lock)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    deleteVersionRow: p('DELETE FROM versions WHERE seq = ?'),
    deleteVersionReturning: p('DELETE FROM versions WHERE bucket = ? AND key = ? AND version_id = ? RETURNING is_latest, is_delete_marker, object_lock, manifest'),
    replacedOrLatest: p(`SELECT seq, version_id = @versionId AS replaced, is_latest,
        CASE WHEN version_id = @versionId THEN object_lock END AS object_lock, CASE WHEN version_id = @versionId THEN manifest END AS manifest
      FROM versions WHERE bucket = @bucket AND key = @key AND (version_id = @versionId OR is_latest = 1)`),
    clearLatestRow: p('UPDATE versions SET is_latest = 0, noncurrent_since = ? WHERE seq = ?'),
    promoteLatest: p(`UPDATE versions SET is_latest = 1, noncurrent_since = NULL WHERE seq = (SELECT seq FROM versions WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1)
      AND bucket = ? AND key = ?`),
    setTags: p('UPDATE versions SET tags = ? WHERE seq = ?'),
    setAttributes: p('UPDATE versions SET attributes = ? WHERE seq = ?'),
    setLock: p('UPDATE versions SET object_lock = ? WHERE seq = ?'),
    setManifestAndAttributes: p('UPDATE versions SET manifest = ?, attributes = ? WHERE seq = ?'),
    scanVisibleFrom: raw(`SELECT ${LIST_COLUMNS} FROM versions INDEXED BY visible_objects
      WHERE bucket = ? AND key >= ? AND is_latest = 1 AND is_delete_marker = 0 ORDER BY key LIMIT ?`),
    scanVisibleAfter: raw(`SELECT ${LIST_COLUMNS} FROM versions INDEXED BY visible_objects
      WHERE bucket = ? AND key > ? AND is_latest = 1 AND is_delete_marker = 0 ORDER BY key LIMIT ?`),
    scanVersionsWithin: raw(`SELECT ${LIST_COLUMNS} FROM versions WHERE bucket = ? AND key = ? AND seq < ? ORDER BY seq DESC LIMIT ?`),
    scanVersionsFrom: raw(`SELECT ${LIST_COLUMNS} FROM versions WHERE bucket = ? AND key >= ? ORDER BY key, seq DESC LIMIT ?`),
    scanVersionsAfter: raw(`SELECT ${LIST_COLUMNS} FROM versions WHERE bucket = ? AND key > ? ORDER BY key, seq DESC LIMIT ?`),

    insertUpload: p('INSERT INTO uploads (upload_id, bucket, key, initiated, owner_id, attributes) VALUES (?, ?, ?, ?, ?, ?)'),
    getUpload: p('SELECT * FROM uploads WHERE upload_id = ?'),
    deleteUpload: p('DELETE FROM uploads WHERE upload_id = ?'),
    scanUploadsWithin: p(`SELECT * FROM uploads WHERE bucket = ? AND key = ? AND (initiated > ? OR (initiated = ? AND upload_id > ?))
      ORDER BY initiated, upload_id LIMIT ?`),
    scanUploadsFrom: p('SELECT * FROM uploads WHERE bucket = ? AND key >= ? ORDER BY key, initiated, upload_id LIMIT ?'),
    scanUploadsAfter: p('SELECT * FROM uploads WHERE bucket = ? AND key > ? ORDER BY key, initiated, upload_id LIMIT ?'),
    getPart: p('SELECT * FROM parts WHERE upload_id = ? AND part_number = ?'),
    resealPartManifest: p('UPDATE parts SET manifest = ? WHERE upload_id = ? AND part_number = ?'),
    setUploadAttributes: p('UPDATE uploads SET attributes = ? WHERE upload_id = ?'),
    putPart: p(`INSERT INTO parts (upload_id, part_number, size, etag, last_modified, checksum, manifest) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (upload_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag,
      last_modified = excluded.last_modified, checksum = excluded.checksum, manifest = excluded.manifest`),
    listParts: p('SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?'),
    allParts: p('SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number'),

    insertCompleted: p(`INSERT INTO completed_uploads (upload_id, bucket, key, version_id, etag, checksum, parts_digest, completed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (upload_id) DO UPDATE SET bucket = excluded.bucket, key = excluded.key,
      version_id = excluded.version_id, etag = excluded.etag, checksum = excluded.checksum, parts_digest = excluded.parts_digest,
      completed_at = excluded.completed_at RETURNING seq`),
    getCompleted: p('SELECT * FROM completed_uploads WHERE upload_id = ?'),
    pruneCompletedBefore: p(`DELETE FROM completed_uploads WHERE seq IN
      (SELECT seq FROM completed_uploads WHERE completed_at < ? ORDER BY completed_at LIMIT ?)`),
    pruneCompletedUpTo: p('DELETE FROM completed_uploads WHERE seq IN (SELECT seq FROM completed_uploads WHERE seq <= ? ORDER BY seq LIMIT ?)'),
    deleteCompletedOf: p('DELETE FROM completed_uploads WHERE bucket = ?'),

    appendAccessLog: p('INSERT INTO access_log (bucket, logged_at, line) VALUES (?, ?, ?)'),
    listAccessLog: p('SELECT seq, bucket, logged_at, line FROM access_log WHERE seq > ? ORDER BY seq LIMIT ?'),
    deleteAccessLog: p('DELETE FROM access_log WHERE seq = ?'),
    appendOutbox: p('INSERT INTO outbox (event) VALUES (?)'),
    listOutbox: p('SELECT seq, event FROM outbox WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?'),
    deleteOutbox: p('DELETE FROM outbox WHERE seq = ?'),

    // Lifecycle pages: (bucket, due time ≤ ?, after the cursor (time, position), prefix, prefix length, prefix, limit).
    dueCurrent: p(`SELECT ${CANDIDATE_COLUMNS}, NULL AS newer FROM versions v INDEXED BY lifecycle_current
      WHERE bucket = ? AND is_latest = 1 AND is_delete_marker = 0 AND last_modified <= ?
      AND (last_modified > ? OR (last_modified = ? AND key > ?)) AND key >= ? AND substr(key, 1, ?) = ?
      ORDER BY last_modified, key LIMIT ?`),
    dueNoncurrent: p(`SELECT ${CANDIDATE_COLUMNS}, (SELECT count(*) FROM versions n
        WHERE n.bucket = v.bucket AND n.key = v.key AND n.seq > v.seq AND n.is_latest = 0) AS newer
      FROM versions v INDEXED BY lifecycle_noncurrent
      WHERE bucket = ? AND is_latest = 0 AND noncurrent_since <= ?
      AND (noncurrent_since > ? OR (noncurrent_since = ? AND seq > ?)) AND key >= ? AND substr(key, 1, ?) = ?
      ORDER BY noncurrent_since, seq LIMIT ?`),
    dueLoneMarkers: p(`SELECT ${CANDIDATE_COLUMNS}, NULL AS newer FROM versions v INDEXED BY lifecycle_markers
      WHERE bucket = ? AND is_latest = 1 AND is_delete_marker = 1 AND last_modified <= ?
      AND (last_modified > ? OR (last_modified = ? AND key > ?)) AND key >= ? AND substr(key, 1, ?) = ?
      AND NOT EXISTS (SELECT 1 FROM versions o WHERE o.bucket = v.bucket AND o.key = v.key AND o.seq <> v.seq)
      ORDER BY last_modified, key LIMIT ?`),
    staleUploads: p(`SELECT * FROM uploads INDEXED BY lifecycle_uploads
      WHERE bucket = ? AND initiated <= ? AND (initiated > ? OR (initiated = ? AND upload_id > ?)) AND key >= ? AND substr(key, 1, ?) = ?
      ORDER BY initiated, upload_id LIMIT ?`),

    getLease: p('SELECT * FROM leases WHERE name = ?'),
    takeLease: p(`INSERT INTO leases (name, holder, expires_at, run_requested) VALUES (?, ?, ?, 0)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, run_requested = 0`),
    releaseLease: p('UPDATE leases SET holder = NULL, expires_at = 0 WHERE name = ? AND holder = ?'),
    requestRun: p('INSERT INTO leases (name, run_requested) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET run_requested = 1'),

    registerGateway: p('INSERT INTO gateways (id, started_at) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    insertHeartbeat: p('INSERT INTO gateway_heartbeats (id, heartbeat_at) VALUES (?, ?)'),
    renewGateway: p('UPDATE gateway_heartbeats SET heartbeat_at = ? WHERE id = ? AND EXISTS (SELECT 1 FROM gateways WHERE id = ? AND dead_at IS NULL)'),
    listGateways: p('SELECT g.id, g.started_at, h.heartbeat_at, g.dead_at FROM gateways g JOIN gateway_heartbeats h ON h.id = g.id ORDER BY g.id'),
    markGatewayDead: p(`UPDATE gateways SET dead_at = ? WHERE id = ? AND dead_at IS NULL
      AND EXISTS (SELECT 1 FROM gateway_heartbeats h WHERE h.id = gateways.id AND h.heartbeat_at = ?)`),
    forgetHeartbeat: p('DELETE FROM gateway_heartbeats WHERE id = ?'),
    forgetGateway: p('DELETE FROM gateways WHERE id = ?'),

    addRef: p('INSERT INTO blobs (id, refs) VALUES (?, 1) ON CONFLICT (id) DO UPDATE SET refs = refs + 1'),
    dropRef: p('UPDATE blobs SET refs = refs - 1 WHERE id = ? RETURNING refs'),
    deleteBlob: p('DELETE FROM blobs WHERE id = ?'),
    getBlob: p('SELECT 1 FROM blobs WHERE id = ?'),

    countBuckets: p('SELECT count(*) AS buckets FROM buckets'),
    sumVersions: p('SELECT objects, bytes FROM usage_totals WHERE id = 0'),
    scanAllVersions: p(`SELECT ${VERSION_COLUMNS} FROM versions WHERE seq > ? ORDER BY seq LIMIT ?`),
    scanAllParts: p(`SELECT parts.*, uploads.bucket, uploads.key FROM parts JOIN uploads USING (upload_id)
      WHERE upload_id > ? OR (upload_id = ? AND part_number > ?) ORDER BY upload_id, part_number LIMIT ?`),
    versionManifestsAfter: p('SELECT seq AS id, manifest FROM versions WHERE seq > ? ORDER BY seq LIMIT ?'),
    setVersionManifest: p('UPDATE versions SET manifest = ? WHERE seq = ?'),
    partManifestsAfter: p('SELECT rowid AS id, manifest FROM parts WHERE rowid > ? ORDER BY rowid LIMIT ?'),
    setPartManifest: p('UPDATE parts SET manifest = ? WHERE rowid = ?'),
  };
}
