/**
 * The PostgreSQL store's statements, by name (prepared once per connection). Keys are bytea
 * parameters (UTF-8 bytes), so `key > $2` and `ORDER BY key` are byte order.
 */
import pg from 'pg';
import { BUCKET_CONFIG_COLUMNS } from '../sqlite/rows.js';

const VERSION_COLUMNS = 'seq, bucket, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id, attributes, tags, manifest, object_lock';
/** What listings read, in the order of SummaryRow (sqlite/rows.ts), fetched as arrays. */
const LIST_COLUMNS = `seq, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id,
  attributes::jsonb ->> 'storageClass', (attributes::jsonb -> 'checksum')::text, (attributes::jsonb -> 'encryption')::text`;
const BUCKET_COLUMNS = 'name, owner_id, created_at, region, versioning, object_lock, access';
const UPLOAD_COLUMNS = 'upload_id, bucket, key, initiated, owner_id, attributes';
const CANDIDATE_COLUMNS = 'seq, key, version_id, is_delete_marker, size, etag, last_modified, attributes, tags, noncurrent_since, object_lock';
const PART_COLUMNS = 'upload_id, part_number, size, etag, last_modified, checksum, manifest';
/** Blob ids with how many times each occurs in the array parameter $1. */
const REF_COUNTS = 'SELECT id, count(*) AS n FROM unnest($1::text[]) AS t (id) GROUP BY id';

/**
 * BEGIN and the lock of a bucket row against deletion, as one simple-protocol query (one round
 * trip, not two: node-postgres does not pipeline). That protocol takes no parameters, so the name
 * is a quoted literal (pg's escapeLiteral; bucket names are [a-z0-9.-] anyway). FOR KEY SHARE:
 * writes into a bucket do not block one another, nor a versioning change, only the bucket's
 * deletion (CockroachDB treats it as FOR SHARE).
 */
export function beginSharingBucket(isolation: string, bucket: string): string {
  return `BEGIN ISOLATION LEVEL ${isolation}; SELECT 1 FROM buckets WHERE name = ${pg.escapeLiteral(bucket)} FOR KEY SHARE`;
}

