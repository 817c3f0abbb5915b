import pg from 'pg';
import type { IdentityStore } from '../identity-store.js';
import { PostgresIdentityStore } from './identity-store.js';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
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
} from '../sqlite/rows.js';
import { writerOfBlob } from '../../blob/blob-store.js';
import { migratePostgres } from './migrate.js';
import { ChangeListener } from './change-listener.js';
import { KeyedQueue } from './keyed-queue.js';
import { beginSharingBucket, SQL, type StatementName } from './statements.js';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (libpq-style parameters accepted by `pg`). */
  readonly url: string;
  /** Connections kept open; each in-flight transaction or read holds one. */
  readonly poolSize?: number;
  /**
   * A gateway sharing its data dir (registered in `gateways`): each commit of a new blob checks,
   * in its transaction, that the blob's writer is not marked dead (requireLiveWriters). Off for
   * the maintenance commands, which register nothing.
   */
  readonly fenceBlobWriters?: boolean;
}

/** `bigint` columns (sizes, milliseconds, sequence numbers) stay below 2^53: read them as numbers. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * The MetadataStore on PostgreSQL, for several gateways sharing one database. Nothing is cached
 * in the process (another gateway could make it stale): every read goes to the database.
 *
 * Every write is one transaction that locks the rows it decides on: the bucket row (FOR KEY
 * SHARE, so DeleteBucket waits for writes into it), the key's latest version (FOR UPDATE), the
 * upload. Writes to a key run in REPEATABLE READ: the decision (a condition, the version being
 * replaced) and every later statement see one snapshot, so a version another gateway committed
 * meanwhile cannot slip in between (READ COMMITTED would take a fresh snapshot per statement,
 * and a write decided on "no such key" could then replace a version committed just after).
 * What the snapshot does not show still cannot be overwritten: locking or updating a row changed
 * since fails the transaction (40001), and inserting where another transaction inserted fails
 * on a unique index (`versions_latest`: one latest version per key; the version id) — both are
 * retried from the start, with a fresh snapshot, as are deadlocks. Writes to one key from this
 * process run in the order they were issued (KeyedQueue), as the contract asks.
 *
 * Group commit: PostgreSQL already flushes the WAL once for the commits of concurrent
 * transactions (each on its own pooled connection), so concurrent requests share fsyncs without
 * a batching layer here that would serialize them onto one connection.
 *
 * Durability: a write resolves after COMMIT returns, which with the default
 * `synchronous_commit = on` means the WAL is flushed on the primary.
 */
export class PostgresMetadataStore implements MetadataStore {
  private readonly keyWrites = new KeyedQueue();
  private readonly outboxListeners = new Set<() => void>();

  readonly identities: IdentityStore;

  /** Other gateways' committed changes (LISTEN/NOTIFY), connected on the first subscription; undefined where the database has no NOTIFY. */
  private readonly changes: ChangeListener | undefined;

  private constructor(private readonly pool: Pool, url: string, notifies: boolean, private readonly fence: boolean) {
    this.changes = notifies ? new ChangeListener({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }) : undefined;
    this.identities = new PostgresIdentityStore(pool, (work) => this.transaction('READ COMMITTED', work), this.changes);
  }

