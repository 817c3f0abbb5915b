import type {
  BlobSealing,
  GatewayRecord,
  LeaseView,
  BucketAccess,
  BucketRecord,
  RequestConfigKind,
  RequestConfigs,
  LifecycleCandidate,
  CompletedUpload,
  Extent,
  MultipartUpload,
  ObjectEncryption,
  StoredChecksum,
  NewVersion,
  ObjectVersion,
  UploadPart,
  OutboxEvent,
  VersioningState,
  VersionSummary,
  ObjectLockConfiguration,
} from '../metadata-store.js';
import { REQUEST_CONFIG_KINDS } from '../metadata-store.js';
import { decodeVersionLock, encodeVersionLock } from '../object-lock.js';

/** Row shapes of the SQL schemas (sqlite/ and postgres/ migrations.ts) and their mapping to domain types. */
export interface BucketRow {
  name: string;
  owner_id: string;
  created_at: number;
  region: string;
  versioning: string;
  /** 0/1 in SQLite, a boolean in PostgreSQL (likewise the other flags). */
  object_lock: number | boolean;
  /** JSON BucketAccess; null for buckets made before it was kept. */
  access: string | null;
  /** This and the configurations below: only in getBucketWithConfigs' rows (null: none). */
  policy?: string | null;
  lifecycle?: string | null;
  notification?: string | null;
  request_payment?: string | null;
  encryption?: string | null;
  replication?: string | null;
  /** The 'object-lock' configuration (JSON ObjectLockConfiguration). */
  lock_config?: string | null;
  /** The 'cors' configuration (XML-derived JSON rules, as stored). */
  cors?: string | null;
}

/** The column a configuration kind is read into by BUCKET_CONFIG_COLUMNS. */
function configColumn(kind: string): keyof BucketRow {
  return kind.replace('-', '_') as keyof BucketRow;
}

/**
 * getBucketWithConfigs' columns besides the row of `buckets b`: the policy and the request
 * configurations, each a subquery on bucket_configs' primary key (the same SQL on both stores).
 */
export const BUCKET_CONFIG_COLUMNS = [...['policy', ...REQUEST_CONFIG_KINDS].map((kind) => [kind, configColumn(kind)]), ['object-lock', 'lock_config'], ['cors', 'cors']]
  .map(([kind, column]) => `(SELECT document FROM bucket_configs WHERE bucket = b.name AND kind = '${kind}') AS ${column}`)
  .join(', ');

/** The configuration kinds getBucket reads with the bucket: a change to one is a change to the bucket record. */
export const BUCKET_RECORD_CONFIG_KINDS: readonly string[] = ['policy', ...REQUEST_CONFIG_KINDS, 'object-lock', 'cors'];

function requestConfigsOf(row: BucketRow): RequestConfigs {
  const configs: Partial<Record<RequestConfigKind, string>> = {};
  for (const kind of REQUEST_CONFIG_KINDS) {
    const document = row[configColumn(kind)];
    if (typeof document === 'string') configs[kind] = document;
  }
  return configs;
}

export interface VersionRow {
  seq: number;
  bucket: string;
  key: string;
  version_id: string;
  is_latest: number | boolean;
  is_delete_marker: number | boolean;
  size: number;
  etag: string;
  last_modified: number;
  owner_id: string;
  attributes: string;
  tags: string;
  manifest: string;
  /** encodeVersionLock's JSON; null when no lock was ever set. */
  object_lock: string | null;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: number;
  owner_id: string;
  attributes: string;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  size: number;
  etag: string;
  last_modified: number;
  checksum: string | null;
  manifest: string;
}

/** A bucket row's access column (null for buckets made before it was kept). */
export function decodeAccess(text: string | null): BucketAccess | undefined {
  return text ? (JSON.parse(text) as BucketAccess) : undefined;
}