export const SQL = {
  insertBucket: `INSERT INTO buckets (${BUCKET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
  getBucket: `SELECT ${BUCKET_COLUMNS} FROM buckets WHERE name = $1`,
  getBucketWithConfigs: `SELECT ${BUCKET_COLUMNS}, ${BUCKET_CONFIG_COLUMNS} FROM buckets b WHERE name = $1`,
  lockBucket: 'SELECT 1 FROM buckets WHERE name = $1 FOR UPDATE',
  listBuckets: `SELECT ${BUCKET_COLUMNS} FROM buckets`,
  listBucketsOf: `SELECT ${BUCKET_COLUMNS} FROM buckets WHERE owner_id = $1`,
  countBucketsOf: 'SELECT count(*) AS owned FROM buckets WHERE owner_id = $1',
  deleteBucket: 'DELETE FROM buckets WHERE name = $1',
  setVersioning: 'UPDATE buckets SET versioning = $1 WHERE name = $2',
  lockAccess: 'SELECT access, owner_id FROM buckets WHERE name = $1 FOR UPDATE',
  setAccess: 'UPDATE buckets SET access = $1 WHERE name = $2',
  enableObjectLock: 'UPDATE buckets SET object_lock = true WHERE name = $1',
  anyVersion: 'SELECT 1 FROM versions WHERE bucket = $1 LIMIT 1',
  lockUploadsOf: 'SELECT 1 FROM uploads WHERE bucket = $1 FOR UPDATE',
  partManifestsOfBucket: 'SELECT parts.manifest FROM parts JOIN uploads ON uploads.upload_id = parts.upload_id WHERE uploads.bucket = $1',
  deleteUploadsOf: 'DELETE FROM uploads WHERE bucket = $1',
  getConfig: 'SELECT document FROM bucket_configs WHERE bucket = $1 AND kind = $2',
  putConfig: `INSERT INTO bucket_configs (bucket, kind, document) VALUES ($1, $2, $3)
    ON CONFLICT (bucket, kind) DO UPDATE SET document = excluded.document`,
  deleteConfig: 'DELETE FROM bucket_configs WHERE bucket = $1 AND kind = $2',
  // Kinds are ASCII family names and ids: "C" collation is their byte order.
  listConfigs: `SELECT kind, document FROM bucket_configs WHERE bucket = $1 AND kind COLLATE "C" > $2 AND kind COLLATE "C" < $3
    ORDER BY kind COLLATE "C" LIMIT $4`,

  getLatest: `SELECT ${VERSION_COLUMNS} FROM versions WHERE bucket = $1 AND key = $2 AND is_latest`,
  lockLatest: `SELECT ${VERSION_COLUMNS} FROM versions WHERE bucket = $1 AND key = $2 AND is_latest FOR UPDATE`,
  getVersion: `SELECT ${VERSION_COLUMNS} FROM versions WHERE bucket = $1 AND key = $2 AND version_id = $3`,
  lockVersion: `SELECT ${VERSION_COLUMNS} FROM versions WHERE bucket = $1 AND key = $2 AND version_id = $3 FOR UPDATE`,
  insertVersion: `INSERT INTO versions (bucket, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id, attributes, tags, manifest, object_lock)
    VALUES ($1, $2, $3, true, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
  deleteVersion: 'DELETE FROM versions WHERE bucket = $1 AND key = $2 AND version_id = $3 RETURNING is_latest, is_delete_marker, object_lock, manifest',
  deleteVersionRow: 'DELETE FROM versions WHERE seq = $1',
  deleteVersionReturning: 'DELETE FROM versions WHERE bucket = $1 AND key = $2 AND version_id = $3 RETURNING manifest, object_lock',
  clearLatest: 'UPDATE versions SET is_latest = false, noncurrent_since = $3 WHERE bucket = $1 AND key = $2 AND is_latest',
  promoteLatest: `UPDATE versions SET is_latest = true, noncurrent_since = NULL
    WHERE seq = (SELECT seq FROM versions WHERE bucket = $1 AND key = $2 ORDER BY seq DESC LIMIT 1)`,
  setTags: 'UPDATE versions SET tags = $1 WHERE seq = $2',
  setAttributes: 'UPDATE versions SET attributes = $1 WHERE seq = $2',
  setLock: 'UPDATE versions SET object_lock = $1 WHERE seq = $2',
  setManifestAndAttributes: 'UPDATE versions SET manifest = $1, attributes = $2 WHERE seq = $3',
  scanVisibleFrom: `SELECT ${LIST_COLUMNS} FROM versions
    WHERE bucket = $1 AND key >= $2 AND is_latest AND NOT is_delete_marker ORDER BY key LIMIT $3`,
  scanVisibleAfter: `SELECT ${LIST_COLUMNS} FROM versions
    WHERE bucket = $1 AND key > $2 AND is_latest AND NOT is_delete_marker ORDER BY key LIMIT $3`,
  scanVersionsWithin: `SELECT ${LIST_COLUMNS} FROM versions WHERE bucket = $1 AND key = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4`,
  scanVersionsFrom: `SELECT ${LIST_COLUMNS} FROM versions WHERE bucket = $1 AND key >= $2 ORDER BY key, seq DESC LIMIT $3`,
  scanVersionsAfter: `SELECT ${LIST_COLUMNS} FROM versions WHERE bucket = $1 AND key > $2 ORDER BY key, seq DESC LIMIT $3`,

  // Lifecycle pages: (bucket, due time ≤ $2, after the cursor ($3, $4), key prefix $5, limit $6).
  dueCurrent: `SELECT ${CANDIDATE_COLUMNS}, NULL::bigint AS newer FROM versions
    WHERE bucket = $1 AND is_latest AND NOT is_delete_marker AND last_modified <= $2 AND (last_modified, key) > ($3, $4)
    AND key >= $5 AND substring(key FROM 1 FOR octet_length($5)) = $5 ORDER BY last_modified, key LIMIT $6`,
  dueNoncurrent: `SELECT ${CANDIDATE_COLUMNS}, (SELECT count(*) FROM versions n
      WHERE n.bucket = v.bucket AND n.key = v.key AND n.seq > v.seq AND NOT n.is_latest) AS newer
    FROM versions v WHERE bucket = $1 AND NOT is_latest AND noncurrent_since <= $2 AND (noncurrent_since, seq) > ($3, $4)
    AND key >= $5 AND substring(key FROM 1 FOR octet_length($5)) = $5 ORDER BY noncurrent_since, seq LIMIT $6`,
  dueLoneMarkers: `SELECT ${CANDIDATE_COLUMNS}, NULL::bigint AS newer FROM versions v
    WHERE bucket = $1 AND is_latest AND is_delete_marker AND last_modified <= $2 AND (last_modified, key) > ($3, $4)
    AND key >= $5 AND substring(key FROM 1 FOR octet_length($5)) = $5
    AND NOT EXISTS (SELECT 1 FROM versions o WHERE o.bucket = v.bucket AND o.key = v.key AND o.seq <> v.seq)
    ORDER BY last_modified, key LIMIT $6`,
  staleUploads: `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE bucket = $1 AND initiated <= $2 AND (initiated, upload_id) > ($3, $4)
    AND key >= $5 AND substring(key FROM 1 FOR octet_length($5)) = $5 ORDER BY initiated, upload_id LIMIT $6`,

  ensureLease: 'INSERT INTO leases (name) VALUES ($1) ON CONFLICT DO NOTHING',
  lockLease: 'SELECT holder, expires_at, run_requested FROM leases WHERE name = $1 FOR UPDATE',
  takeLease: 'UPDATE leases SET holder = $2, expires_at = $3, run_requested = false WHERE name = $1',
  peekLease: 'SELECT holder, expires_at, run_requested FROM leases WHERE name = $1',
  releaseLease: 'UPDATE leases SET holder = NULL, expires_at = 0 WHERE name = $1 AND holder = $2',
  requestRun: 'INSERT INTO leases (name, run_requested) VALUES ($1, true) ON CONFLICT (name) DO UPDATE SET run_requested = true',

  // The heartbeat row only with the gateway row: a taken id inserts neither.
  registerGateway: `WITH registered AS (INSERT INTO gateways (id, started_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id)
    INSERT INTO gateway_heartbeats (id, heartbeat_at) SELECT id, $2 FROM registered`,
  // A plain read of the gateway row: the renewal never waits for the fence's share locks.
  renewGateway: 'UPDATE gateway_heartbeats SET heartbeat_at = $2 WHERE id = $1 AND EXISTS (SELECT 1 FROM gateways WHERE id = $1 AND dead_at IS NULL)',
  listGateways: 'SELECT g.id, g.started_at, h.heartbeat_at, g.dead_at FROM gateways g JOIN gateway_heartbeats h ON h.id = g.id ORDER BY g.id',
  // Each only at the heartbeat it was judged by: a gateway that renewed since is alive.
  markGatewaysDead: `UPDATE gateways SET dead_at = $3 FROM unnest($1::text[], $2::bigint[]) AS judged(id, heartbeat_at), gateway_heartbeats h
    WHERE gateways.id = judged.id AND h.id = judged.id AND h.heartbeat_at = judged.heartbeat_at AND gateways.dead_at IS NULL`,
  forgetGateway: 'WITH heartbeat AS (DELETE FROM gateway_heartbeats WHERE id = $1) DELETE FROM gateways WHERE id = $1',
  // The fence: FOR SHARE waits for a marking UPDATE in flight, and holds the next one off until commit.
  liveWriters: 'SELECT id FROM gateways WHERE id = ANY($1) AND dead_at IS NULL FOR SHARE',

  insertUpload: `INSERT INTO uploads (${UPLOAD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`,
  getUpload: `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE upload_id = $1`,
  shareUpload: 'SELECT bucket FROM uploads WHERE upload_id = $1 FOR SHARE',
  lockUpload: 'SELECT bucket FROM uploads WHERE upload_id = $1 FOR UPDATE',
  lockUploadAttributes: 'SELECT attributes FROM uploads WHERE upload_id = $1 FOR UPDATE',
  setUploadAttributes: 'UPDATE uploads SET attributes = $2 WHERE upload_id = $1',
  deleteUpload: 'DELETE FROM uploads WHERE upload_id = $1',
  scanUploadsWithin: `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE bucket = $1 AND key = $2 AND (initiated, upload_id) > ($3, $4)
    ORDER BY initiated, upload_id LIMIT $5`,
  scanUploadsFrom: `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE bucket = $1 AND key >= $2 ORDER BY key, initiated, upload_id LIMIT $3`,
  scanUploadsAfter: `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE bucket = $1 AND key > $2 ORDER BY key, initiated, upload_id LIMIT $3`,
  lockPart: `SELECT ${PART_COLUMNS} FROM parts WHERE upload_id = $1 AND part_number = $2 FOR UPDATE`,
  insertPart: `INSERT INTO parts (${PART_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  replacePart: `UPDATE parts SET size = $3, etag = $4, last_modified = $5, checksum = $6, manifest = $7
    WHERE upload_id = $1 AND part_number = $2`,
  listParts: `SELECT ${PART_COLUMNS} FROM parts WHERE upload_id = $1 AND part_number > $2 ORDER BY part_number LIMIT $3`,
  allParts: `SELECT ${PART_COLUMNS} FROM parts WHERE upload_id = $1 ORDER BY part_number`,

  insertCompleted: `INSERT INTO completed_uploads (upload_id, bucket, key, version_id, etag, checksum, parts_digest, completed_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (upload_id) DO UPDATE SET bucket = excluded.bucket, key = excluded.key,
    version_id = excluded.version_id, etag = excluded.etag, checksum = excluded.checksum, parts_digest = excluded.parts_digest,
    completed_at = excluded.completed_at RETURNING seq`,
  getCompleted: 'SELECT upload_id, bucket, key, version_id, etag, checksum, parts_digest, completed_at FROM completed_uploads WHERE upload_id = $1',
  pruneCompletedBefore: `DELETE FROM completed_uploads WHERE seq IN
    (SELECT seq FROM completed_uploads WHERE completed_at < $1 ORDER BY completed_at LIMIT $2)`,
  pruneCompletedUpTo: 'DELETE FROM completed_uploads WHERE seq IN (SELECT seq FROM completed_uploads WHERE seq <= $1 ORDER BY seq LIMIT $2)',
  deleteCompletedOf: 'DELETE FROM completed_uploads WHERE bucket = $1',

  // Blob ids in sorted order, so that two transactions lock shared blob rows in the same order.
  addRefs: `INSERT INTO blobs (id, refs) SELECT id, n FROM (${REF_COUNTS}) AS counts ORDER BY id
    ON CONFLICT (id) DO UPDATE SET refs = blobs.refs + excluded.refs`,
  addRefsExisting: `UPDATE blobs SET refs = blobs.refs + counts.n FROM (${REF_COUNTS}) AS counts WHERE blobs.id = counts.id`,
  dropRefs: `UPDATE blobs SET refs = blobs.refs - counts.n FROM (${REF_COUNTS}) AS counts WHERE blobs.id = counts.id
    RETURNING blobs.id, blobs.refs`,
  deleteBlobs: 'DELETE FROM blobs WHERE id = ANY($1::text[]) AND refs <= 0',
  referencedBlobs: 'SELECT id FROM blobs WHERE id = ANY($1::text[])',

  countBuckets: 'SELECT count(*) AS buckets FROM buckets',
  sumUsage: 'SELECT coalesce(sum(objects), 0) AS objects, coalesce(sum(bytes), 0) AS bytes FROM usage_totals',
  scanAllVersions: `SELECT ${VERSION_COLUMNS} FROM versions WHERE seq > $1 ORDER BY seq LIMIT $2`,
  scanAllParts: `SELECT ${PART_COLUMNS.split(', ').map((column) => `parts.${column}`).join(', ')}, uploads.bucket, uploads.key
    FROM parts JOIN uploads USING (upload_id) WHERE (parts.upload_id, parts.part_number) > ($1, $2) ORDER BY parts.upload_id, parts.part_number LIMIT $3`,
  // Master key rotation (rewrapSealings): rows in batches, each rewritten only if unchanged since read.
  versionManifestsAfter: 'SELECT seq, manifest FROM versions WHERE seq > $1 ORDER BY seq LIMIT $2',
  setVersionManifest: 'UPDATE versions SET manifest = $2 WHERE seq = $1 AND manifest = $3',
  partManifestsAfter: `SELECT upload_id, part_number, manifest FROM parts WHERE (upload_id, part_number) > ($1, $2)
    ORDER BY upload_id, part_number LIMIT $3`,
  setPartManifest: 'UPDATE parts SET manifest = $3 WHERE upload_id = $1 AND part_number = $2 AND manifest = $4',
  appendAccessLog: 'INSERT INTO access_log (bucket, logged_at, line) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])',
  listAccessLog: 'SELECT seq, bucket, logged_at, line FROM access_log WHERE seq > $1 ORDER BY seq LIMIT $2',
  deleteAccessLog: 'DELETE FROM access_log WHERE seq = ANY($1::bigint[])',
  appendOutbox: 'INSERT INTO outbox (event) SELECT unnest($1::text[])',
  listOutbox: 'SELECT seq, event FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2',
  deleteOutbox: 'DELETE FROM outbox WHERE seq = ANY($1::bigint[])',
} as const;

export type StatementName = keyof typeof SQL;