  /** Connects and applies the pending schema migrations (one gateway at a time). */
  static async open(options: PostgresStoreOptions): Promise<PostgresMetadataStore> {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? POOL_SIZE_DEFAULT, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types });
    // A connection dropped by the server (restart, failover, a dropped database) must not crash
    // the process. Idle, the pool discards it and the next query opens another. Checked out
    // between two statements of a transaction, the pool no longer listens to it: the client's own
    // listener takes the error, the transaction's next statement fails with it (answered as any
    // database fault), and the pool discards the client when it is released.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    let notifies: boolean;
    try {
      const client = await pool.connect();
      try {
        await migratePostgres(client);
        notifies = await hasNotify(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresMetadataStore(pool, options.url, notifies, options.fenceBlobWriters === true);
  }

  // ---- buckets ----

  createBucket(bucket: BucketRecord, ownerBucketsMax = Number.POSITIVE_INFINITY): Promise<void> {
    // SERIALIZABLE: the per-owner count must not be passed by two creations racing (no row lock
    // can stop an insert); a conflict retries the transaction.
    return this.transaction('SERIALIZABLE', async (c) => {
      if ((await run(c, 'getBucket', [bucket.name])).rowCount) throw new StoreError('BucketExists');
      const owned = Number((await run<{ owned: number }>(c, 'countBucketsOf', [bucket.ownerId])).rows[0]!.owned);
      if (owned >= ownerBucketsMax) throw new StoreError('TooManyBuckets');
      const inserted = await run(c, 'insertBucket', [
        bucket.name, bucket.ownerId, bucket.createdAt.getTime(), bucket.region, bucket.versioning, bucket.objectLockEnabled,
        bucket.access ? JSON.stringify(bucket.access) : null,
      ]);
      if (inserted.rowCount === 0) throw new StoreError('BucketExists');
    });
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const row = (await run<BucketRow>(this.pool, 'getBucketWithConfigs', [name])).rows[0];
    return row && rowToBucket(row);
  }

  async listBuckets(ownerId?: string): Promise<BucketRecord[]> {
    const { rows } = ownerId === undefined ? await run<BucketRow>(this.pool, 'listBuckets', []) : await run<BucketRow>(this.pool, 'listBucketsOf', [ownerId]);
    // Bucket names are ASCII: code unit order is byte order, whatever the database's collation.
    return rows.map(rowToBucket).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  deleteBucket(name: string): Promise<ReleaseResult> {
    return this.transaction('READ COMMITTED', async (c) => {
      if (!(await run(c, 'lockBucket', [name])).rowCount) throw new StoreError('BucketNotFound');
      if ((await run(c, 'anyVersion', [name])).rowCount) throw new StoreError('BucketNotEmpty');
      // Uploads in progress go with the bucket: their rows locked (no part lands meanwhile), their
      // parts read in one query, the uploads deleted in one statement (parts cascade).
      await run(c, 'lockUploadsOf', [name]);
      const parts = (await run<{ manifest: string }>(c, 'partManifestsOfBucket', [name])).rows;
      const released = await dropBlobRefs(c, parts.flatMap((part) => blobIdsOfEncoded(part.manifest)));
      await run(c, 'deleteUploadsOf', [name]);
      await run(c, 'deleteCompletedOf', [name]);
      await run(c, 'deleteBucket', [name]);
      return { released };
    });
  }

  async setBucketVersioning(name: string, state: VersioningState): Promise<void> {
    if ((await run(this.pool, 'setVersioning', [state, name])).rowCount === 0) throw new StoreError('BucketNotFound');
  }

  setObjectLockConfiguration(name: string, configuration: ObjectLockConfiguration): Promise<void> {
    return this.transaction('READ COMMITTED', async (c) => {
      if ((await run(c, 'enableObjectLock', [name])).rowCount === 0) throw new StoreError('BucketNotFound');
      await run(c, 'putConfig', [name, 'object-lock', JSON.stringify(configuration)]);
    });
  }

  updateBucketAccess(name: string, change: BucketAccessChange): Promise<void> {
    return this.transaction('READ COMMITTED', async (c) => {
      // FOR UPDATE: a concurrent change waits for this one and then reads what it wrote.
      const row = (await run<Pick<BucketRow, 'access' | 'owner_id'>>(c, 'lockAccess', [name])).rows[0];
      if (!row) throw new StoreError('BucketNotFound');
      await run(c, 'setAccess', [JSON.stringify(change(decodeAccess(row.access), row.owner_id)), name]);
    });
  }

  async getBucketConfig(bucket: string, kind: BucketConfigKind): Promise<string | undefined> {
    return (await run<{ document: string }>(this.pool, 'getConfig', [bucket, kind])).rows[0]?.document;
  }

  putBucketConfig(bucket: string, kind: BucketConfigKind, document: string | undefined, events?: readonly OutboxEvent[]): Promise<void> {
    return this.notifyAfter(events, this.transaction('READ COMMITTED', async (c) => {
      if (document === undefined) await run(c, 'deleteConfig', [bucket, kind]);
      else await run(c, 'putConfig', [bucket, kind, document]);
      await appendEvents(c, events);
    }, { sharedBucket: bucket }));
  }

  async listBucketConfigs(bucket: string, family: IdKeyedConfigFamily, afterKind: string, limit: number): Promise<BucketConfigEntry[]> {
    const from = afterKind > `${family}:` ? afterKind : `${family}:`;
    return (await run<BucketConfigEntry>(this.pool, 'listConfigs', [bucket, from, `${family};`, limit])).rows;
  }

  // ---- object versions ----

  async getVersion(bucket: string, key: string, versionId?: string): Promise<ObjectVersion | undefined> {
    const { rows } = versionId === undefined
      ? await run<PgVersionRow>(this.pool, 'getLatest', [bucket, keyBytes(key)])
      : await run<PgVersionRow>(this.pool, 'getVersion', [bucket, keyBytes(key), versionId]);
    return rows[0] && toVersion(rows[0]);
  }

  putVersion(version: NewVersion, condition?: WriteCondition, options?: WriteOptions): Promise<ReleaseResult> {
    return this.notifyAfter(options?.events, this.keyWrite(version.bucket, version.key, async (c) => {
      await checkCondition(c, version.bucket, version.key, condition);
      const released = await insertVersion(c, version, options?.sharedBlobs === true, this.fence);
      await appendEvents(c, options?.events);
      return { released };
    }, { sharedBucket: version.bucket }));
  }

  deleteVersion(
    bucket: string, key: string, versionId: string, condition?: WriteCondition, options?: DeleteOptions,
  ): Promise<ReleaseResult & { deleted: DeletedVersion }> {
    return this.notifyAfter(options?.events, this.keyWrite(bucket, key, async (c) => {
      await checkCondition(c, bucket, key, condition);
      type Deleted = Pick<PgVersionRow, 'is_latest' | 'is_delete_marker' | 'object_lock' | 'manifest'>;
      const row = (await run<Deleted>(c, 'deleteVersion', [bucket, keyBytes(key), versionId])).rows[0];
      if (!row) throw new StoreError('VersionNotFound');
      // Deleted first, checked after: a protected version's deletion rolls back with the throw.
      if (lockProtects(decodeVersionLock(row.object_lock), new Date(), options?.bypassGovernance)) throw new StoreError('ObjectLocked');
      if (row.is_latest) await run(c, 'promoteLatest', [bucket, keyBytes(key)]);
      const released = await dropBlobRefs(c, blobIdsOfEncoded(row.manifest));
      await appendEvents(c, options?.events);
      return { deleted: { bucket, key, versionId, isDeleteMarker: Boolean(row.is_delete_marker) }, released };
    }));
  }

  putVersionTags(bucket: string, key: string, versionId: string | undefined, tags: readonly Tag[], events?: readonly OutboxEvent[]): Promise<ObjectVersion> {
    return this.notifyAfter(events, this.keyWrite(bucket, key, async (c) => {
      const { rows } = versionId === undefined
        ? await run<PgVersionRow>(c, 'lockLatest', [bucket, keyBytes(key)])
        : await run<PgVersionRow>(c, 'lockVersion', [bucket, keyBytes(key), versionId]);
      const row = rows[0];
      if (!row) throw new StoreError('VersionNotFound');
      const encoded = JSON.stringify(tags.map((t) => [t.key, t.value]));
      await run(c, 'setTags', [encoded, row.seq]);
      await appendEvents(c, events);
      return toVersion({ ...row, tags: encoded });
    }));
  }

  updateVersionLock(bucket: string, key: string, versionId: string | undefined, change: (version: ObjectVersion) => VersionLock): Promise<ObjectVersion> {
    return this.keyWrite(bucket, key, async (c) => {
      const { rows } = versionId === undefined
        ? await run<PgVersionRow>(c, 'lockLatest', [bucket, keyBytes(key)])
        : await run<PgVersionRow>(c, 'lockVersion', [bucket, keyBytes(key), versionId]);
      const row = rows[0];
      if (!row) throw new StoreError('VersionNotFound');
      const encoded = encodeVersionLock(change(toVersion(row)));
      await run(c, 'setLock', [encoded, row.seq]);
      return toVersion({ ...row, object_lock: encoded });
    });
  }

  putVersionAcl(bucket: string, key: string, versionId: string, acl: readonly Grant[], events?: readonly OutboxEvent[]): Promise<ObjectVersion> {
    return this.notifyAfter(events, this.keyWrite(bucket, key, async (c) => {
      const row = (await run<PgVersionRow>(c, 'lockVersion', [bucket, keyBytes(key), versionId])).rows[0];
      if (!row) throw new StoreError('VersionNotFound');
      const attributes = JSON.stringify({ ...JSON.parse(row.attributes), acl });
      await run(c, 'setAttributes', [attributes, row.seq]);
      await appendEvents(c, events);
      return toVersion({ ...row, attributes });
    }));
  }

  setReplicationStatus(bucket: string, key: string, versionId: string, status: ReplicationStatus, events?: readonly OutboxEvent[]): Promise<boolean> {
    return this.notifyAfter(events, this.keyWrite(bucket, key, async (c) => {
      const row = (await run<PgVersionRow>(c, 'lockVersion', [bucket, keyBytes(key), versionId])).rows[0];
      if (!row) return false;
      await run(c, 'setAttributes', [JSON.stringify({ ...JSON.parse(row.attributes), replicationStatus: status }), row.seq]);
      await appendEvents(c, events);
      return true;
    }));
  }

  async listObjects(bucket: string, query: ListObjectsQuery): Promise<ListPage<ListEntry>> {
    const scanner: Scanner<SummaryRow, never> = {
      scan: async (cursor, limit) => summaryRows(await runArray(this.pool, cursor.inclusive ? 'scanVisibleFrom' : 'scanVisibleAfter', [bucket, keyBytes(cursor.key), limit])),
      keyOf: (row) => row[1],
      after: (row) => ({ key: row[1], inclusive: false }),
    };
    const { entries, isTruncated } = await walkListing(scanner, { prefix: query.prefix, delimiter: query.delimiter, marker: query.after, limit: query.limit });
    const summary = summaryRowReader(bucket);
    return {
      isTruncated,
      entries: entries.map((e) => (e.kind === 'prefix' ? e : { kind: 'object', version: summary(e.row) })),
    };
  }

  async listVersions(bucket: string, query: ListVersionsQuery): Promise<ListPage<VersionEntry>> {
    const scanner: Scanner<SummaryRow, number> = {
      scan: async (cursor, limit) => {
        const rows: SummaryRow[] = [];
        if (cursor.within !== undefined) {
          rows.push(...summaryRows(await runArray(this.pool, 'scanVersionsWithin', [bucket, keyBytes(cursor.key), cursor.within, limit])));
          if (rows.length >= limit) return rows;
        }
        const from = cursor.inclusive && cursor.within === undefined ? 'scanVersionsFrom' : 'scanVersionsAfter';
        rows.push(...summaryRows(await runArray(this.pool, from, [bucket, keyBytes(cursor.key), limit - rows.length])));
        return rows;
      },
      keyOf: (row) => row[1],
      after: (row) => ({ key: row[1], inclusive: false, within: row[0] }),
    };
    let within: number | undefined;
    if (query.keyMarker !== '' && query.versionIdMarker !== '') {
      within = (await run<PgVersionRow>(this.pool, 'getVersion', [bucket, keyBytes(query.keyMarker), query.versionIdMarker])).rows[0]?.seq;
    }
    const { entries, isTruncated } = await walkListing(scanner, {
      prefix: query.prefix, delimiter: query.delimiter, marker: query.keyMarker, within, limit: query.limit,
    });
    const summary = summaryRowReader(bucket);
    return {
      isTruncated,
      entries: entries.map((e) => (e.kind === 'prefix' ? e : { kind: 'version', version: summary(e.row) })),
    };
  }

  // ---- multipart uploads ----

  createUpload(upload: MultipartUpload): Promise<void> {
    return this.transaction('READ COMMITTED', async (c) => {
      await run(c, 'insertUpload', [
        upload.uploadId, upload.bucket, keyBytes(upload.key), upload.initiated.getTime(), upload.ownerId, JSON.stringify(uploadAttributes(upload)),
      ]);
    }, { sharedBucket: upload.bucket });
  }

  async getUpload(bucket: string, uploadId: string): Promise<MultipartUpload | undefined> {
    const row = (await run<PgUploadRow>(this.pool, 'getUpload', [uploadId])).rows[0];
    return row && row.bucket === bucket ? rowToUpload(toUploadRow(row)) : undefined;
  }

  putPart(bucket: string, uploadId: string, part: UploadPart, options?: WriteOptions): Promise<ReleaseResult> {
    return this.transaction('READ COMMITTED', async (c) => {
      // FOR SHARE: parts of one upload are written in parallel; completion and abort wait.
      await requireUpload(c, bucket, uploadId, 'shareUpload');
      await addRefs(c, part.manifest, options?.sharedBlobs === true, this.fence);
      const old = (await run<PartRow>(c, 'lockPart', [uploadId, part.partNumber])).rows[0];
      const values = [uploadId, part.partNumber, part.size, part.etag, part.lastModified.getTime(), part.checksum ?? null, encodeManifest(part.manifest)];
      // With no row to lock, a racing writer of the same part number makes this insert fail on
      // the primary key, and the transaction is retried (then finding the row to replace).
      await run(c, old ? 'replacePart' : 'insertPart', values);
      return { released: old ? await dropBlobRefs(c, blobIdsOfEncoded(old.manifest)) : [] };
    });
  }

  async listParts(bucket: string, uploadId: string, afterPartNumber: number, limit: number): Promise<ListPage<UploadPart>> {
    await requireUpload(this.pool, bucket, uploadId, 'getUpload');
    const { rows } = await run<PartRow>(this.pool, 'listParts', [uploadId, afterPartNumber, limit + 1]);
    return {
      isTruncated: rows.length > limit,
      entries: rows.slice(0, limit).map(rowToPart),
    };
  }

  async listUploads(bucket: string, query: ListUploadsQuery): Promise<ListPage<UploadEntry>> {
    type Within = { initiated: number; uploadId: string };
    const scanner: Scanner<UploadRow, Within> = {
      scan: async (cursor, limit) => {
        const rows: PgUploadRow[] = [];
        if (cursor.within !== undefined) {
          const { initiated, uploadId } = cursor.within;
          rows.push(...(await run<PgUploadRow>(this.pool, 'scanUploadsWithin', [bucket, keyBytes(cursor.key), initiated, uploadId, limit])).rows);
          if (rows.length >= limit) return rows.map(toUploadRow);
        }
        const from = cursor.inclusive && cursor.within === undefined ? 'scanUploadsFrom' : 'scanUploadsAfter';
        rows.push(...(await run<PgUploadRow>(this.pool, from, [bucket, keyBytes(cursor.key), limit - rows.length])).rows);
        return rows.map(toUploadRow);
      },
      keyOf: (row) => row.key,
      after: (row) => ({ key: row.key, inclusive: false, within: { initiated: row.initiated, uploadId: row.upload_id } }),
    };
    let within: Within | undefined;
    if (query.keyMarker !== '' && query.uploadIdMarker !== '') {
      const marker = (await run<PgUploadRow>(this.pool, 'getUpload', [query.uploadIdMarker])).rows[0];
      if (marker && marker.bucket === bucket && marker.key.toString('utf8') === query.keyMarker) {
        within = { initiated: marker.initiated, uploadId: marker.upload_id };
      }
    }
    const { entries, isTruncated } = await walkListing(scanner, {
      prefix: query.prefix, delimiter: query.delimiter, marker: query.keyMarker, within, limit: query.limit,
    });
    return {
      isTruncated,
      entries: entries.map((e) => (e.kind === 'prefix' ? e : { kind: 'upload', upload: rowToUpload(e.row) })),
    };
  }

  completeUpload(
    uploadId: string, version: NewVersion, condition?: WriteCondition, record?: CompletionRecordRequest, events?: readonly OutboxEvent[],
  ): Promise<ReleaseResult> {
    return this.notifyAfter(events, this.keyWrite(version.bucket, version.key, async (c) => {
      await requireUpload(c, version.bucket, uploadId, 'lockUpload');
      await checkCondition(c, version.bucket, version.key, condition);
      const parts = (await run<PartRow>(c, 'allParts', [uploadId])).rows;
      // The manifest was built from a listing of the parts: a part replaced since then has had its
      // blobs released, and a version must never reference a released blob (insertVersion's
      // references to existing blobs only). The used parts' references then move to the version.
      const released = await insertVersion(c, version, true, false);
      released.push(...(await dropBlobRefs(c, parts.flatMap((part) => blobIdsOfEncoded(part.manifest)))));
      await run(c, 'deleteUpload', [uploadId]);
      if (record) await recordCompletion(c, uploadId, version, record);
      await appendEvents(c, events);
      return { released };
    }));
  }

  async getCompletedUpload(bucket: string, uploadId: string): Promise<CompletedUpload | undefined> {
    const row = (await run<PgCompletedRow>(this.pool, 'getCompleted', [uploadId])).rows[0];
    return row && row.bucket === bucket ? rowToCompletedUpload({ ...row, key: row.key.toString('utf8') }) : undefined;
  }

  abortUpload(bucket: string, uploadId: string): Promise<ReleaseResult> {
    return this.transaction('READ COMMITTED', async (c) => {
      await requireUpload(c, bucket, uploadId, 'lockUpload');
      const parts = (await run<PartRow>(c, 'allParts', [uploadId])).rows;
      const released = await dropBlobRefs(c, parts.flatMap((part) => blobIdsOfEncoded(part.manifest)));
      await run(c, 'deleteUpload', [uploadId]);
      return { released };
    });
  }

  // ---- server access log spool ----

  async appendAccessLog(lines: readonly AccessLogLine[]): Promise<void> {
    if (lines.length === 0) return;
    await run(this.pool, 'appendAccessLog', [lines.map((l) => l.bucket), lines.map((l) => l.time.getTime()), lines.map((l) => l.line)]);
  }

  async listAccessLog(afterSeq: number, limit: number): Promise<AccessLogRecord[]> {
    const { rows } = await run<{ seq: number; bucket: string; logged_at: number; line: string }>(this.pool, 'listAccessLog', [afterSeq, limit]);
    return rows.map((row) => ({ seq: row.seq, bucket: row.bucket, time: new Date(row.logged_at), line: row.line }));
  }

  async deleteAccessLog(seqs: readonly number[]): Promise<void> {
    if (seqs.length > 0) await run(this.pool, 'deleteAccessLog', [seqs]);
  }

  // ---- event outbox ----

  async listOutbox(afterSeq: number, limit: number): Promise<OutboxRecord[]> {
    const { rows } = await run<{ seq: number; event: string }>(this.pool, 'listOutbox', [afterSeq, limit]);
    return rows.map((row) => ({ ...decodeEvent(row.event), seq: row.seq }));
  }

  /** In-process writes only: other gateways' events are found by the dispatcher's polling. */
  watchOutbox(listener: () => void): () => void {
    this.outboxListeners.add(listener);
    return () => this.outboxListeners.delete(listener);
  }

  async deleteOutbox(seqs: readonly number[]): Promise<void> {
    if (seqs.length > 0) await run(this.pool, 'deleteOutbox', [seqs]);
  }

  // ---- lifecycle ----

  async findLifecycleCandidates(bucket: string, scan: LifecycleScan): Promise<LifecyclePage<LifecycleCandidate>> {
    const noncurrent = scan.kind === 'noncurrent';
    const [afterTime, afterPosition] = scan.after === '' ? [-1, noncurrent ? 0 : ''] : (JSON.parse(scan.after) as [number, number | string]);
    const statement = { current: 'dueCurrent', noncurrent: 'dueNoncurrent', 'lone-delete-marker': 'dueLoneMarkers' } as const;
    const { rows } = await run<PgCandidateRow>(this.pool, statement[scan.kind], [
      bucket, scan.dueAtOrBefore.getTime(), afterTime, typeof afterPosition === 'string' ? keyBytes(afterPosition) : afterPosition, keyBytes(scan.prefix), scan.limit,
    ]);
    const items = rows.map((row) => rowToCandidate({ ...row, key: row.key.toString('utf8') }));
    const last = rows.at(-1);
    if (!last || rows.length < scan.limit) return { items };
    return { items, next: JSON.stringify(noncurrent ? [last.noncurrent_since, last.seq] : [last.last_modified, last.key.toString('utf8')]) };
  }

  async findStaleUploads(bucket: string, scan: { prefix: string; initiatedAtOrBefore: Date; after: string; limit: number }): Promise<LifecyclePage<MultipartUpload>> {
    const [afterTime, afterId] = scan.after === '' ? [-1, ''] : (JSON.parse(scan.after) as [number, string]);
    const { rows } = await run<PgUploadRow>(this.pool, 'staleUploads', [
      bucket, scan.initiatedAtOrBefore.getTime(), afterTime, afterId, keyBytes(scan.prefix), scan.limit,
    ]);
    const items = rows.map((row) => rowToUpload(toUploadRow(row)));
    const last = rows.at(-1);
    if (!last || rows.length < scan.limit) return { items };
    return { items, next: JSON.stringify([last.initiated, last.upload_id]) };
  }

  removeVersionIf(
    bucket: string, key: string, versionId: string, expected: ExpectedVersionState, replacement?: NewVersion, options?: Pick<WriteOptions, 'events'>,
  ): Promise<ReleaseResult & { applied: boolean }> {
    return this.notifyAfter(options?.events, this.keyWrite(bucket, key, async (c) => {
      const row = (await run<PgVersionRow>(c, 'lockVersion', [bucket, keyBytes(key), versionId])).rows[0];
      if (!row || Boolean(row.is_latest) !== expected.isLatest || row.last_modified !== expected.lastModified.getTime()) return { applied: false, released: [] };
      if (lockProtects(decodeVersionLock(row.object_lock), new Date())) return { applied: false, released: [] };
      await appendEvents(c, options?.events);
      if (replacement) return { applied: true, released: await insertVersion(c, replacement, false, this.fence) };
      await run(c, 'deleteVersionRow', [row.seq]);
      if (row.is_latest) await run(c, 'promoteLatest', [bucket, keyBytes(key)]);
      return { applied: true, released: await dropBlobRefs(c, blobIdsOfEncoded(row.manifest)) };
    }));
  }

  updateVersionStorage(bucket: string, key: string, versionId: string, update: StorageUpdate, events?: readonly OutboxEvent[]): Promise<void> {
    return this.notifyAfter(events, this.keyWrite(bucket, key, async (c) => {
      const row = (await run<PgVersionRow>(c, 'lockVersion', [bucket, keyBytes(key), versionId])).rows[0];
      if (!row) throw new StoreError('VersionNotFound');
      const attributes = JSON.parse(row.attributes) as ReturnType<typeof versionAttributes>;
      await run(c, 'setAttributes', [JSON.stringify({
        ...attributes,
        ...(update.storageClass === undefined ? {} : { storageClass: update.storageClass }),
        ...(update.restoredUntil === undefined ? {} : { restoredUntil: update.restoredUntil.getTime() }),
      }), row.seq]);
      await appendEvents(c, events);
    }));
  }

  // ---- background jobs ----

  acquireLease(name: string, holder: string, now: Date, until: Date): Promise<LeaseState> {
    return this.transaction('READ COMMITTED', async (c) => {
      await run(c, 'ensureLease', [name]);
      const row = (await run<{ holder: string | null; expires_at: number; run_requested: boolean }>(c, 'lockLease', [name])).rows[0]!;
      const free = row.holder === null || row.holder === holder || row.expires_at <= now.getTime();
      if (!free) return { held: false, runRequested: row.run_requested };
      await run(c, 'takeLease', [name, holder, until.getTime()]);
      return { held: true, runRequested: row.run_requested };
    });
  }

  async peekLease(name: string): Promise<LeaseView> {
    return leaseView((await run<LeaseRow>(this.pool, 'peekLease', [name])).rows[0]);
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await run(this.pool, 'releaseLease', [name, holder]);
  }

  async requestJobRun(name: string): Promise<void> {
    await run(this.pool, 'requestRun', [name]);
  }

  // ---- gateway registry ----

  async registerGateway(id: string, now: Date): Promise<boolean> {
    return (await run(this.pool, 'registerGateway', [id, now.getTime()])).rowCount === 1;
  }

  async renewGateway(id: string, now: Date): Promise<boolean> {
    return (await run(this.pool, 'renewGateway', [id, now.getTime()])).rowCount === 1;
  }

  async markGatewaysDead(judged: readonly JudgedGateway[], now: Date): Promise<void> {
    if (judged.length === 0) return;
    await run(this.pool, 'markGatewaysDead', [judged.map((g) => g.id), judged.map((g) => g.heartbeatAt.getTime()), now.getTime()]);
  }

  async listGateways(): Promise<GatewayRecord[]> {
    const { rows } = await run<GatewayRow>(this.pool, 'listGateways', []);
    return rows.map(gatewayRecord);
  }

  async forgetGateway(id: string): Promise<void> {
    await run(this.pool, 'forgetGateway', [id]);
  }

  // ---- housekeeping ----

  /**
   * Batches of rows, each row rewritten only if its manifest is still the one read (a concurrent
   * write in between keeps its own, and a second run rewraps what is left).
   */
  async rewrapSealings(rewrap: (sealing: BlobSealing) => BlobSealing | undefined): Promise<number> {
    let changed = 0;
    for (let after = 0; ; ) {
      const { rows } = await run<{ seq: string; manifest: string }>(this.pool, 'versionManifestsAfter', [after, REWRAP_BATCH_ROWS]);
      for (const row of rows) {
        const rewrapped = rewrapManifest(decodeManifest(row.manifest), rewrap);
        if (rewrapped && (await run(this.pool, 'setVersionManifest', [row.seq, encodeManifest(rewrapped), row.manifest])).rowCount === 1) changed++;
      }
      if (rows.length < REWRAP_BATCH_ROWS) break;
      after = Number(rows[rows.length - 1]!.seq);
    }
    for (let after = { uploadId: '', partNumber: 0 }; ; ) {
      const { rows } = await run<{ upload_id: string; part_number: number; manifest: string }>(this.pool, 'partManifestsAfter', [after.uploadId, after.partNumber, REWRAP_BATCH_ROWS]);
      for (const row of rows) {
        const rewrapped = rewrapManifest(decodeManifest(row.manifest), rewrap);
        if (rewrapped && (await run(this.pool, 'setPartManifest', [row.upload_id, row.part_number, encodeManifest(rewrapped), row.manifest])).rowCount === 1) changed++;
      }
      if (rows.length < REWRAP_BATCH_ROWS) break;
      const last = rows[rows.length - 1]!;
      after = { uploadId: last.upload_id, partNumber: last.part_number };
    }
    return changed;
  }

  resealVersion(
    bucket: string, key: string, versionId: string, expected: readonly Extent[], manifest: readonly Extent[], encryption: ObjectEncryption,
  ): Promise<ReleaseResult & { applied: boolean }> {
    return this.keyWrite(bucket, key, async (c) => {
      const row = (await run<PgVersionRow>(c, 'lockVersion', [bucket, keyBytes(key), versionId])).rows[0];
      if (!row || !sameManifest(decodeManifest(row.manifest), expected)) return { applied: false, released: [] };
      await addRefs(c, manifest, false, this.fence);
      await run(c, 'setManifestAndAttributes', [encodeManifest(manifest), JSON.stringify({ ...JSON.parse(row.attributes), encryption }), row.seq]);
      return { applied: true, released: await dropRefs(c, expected) };
    });
  }

  resealPart(
    uploadId: string, partNumber: number, expected: readonly Extent[], manifest: readonly Extent[], encryption: ObjectEncryption,
  ): Promise<ReleaseResult & { applied: boolean }> {
    return this.transaction('READ COMMITTED', async (c) => {
      // The upload first (as completion and abort lock it), then its part.
      const upload = (await run<{ attributes: string }>(c, 'lockUploadAttributes', [uploadId])).rows[0];
      const part = upload && (await run<PartRow>(c, 'lockPart', [uploadId, partNumber])).rows[0];
      if (!part || !sameManifest(decodeManifest(part.manifest), expected)) return { applied: false, released: [] };
      await addRefs(c, manifest, false, this.fence);
      await run(c, 'setPartManifest', [uploadId, partNumber, encodeManifest(manifest), part.manifest]);
      const attributes = JSON.parse(upload.attributes) as { encryption?: ObjectEncryption };
      if (!attributes.encryption) await run(c, 'setUploadAttributes', [uploadId, JSON.stringify({ ...attributes, encryption })]);
      return { applied: true, released: await dropRefs(c, expected) };
    });
  }

  async referencedBlobs(blobIds: readonly string[]): Promise<Set<string>> {
    if (blobIds.length === 0) return new Set();
    const { rows } = await run<{ id: string }>(this.pool, 'referencedBlobs', [blobIds]);
    return new Set(rows.map((row) => row.id));
  }

  async usage(): Promise<StoreUsage> {
    // sum() of bigint is numeric, which pg returns as text.
    const [{ buckets }] = (await run<{ buckets: number }>(this.pool, 'countBuckets', [])).rows as [{ buckets: number }];
    const [totals] = (await run<{ objects: string; bytes: string }>(this.pool, 'sumUsage', [])).rows as [{ objects: string; bytes: string }];
    return { buckets, objects: Number(totals.objects), bytes: Number(totals.bytes) };
  }

  async *scanData(): AsyncIterable<StoredData> {
    for (let seq = 0; ; ) {
      const { rows } = await run<PgVersionRow>(this.pool, 'scanAllVersions', [seq, SCAN_PAGE]);
      for (const row of rows) yield { kind: 'version', version: toVersion(row) };
      if (rows.length < SCAN_PAGE) break;
      seq = rows[rows.length - 1]!.seq;
    }
    for (let uploadId = '', partNumber = 0; ; ) {
      const { rows } = await run<PartRow & { bucket: string; key: Buffer }>(this.pool, 'scanAllParts', [uploadId, partNumber, SCAN_PAGE]);
      for (const row of rows) yield { kind: 'part', bucket: row.bucket, key: row.key.toString('utf8'), uploadId: row.upload_id, part: rowToPart(row) };
      if (rows.length < SCAN_PAGE) break;
      ({ upload_id: uploadId, part_number: partNumber } = rows[rows.length - 1]!);
    }
  }

  async close(): Promise<void> {
    await this.keyWrites.drain();
    await this.changes?.close();
    await this.pool.end();
  }

  // ---- transactions ----

  /** Outbox watchers hear of a committed write that appended events. */
  private async notifyAfter<T>(events: readonly OutboxEvent[] | undefined, write: Promise<T>): Promise<T> {
    const result = await write;
    if (events && events.length > 0) for (const listener of this.outboxListeners) listener();
    return result;
  }

  /** A write to one key: after this process's earlier writes to it, in a transaction. */
  private keyWrite<T>(bucket: string, key: string, work: (c: PoolClient) => Promise<T>, start: TransactionStart = {}): Promise<T> {
    return this.keyWrites.run(`${bucket}/${key}`, () => this.transaction('REPEATABLE READ', work, start));
  }

  /**
   * Runs `work` in a transaction on one pooled connection; retried from the start (a fresh
   * snapshot) after a serialization failure, a deadlock, or losing a race to insert a key's
   * first row. A StoreError rolls back and reaches the caller.
   */
  private async transaction<T>(
    isolation: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE', work: (c: PoolClient) => Promise<T>, start: TransactionStart = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await begin(client, isolation, start);
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        if (attempt < TRANSACTION_ATTEMPTS_MAX && isRetryable(error)) {
          await new Promise((resume) => setTimeout(resume, Math.random() * RETRY_DELAY_MS_MAX * attempt));
          continue;
        }
        throw error;
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: the pool discards it.
        client.release(broken);
      }
    }
  }
}