export function rowToBucket(row: BucketRow): BucketRecord {
  return {
    name: row.name,
    ownerId: row.owner_id,
    createdAt: new Date(Number(row.created_at)),
    region: row.region,
    versioning: row.versioning as VersioningState,
    objectLockEnabled: Boolean(row.object_lock),
    ...(row.access ? { access: decodeAccess(row.access) } : {}),
    ...(typeof row.policy === 'string' ? { policy: row.policy } : {}),
    ...(row.lifecycle !== undefined ? { requestConfigs: requestConfigsOf(row) } : {}),
    ...(typeof row.lock_config === 'string' ? { objectLock: JSON.parse(row.lock_config) as ObjectLockConfiguration } : {}),
    ...(typeof row.cors === 'string' ? { cors: row.cors } : {}),
  };
}

/** The JSON `attributes` column of a version: everything not needed for indexing. */
export function versionAttributes(v: NewVersion) {
  return {
    headers: v.headers,
    userMetadata: v.userMetadata,
    storageClass: v.storageClass,
    restoredUntil: v.restoredUntil?.getTime(),
    checksum: v.checksum,
    parts: v.parts,
    encryption: v.encryption,
    acl: v.acl,
    replicationStatus: v.replicationStatus,
  };
}

export function rowToVersion(row: VersionRow): ObjectVersion {
  const attributes = JSON.parse(row.attributes) as ReturnType<typeof versionAttributes>;
  return {
    bucket: row.bucket,
    key: row.key,
    versionId: row.version_id,
    isLatest: Boolean(row.is_latest),
    isDeleteMarker: Boolean(row.is_delete_marker),
    size: Number(row.size),
    etag: row.etag,
    lastModified: new Date(Number(row.last_modified)),
    ownerId: row.owner_id,
    headers: attributes.headers,
    userMetadata: attributes.userMetadata,
    storageClass: attributes.storageClass,
    ...(attributes.restoredUntil === undefined ? {} : { restoredUntil: new Date(attributes.restoredUntil) }),
    checksum: attributes.checksum,
    parts: attributes.parts,
    ...(attributes.encryption ? { encryption: attributes.encryption } : {}),
    ...(attributes.acl ? { acl: attributes.acl } : {}),
    ...(attributes.replicationStatus ? { replicationStatus: attributes.replicationStatus } : {}),
    tags: (JSON.parse(row.tags) as [string, string][]).map(([key, value]) => ({ key, value })),
    manifest: decodeManifest(row.manifest),
    ...(row.object_lock ? { lock: decodeVersionLock(row.object_lock) } : {}),
  };
}

/**
 * The columns listings read (LIST_COLUMNS in sqlite-store.ts and postgres/statements.ts), fetched
 * as an array: no headers, tags or manifest, and of the JSON attributes only the three fields a
 * listing shows, extracted by the database (SQLite keeps them in the listing index) — parsing
 * each row's whole attributes document in JS was a third of a 1,000-key page's CPU.
 */
export type SummaryRow = [
  seq: number,
  key: string,
  versionId: string,
  isLatest: number | boolean,
  isDeleteMarker: number | boolean,
  size: number,
  etag: string,
  lastModified: number,
  ownerId: string,
  storageClass: string,
  /** The attributes' `checksum` and `encryption` as JSON text; null when the version has none. */
  checksum: string | null,
  encryption: string | null,
];

/**
 * The reader of one page's summary rows. A page's versions mostly share one encryption setting,
 * so each distinct one is parsed once (and frozen, as several versions then hold it).
 */
export function summaryRowReader(bucket: string): (row: SummaryRow) => VersionSummary {
  const encryptions = new Map<string, ObjectEncryption>();
  return (row) => {
    const checksum = row[10];
    const encryptionText = row[11];
    let encryption: ObjectEncryption | undefined;
    if (encryptionText !== null) {
      encryption = encryptions.get(encryptionText);
      if (encryption === undefined) {
        encryption = Object.freeze(JSON.parse(encryptionText) as ObjectEncryption);
        encryptions.set(encryptionText, encryption);
      }
    }
    return {
      bucket,
      key: row[1],
      versionId: row[2],
      isLatest: Boolean(row[3]),
      isDeleteMarker: Boolean(row[4]),
      size: Number(row[5]),
      etag: row[6],
      lastModified: new Date(Number(row[7])),
      ownerId: row[8],
      storageClass: row[9],
      checksum: checksum === null ? undefined : (JSON.parse(checksum) as StoredChecksum),
      ...(encryption === undefined ? {} : { encryption }),
    };
  };
}

