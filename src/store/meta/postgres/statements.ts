/**
 * The PostgreSQL store's statements, by name (prepared once per connection). Keys are bytea
 * parameters (UTF-8 bytes), so `key > $2` and `ORDER BY key` are byte order.
 */
const VERSION_COLUMNS = 'seq, bucket, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id, attributes, tags, manifest';
/** What listings read, in the order of SummaryRow (sqlite/rows.ts), fetched as arrays. */
const LIST_COLUMNS = 'seq, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id, attributes';
const BUCKET_COLUMNS = 'name, owner_id, created_at, region, versioning, object_lock';
const UPLOAD_COLUMNS = 'upload_id, bucket, key, initiated, owner_id, attributes';
const PART_COLUMNS = 'upload_id, part_number, size, etag, last_modified, checksum, manifest';
/** Blob ids with how many times each occurs in the array parameter $1. */
const REF_COUNTS = 'SELECT id, count(*) AS n FROM unnest($1::text[]) AS t (id) GROUP BY id';

export const SQL = {
  insertBucket: `INSERT INTO buckets (${BUCKET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
  getBucket: `SELECT ${BUCKET_COLUMNS} FROM buckets WHERE name = $1`,
  getBucketWithPolicy: `SELECT b.name, b.owner_id, b.created_at, b.region, b.versioning, b.object_lock, c.document AS policy
    FROM buckets b LEFT JOIN bucket_configs c ON c.bucket = b.name AND c.kind = 'policy' WHERE b.name = $1`,
  // FOR KEY SHARE: writes into a bucket do not block one another, nor a versioning change, only
  // the bucket's deletion (CockroachDB treats it as FOR SHARE).
  shareBucket: 'SELECT 1 FROM buckets WHERE name = $1 FOR KEY SHARE',
  lockBucket: 'SELECT 1 FROM buckets WHERE name = $1 FOR UPDATE',
  listBuckets: `SELECT ${BUCKET_COLUMNS} FROM buckets`,
  listBucketsOf: `SELECT ${BUCKET_COLUMNS} FROM buckets WHERE owner_id = $1`,
  countBucketsOf: 'SELECT count(*) AS owned FROM buckets WHERE owner_id = $1',
  deleteBucket: 'DELETE FROM buckets WHERE name = $1',
  setVersioning: 'UPDATE buckets SET versioning = $1 WHERE name = $2',
  anyVersion: 'SELECT 1 FROM versions WHERE bucket = $1 LIMIT 1',
  anyUpload: 'SELECT 1 FROM uploads WHERE bucket = $1 LIMIT 1',
  getConfig: 'SELECT document FROM bucket_configs WHERE bucket = $1 AND kind = $2',
  putConfig: `INSERT INTO bucket_configs (bucket, kind, document) VALUES ($1, $2, $3)
    ON CONFLICT (bucket, kind) DO UPDATE SET document = excluded.document`,
  deleteConfig: 'DELETE FROM bucket_configs WHERE bucket = $1 AND kind = $2',

  getLatest: `SELECT ${VERSION_COLUMNS} FROM versions WHERE bucket = $1 AND key = $2 AND is_latest`,
  lockLatest: `SELECT ${VERSION_COLUMNS} FROM versions WHERE bucket = $1 AND key = $2 AND is_latest FOR UPDATE`,
  getVersion: `SELECT ${VERSION_COLUMNS} FROM versions WHERE bucket = $1 AND key = $2 AND version_id = $3`,
  lockVersion: `SELECT ${VERSION_COLUMNS} FROM versions WHERE bucket = $1 AND key = $2 AND version_id = $3 FOR UPDATE`,
  insertVersion: `INSERT INTO versions (bucket, key, version_id, is_latest, is_delete_marker, size, etag, last_modified, owner_id, attributes, tags, manifest)
    VALUES ($1, $2, $3, true, $4, $5, $6, $7, $8, $9, $10, $11)`,
  deleteVersionRow: 'DELETE FROM versions WHERE seq = $1',
  deleteVersionReturning: 'DELETE FROM versions WHERE bucket = $1 AND key = $2 AND version_id = $3 RETURNING manifest',
  clearLatest: 'UPDATE versions SET is_latest = false WHERE bucket = $1 AND key = $2 AND is_latest',
  promoteLatest: `UPDATE versions SET is_latest = true
    WHERE seq = (SELECT seq FROM versions WHERE bucket = $1 AND key = $2 ORDER BY seq DESC LIMIT 1)`,
  setTags: 'UPDATE versions SET tags = $1 WHERE seq = $2',
  scanVisibleFrom: `SELECT ${LIST_COLUMNS} FROM versions
    WHERE bucket = $1 AND key >= $2 AND is_latest AND NOT is_delete_marker ORDER BY key LIMIT $3`,
  scanVisibleAfter: `SELECT ${LIST_COLUMNS} FROM versions
    WHERE bucket = $1 AND key > $2 AND is_latest AND NOT is_delete_marker ORDER BY key LIMIT $3`,
  scanVersionsWithin: `SELECT ${LIST_COLUMNS} FROM versions WHERE bucket = $1 AND key = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4`,
  scanVersionsFrom: `SELECT ${LIST_COLUMNS} FROM versions WHERE bucket = $1 AND key >= $2 ORDER BY key, seq DESC LIMIT $3`,
  scanVersionsAfter: `SELECT ${LIST_COLUMNS} FROM versions WHERE bucket = $1 AND key > $2 ORDER BY key, seq DESC LIMIT $3`,

  insertUpload: `INSERT INTO uploads (${UPLOAD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`,
  getUpload: `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE upload_id = $1`,
  shareUpload: 'SELECT bucket FROM uploads WHERE upload_id = $1 FOR SHARE',
  lockUpload: 'SELECT bucket FROM uploads WHERE upload_id = $1 FOR UPDATE',
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
} as const;

export type StatementName = keyof typeof SQL;