const POOL_SIZE_DEFAULT = 10;
/** An unreachable database fails start-up and requests (InternalError) after this, not a TCP timeout later. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Each retry follows a commit that beat it, so many gateways racing on one key still finish. */
const TRANSACTION_ATTEMPTS_MAX = 30;
const RETRY_DELAY_MS_MAX = 5;
/** Rows per page of scanData. */
const SCAN_PAGE = 500;
/** Completion records dropped per completion, at most (as in the SQLite store). */
const COMPLETED_PRUNE_BATCH = 64;

/** Unique constraints two writers can race on when neither could lock a row first. */
const RACED_CONSTRAINTS = new Set(['versions_latest', 'versions_bucket_key_version_id_key', 'parts_pkey']);

function isRetryable(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code === '40001' || code === '40P01') return true; // serialization failure, deadlock
  return code === '23505' && constraint !== undefined && RACED_CONSTRAINTS.has(constraint);
}

type Queryable = Pool | PoolClient;

/**
 * LISTEN/NOTIFY are PostgreSQL's own: CockroachDB and YugabyteDB (which report themselves in
 * version()) refuse them — an exception to the shared SQL subset. There, other gateways' identity
 * changes are found by polling.
 */
async function hasNotify(c: PoolClient): Promise<boolean> {
  const { rows } = await c.query<{ version: string }>('SELECT version() AS version');
  return !/CockroachDB|-YB-/.test(rows[0]!.version);
}