export function uploadAttributes(u: MultipartUpload) {
  return {
    headers: u.headers,
    userMetadata: u.userMetadata,
    storageClass: u.storageClass,
    tags: u.tags.map((t) => [t.key, t.value] as [string, string]),
    checksumAlgorithm: u.checksumAlgorithm,
    checksumType: u.checksumType,
    encryption: u.encryption,
    acl: u.acl,
    lock: encodeVersionLock(u.lock),
  };
}

export function rowToUpload(row: UploadRow): MultipartUpload {
  const attributes = JSON.parse(row.attributes) as ReturnType<typeof uploadAttributes>;
  return {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.key,
    initiated: new Date(Number(row.initiated)),
    ownerId: row.owner_id,
    headers: attributes.headers,
    userMetadata: attributes.userMetadata,
    storageClass: attributes.storageClass,
    tags: attributes.tags.map(([key, value]) => ({ key, value })),
    checksumAlgorithm: attributes.checksumAlgorithm,
    checksumType: attributes.checksumType,
    ...(attributes.encryption ? { encryption: attributes.encryption } : {}),
    ...(attributes.acl ? { acl: attributes.acl } : {}),
    ...(attributes.lock ? { lock: decodeVersionLock(attributes.lock) } : {}),
  };
}

export function rowToPart(row: PartRow): UploadPart {
  return {
    partNumber: row.part_number,
    size: row.size,
    etag: row.etag,
    lastModified: new Date(row.last_modified),
    checksum: row.checksum ?? undefined,
    manifest: decodeManifest(row.manifest),
  };
}

type SealingExtras = Pick<BlobSealing, 'version' | 'outer'>;

type EncodedExtent =
  | [string, number, number]
  | [string, number, number, string, string, string, number, number]
  | [string, number, number, string, string, string, number, number, string | null]
  | [string, number, number, string, string, string, number, number, string | null, SealingExtras];

/**
 * Manifests are stored compactly as [[blobId, offset, length], …], a sealed blob's extent followed
 * by its sealing: [blobId, offset, length, keyId, wrappedKey, nonceBase, segmentBytes, blobBytes],
 * an inline extent (always sealed) by its sealed bytes in base64 as well (null for a file blob),
 * and a sealing of version 2 or with an outer layer (SSE-KMS, DSSE-KMS) by {version, outer} last.
 */
export function encodeManifest(manifest: readonly Extent[]): string {
  return `[${manifest.map(encodeExtent).join(',')}]`;
}

/**
 * One extent as JSON.stringify would write it, except that inline bytes are spliced in as their
 * base64 text rather than passed through JSON.stringify: base64 never needs escaping, and scanning
 * the ~5.5 KiB of a 4 KiB object's bytes for it was most of the encoding's cost (~9 of 11 µs).
 */
function encodeExtent(e: Extent): string {
  const s = e.sealing;
  if (!s) {
    if (e.inline) throw new Error('an inline extent must be sealed');
    return JSON.stringify([e.blobId, e.offset, e.length]);
  }
  const sealed = JSON.stringify([e.blobId, e.offset, e.length, s.keyId, s.wrappedKey, s.nonceBase, s.segmentBytes, s.blobBytes]);
  const inline = e.inline ? `"${e.inline.toString('base64')}"` : null;
  if (s.version !== undefined || s.outer !== undefined) {
    const extras = JSON.stringify({ ...(s.version ? { version: s.version } : {}), ...(s.outer ? { outer: s.outer } : {}) });
    return `${sealed.slice(0, -1)},${inline ?? 'null'},${extras}]`;
  }
  return inline === null ? sealed : `${sealed.slice(0, -1)},${inline}]`;
}

export function decodeManifest(text: string): Extent[] {
  return (JSON.parse(text) as EncodedExtent[]).map(([blobId, offset, length, keyId, wrappedKey, nonceBase, segmentBytes, blobBytes, inline, extras]) => {
    if (keyId === undefined) return { blobId, offset, length };
    const sealing: BlobSealing = { keyId, wrappedKey: wrappedKey!, nonceBase: nonceBase!, segmentBytes: segmentBytes!, blobBytes: blobBytes!, ...extras };
    return inline === undefined || inline === null ? { blobId, offset, length, sealing } : { blobId, offset, length, sealing, inline: Buffer.from(inline, 'base64') };
  });
}