/** Runs a named (server-side prepared, per connection) statement. */
function run<R extends QueryResultRow = QueryResultRow>(db: Queryable, name: StatementName, values: unknown[]) {
  return db.query<R>({ name, text: SQL[name], values });
}

/** The same, rows as arrays (listing: no per-row object with named properties to build). */
async function runArray(db: Queryable, name: StatementName, values: unknown[]): Promise<unknown[][]> {
  return (await db.query<unknown[]>({ name, text: SQL[name], values, rowMode: 'array' })).rows;
}

/** Keys are stored as their UTF-8 bytes (migrations.ts: bytea sorts as bytes and holds U+0000). */
function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

type PgVersionRow = Omit<VersionRow, 'key'> & { key: Buffer };
type PgCandidateRow = Omit<CandidateRow, 'key'> & { key: Buffer };
type PgUploadRow = Omit<UploadRow, 'key'> & { key: Buffer };
type PgCompletedRow = Omit<CompletedRow, 'key'> & { key: Buffer };

function toVersion(row: PgVersionRow): ObjectVersion {
  return rowToVersion({ ...row, key: row.key.toString('utf8') });
}

function toUploadRow(row: PgUploadRow): UploadRow {
  return { ...row, key: row.key.toString('utf8') };
}

function summaryRows(rows: unknown[][]): SummaryRow[] {
  for (const row of rows) row[1] = (row[1] as Buffer).toString('utf8');
  return rows as SummaryRow[];
}

// ---- steps of write transactions ----

/** What a transaction does as it begins. */
interface TransactionStart {
  /** Lock this bucket's row against deletion until the transaction ends; 'BucketNotFound' if there is none. */
  readonly sharedBucket?: string;
}

async function begin(c: PoolClient, isolation: string, start: TransactionStart): Promise<void> {
  if (start.sharedBucket === undefined) {
    await c.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    return;
  }
  // A query of several statements resolves to one result per statement.
  const results = (await c.query(beginSharingBucket(isolation, start.sharedBucket))) as unknown as pg.QueryResult[];
  if (!results[1]!.rowCount) throw new StoreError('BucketNotFound');
}

async function requireUpload(db: Queryable, bucket: string, uploadId: string, how: 'getUpload' | 'shareUpload' | 'lockUpload'): Promise<void> {
  const row = (await run<{ bucket: string }>(db, how, [uploadId])).rows[0];
  if (!row || row.bucket !== bucket) throw new StoreError('UploadNotFound');
}

/** Decided on the key's latest version, locked until the transaction ends. */
async function checkCondition(c: PoolClient, bucket: string, key: string, condition: WriteCondition | undefined): Promise<void> {
  if (!isConditional(condition)) return;
  const latest = (await run<PgVersionRow>(c, 'lockLatest', [bucket, keyBytes(key)])).rows[0];
  decideCondition(condition, latest && {
    etag: latest.etag,
    size: Number(latest.size),
    lastModified: new Date(Number(latest.last_modified)),
    isDeleteMarker: latest.is_delete_marker === true,
  });
}