/**
 * The blob ids an encoded manifest references (blobIdsOf without decodeManifest): inline extents
 * reference none, and their bytes are not decoded from base64 only to be dropped.
 */
export function blobIdsOfEncoded(text: string): string[] {
  // A small object's manifest is one inline extent (blob id '', then ~5.5 KiB of base64 for 4 KiB):
  // it references no blob, which its start tells without parsing it (JSON.parse was ~3.5 µs of
  // each DELETE of such an object). Extents are joined by '],[', which one extent alone never holds
  // (a manifest whose sealing extras did would only take the parse).
  if (text.startsWith('[["",') && !text.includes('],[')) return [];
  const ids: string[] = [];
  for (const extent of JSON.parse(text) as EncodedExtent[]) if (extent[8] === undefined || extent[8] === null) ids.push(extent[0]);
  return ids;
}

export interface CompletedRow {
  upload_id: string;
  bucket: string;
  key: string;
  version_id: string;
  etag: string;
  checksum: string | null;
  parts_digest: string;
  completed_at: number;
}

export function rowToCompletedUpload(row: CompletedRow): CompletedUpload {
  return {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.key,
    versionId: row.version_id,
    etag: row.etag,
    ...(row.checksum === null ? {} : { checksum: JSON.parse(row.checksum) as StoredChecksum }),
    partsDigest: row.parts_digest,
    completedAt: new Date(Number(row.completed_at)),
  };
}

/** An outbox row's event, as the store wrote it with JSON.stringify (its Date became an ISO string). */
export function decodeEvent(text: string): OutboxEvent {
  const event = JSON.parse(text) as OutboxEvent & { time: string };
  return { ...event, time: new Date(event.time) };
}

/** What lifecycle scans read of a version (both stores' CANDIDATE_COLUMNS, plus the `newer` count). */
export interface CandidateRow {
  seq: number;
  key: string;
  version_id: string;
  is_delete_marker: number | boolean;
  size: number;
  etag: string;
  last_modified: number;
  attributes: string;
  tags: string;
  noncurrent_since: number | null;
  newer: number | null;
  object_lock: string | null;
}

export function rowToCandidate(row: CandidateRow): LifecycleCandidate {
  return {
    key: row.key,
    versionId: row.version_id,
    isDeleteMarker: Boolean(row.is_delete_marker),
    size: Number(row.size),
    etag: row.etag,
    lastModified: new Date(Number(row.last_modified)),
    storageClass: (JSON.parse(row.attributes) as ReturnType<typeof versionAttributes>).storageClass,
    tags: (JSON.parse(row.tags) as [string, string][]).map(([key, value]) => ({ key, value })),
    ...(row.noncurrent_since === null ? {} : { noncurrentSince: new Date(Number(row.noncurrent_since)) }),
    ...(row.newer === null ? {} : { newerNoncurrentVersions: Number(row.newer) }),
    ...(row.object_lock ? { lock: decodeVersionLock(row.object_lock) } : {}),
  };
}

export interface GatewayRow {
  id: string;
  started_at: number;
  heartbeat_at: number;
  dead_at: number | null;
}

export function gatewayRecord(row: GatewayRow): GatewayRecord {
  return {
    id: row.id, startedAt: new Date(Number(row.started_at)), heartbeatAt: new Date(Number(row.heartbeat_at)),
    ...(row.dead_at === null ? {} : { deadAt: new Date(Number(row.dead_at)) }),
  };
}

export interface LeaseRow {
  holder: string | null;
  expires_at: number;
  run_requested: number | boolean;
}

export function leaseView(row: LeaseRow | undefined): LeaseView {
  if (!row) return { expiresAt: new Date(0), runRequested: false };
  return { ...(row.holder === null ? {} : { holder: row.holder }), expiresAt: new Date(Number(row.expires_at)), runRequested: Boolean(row.run_requested) };
}