/**
 * Inserts a version as the latest; returns the blobs released by the version it replaced.
 * `sharedBlobs`: its extents must point at blobs still referenced ('ConditionalConflict');
 * otherwise they are new, and `fence` checks their writers (requireLiveWriters).
 */
async function insertVersion(c: PoolClient, version: NewVersion, sharedBlobs: boolean, fence: boolean): Promise<string[]> {
  const key = keyBytes(version.key);
  // References are added before the replaced version's are dropped: a blob both share (a copy
  // onto itself, a part copied from the key it completes) never passes through zero.
  await addRefs(c, version.manifest, sharedBlobs, fence);
  const replaced = (await run<{ manifest: string; object_lock: string | null }>(c, 'deleteVersionReturning', [version.bucket, key, version.versionId])).rows[0];
  // Rolled back with the transaction: the replaced version stays.
  if (replaced && lockProtects(decodeVersionLock(replaced.object_lock), new Date())) throw new StoreError('ObjectLocked');
  const released = replaced ? await dropBlobRefs(c, blobIdsOfEncoded(replaced.manifest)) : [];
  await run(c, 'clearLatest', [version.bucket, key, version.lastModified.getTime()]);
  await run(c, 'insertVersion', [
    version.bucket, key, version.versionId, version.isDeleteMarker,
    version.size, version.etag, version.lastModified.getTime(), version.ownerId,
    JSON.stringify(versionAttributes(version)), JSON.stringify(version.tags.map((t) => [t.key, t.value])), encodeManifest(version.manifest),
    encodeVersionLock(version.lock),
  ]);
  return released;
}

/**
 * One reference per extent, in one statement. `existingOnly`: the blobs must already be
 * referenced; the increment locks their rows, so a concurrent release either happened before
 * (the row is gone: 'ConditionalConflict') or waits and then finds the blob still referenced.
 * Otherwise the blobs are new, and with `fence` their writers must be alive (one statement more).
 */
async function addRefs(c: PoolClient, manifest: readonly Extent[], existingOnly: boolean, fence: boolean): Promise<void> {
  const ids = blobIdsOf(manifest);
  if (ids.length === 0) return;
  if (!existingOnly) {
    if (fence) await requireLiveWriters(c, ids);
    await run(c, 'addRefs', [ids]);
    return;
  }
  const { rowCount } = await run(c, 'addRefsExisting', [ids]);
  if (rowCount !== new Set(ids).size) throw new StoreError('ConditionalConflict');
}

/**
 * The fence between a paused gateway's late commit and the orphan collector: the new blobs'
 * writers must be registered and not marked dead. Their rows stay locked FOR SHARE until this
 * transaction ends, so the collector's marking UPDATE (markGatewaysDead) either came first — this
 * finds the writer dead and the request fails, its blob left to the collector — or waits for this
 * commit, after which the collector, looking for references only once its mark committed, finds
 * the blob referenced.
 */
async function requireLiveWriters(c: PoolClient, blobIds: readonly string[]): Promise<void> {
  const writers = [...new Set(blobIds.map(writerOfBlob))];
  const { rowCount } = await run(c, 'liveWriters', [writers]);
  if (rowCount !== writers.length) throw new StoreError('WriterFenced');
}

/** Drops one reference per file-backed extent; returns the blobs that reached zero (their rows deleted). */
async function dropRefs(c: PoolClient, manifest: readonly Extent[]): Promise<string[]> {
  return dropBlobRefs(c, blobIdsOf(manifest));
}

async function dropBlobRefs(c: PoolClient, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await run<{ id: string; refs: number }>(c, 'dropRefs', [ids]);
  const released = rows.filter((row) => row.refs <= 0).map((row) => row.id);
  if (released.length > 0) await run(c, 'deleteBlobs', [released]);
  return released;
}

/** Appends events to the outbox, inside the write's transaction (one statement). */
async function appendEvents(c: PoolClient, events: readonly OutboxEvent[] | undefined): Promise<void> {
  if (events && events.length > 0) await run(c, 'appendOutbox', [events.map((event) => JSON.stringify(event))]);
}

/** Records a completion; drops a bounded batch of records past their age or count. */
async function recordCompletion(c: PoolClient, uploadId: string, version: NewVersion, record: CompletionRecordRequest): Promise<void> {
  await run(c, 'pruneCompletedBefore', [record.forgetBefore.getTime(), COMPLETED_PRUNE_BATCH]);
  const { rows } = await run<{ seq: number }>(c, 'insertCompleted', [
    uploadId, version.bucket, keyBytes(version.key), version.versionId, version.etag,
    version.checksum ? JSON.stringify(version.checksum) : null, record.partsDigest, version.lastModified.getTime(),
  ]);
  await run(c, 'pruneCompletedUpTo', [rows[0]!.seq - Math.max(1, record.keptMax), COMPLETED_PRUNE_BATCH]);
}
