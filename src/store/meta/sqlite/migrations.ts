import type { Migration } from '../migrations.js';
import { schemaVersionOf } from '../migrations.js';

/**
 * SQLite schema, as versioned migrations (../migrations.ts). Every object row is a version (the
 * 'null' version while versioning is off); delete markers are rows; `is_latest` is maintained in
 * the same transaction as each write and indexed (partially, on visible objects only) so listing
 * seeks instead of filtering.
 * TEXT uses the BINARY collation: keys compare as UTF-8 bytes, which is S3's listing order.
 */
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS buckets (
  name        TEXT PRIMARY KEY,
  owner_id    TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  region      TEXT NOT NULL,
  versioning  TEXT NOT NULL DEFAULT 'Unversioned',
  object_lock INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS bucket_configs (
  bucket   TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
  kind     TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (bucket, kind)
);

CREATE TABLE IF NOT EXISTS versions (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket           TEXT NOT NULL,
  key              TEXT NOT NULL,
  version_id       TEXT NOT NULL,
  is_latest        INTEGER NOT NULL,
  is_delete_marker INTEGER NOT NULL,
  size             INTEGER NOT NULL,
  etag             TEXT NOT NULL,
  last_modified    INTEGER NOT NULL,
  owner_id         TEXT NOT NULL,
  attributes       TEXT NOT NULL,
  tags             TEXT NOT NULL,
  manifest         TEXT NOT NULL,
  UNIQUE (bucket, key, version_id)
);
CREATE INDEX IF NOT EXISTS versions_by_key ON versions (bucket, key, seq DESC);
CREATE INDEX IF NOT EXISTS visible_objects ON versions (bucket, key) WHERE is_latest = 1 AND is_delete_marker = 0;

CREATE TABLE IF NOT EXISTS uploads (
  upload_id  TEXT PRIMARY KEY,
  bucket     TEXT NOT NULL,
  key        TEXT NOT NULL,
  initiated  INTEGER NOT NULL,
  owner_id   TEXT NOT NULL,
  attributes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, initiated, upload_id);

CREATE TABLE IF NOT EXISTS parts (
  upload_id     TEXT NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,
  part_number   INTEGER NOT NULL,
  size          INTEGER NOT NULL,
  etag          TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  checksum      TEXT,
  manifest      TEXT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);

-- Recent completions of multipart uploads (the upload row is gone by then), so that a retried
-- CompleteMultipartUpload is answered with the same result. Written in completeUpload's
-- transaction; bounded by age and count, pruned a batch at a time by later completions.
CREATE TABLE IF NOT EXISTS completed_uploads (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  upload_id    TEXT NOT NULL UNIQUE,
  bucket       TEXT NOT NULL,
  key          TEXT NOT NULL,
  version_id   TEXT NOT NULL,
  etag         TEXT NOT NULL,
  checksum     TEXT,
  parts_digest TEXT NOT NULL,
  completed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS completed_uploads_by_time ON completed_uploads (completed_at);
CREATE INDEX IF NOT EXISTS completed_uploads_by_bucket ON completed_uploads (bucket);

-- One row per blob that something references; refs counts versions' and parts' extents.
CREATE TABLE IF NOT EXISTS blobs (
  id   TEXT PRIMARY KEY,
  refs INTEGER NOT NULL
);
`;

/**
 * Lifecycle (jobs/lifecycle) finds due rows through indexes on the date work becomes due — never
 * a scan of the bucket. `noncurrent_since` is when a newer version replaced a version (NULL while
 * it is the latest), filled for existing rows from each version's successor. Background jobs
 * hold a lease row so that one gateway at a time runs them.
 */
const LIFECYCLE_V3 = `
ALTER TABLE versions ADD COLUMN noncurrent_since INTEGER;
UPDATE versions SET noncurrent_since = (SELECT min(n.last_modified) FROM versions n
  WHERE n.bucket = versions.bucket AND n.key = versions.key AND n.seq > versions.seq) WHERE is_latest = 0;
CREATE INDEX lifecycle_current ON versions (bucket, last_modified, key) WHERE is_latest = 1 AND is_delete_marker = 0;
CREATE INDEX lifecycle_noncurrent ON versions (bucket, noncurrent_since, seq) WHERE is_latest = 0;
CREATE INDEX lifecycle_markers ON versions (bucket, last_modified, key) WHERE is_latest = 1 AND is_delete_marker = 1;
CREATE INDEX lifecycle_uploads ON uploads (bucket, initiated, upload_id);
CREATE TABLE leases (
  name          TEXT PRIMARY KEY,
  holder        TEXT,
  expires_at    INTEGER NOT NULL DEFAULT 0,
  run_requested INTEGER NOT NULL DEFAULT 0
);
`;

/**
 * Object and byte totals in one row, kept by triggers in the same transaction as every version
 * insert and delete (a version's size and delete-marker flag never change afterwards): reading
 * them costs one row instead of a scan, and a rolled-back write leaves them right. Filled once, by
 * one scan, on a database that has versions already. (IF NOT EXISTS: development data dirs of the
 * observe branch made this table before it was a migration.)
 */
const USAGE_TOTALS = `
CREATE TABLE IF NOT EXISTS usage_totals (
  id      INTEGER PRIMARY KEY CHECK (id = 0),
  objects INTEGER NOT NULL,
  bytes   INTEGER NOT NULL
);
INSERT OR IGNORE INTO usage_totals (id, objects, bytes)
  SELECT 0, count(*), coalesce(sum(size), 0) FROM versions WHERE is_delete_marker = 0;
CREATE TRIGGER IF NOT EXISTS usage_totals_insert AFTER INSERT ON versions WHEN NEW.is_delete_marker = 0
  BEGIN UPDATE usage_totals SET objects = objects + 1, bytes = bytes + NEW.size WHERE id = 0; END;
CREATE TRIGGER IF NOT EXISTS usage_totals_delete AFTER DELETE ON versions WHEN OLD.is_delete_marker = 0
  BEGIN UPDATE usage_totals SET objects = objects - 1, bytes = bytes - OLD.size WHERE id = 0; END;
`;

/**
 * The event outbox: each mutation that produces event notifications appends them here in its own
 * transaction; the dispatcher (src/jobs/outbox-dispatcher.ts) deletes a row once every delivery
 * is acknowledged. seq orders events (and is each event's sequencer). The dispatcher's lease is a
 * row of v3's `leases` table.
 */
const OUTBOX_V5 = `
CREATE TABLE outbox (
  seq   INTEGER PRIMARY KEY AUTOINCREMENT,
  event TEXT NOT NULL
);
`;

const IDENTITIES = `
-- The account's users besides the root (which comes from the configuration), their access keys
-- and identity policies; identity_revision changes with every identity change, so that a
-- running server notices what \`coffer user/key\` changed from another process.
CREATE TABLE users (
  name         TEXT PRIMARY KEY,
  canonical_id TEXT NOT NULL UNIQUE,
  email        TEXT,
  created_at   INTEGER NOT NULL,
  policy       TEXT
);

CREATE TABLE access_keys (
  access_key_id TEXT PRIMARY KEY,
  secret        TEXT NOT NULL,
  user_name     TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  status        TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);

CREATE TABLE identity_revision (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL
);
`;

/**
 * Server access log lines waiting for delivery (src/jobs/access-log-delivery.ts writes them into
 * the target bucket as log objects and deletes them).
 */
const ACCESS_LOG = `
CREATE TABLE access_log (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket    TEXT NOT NULL,
  logged_at INTEGER NOT NULL,
  line      TEXT NOT NULL
);
`;

/**
 * The registry of gateways writing blobs (src/jobs/gateway-registry.ts): each renews its
 * heartbeat; a blob's and a temp file's name carry the id of the gateway that wrote it, so what a
 * gateway whose heartbeat expired left unreferenced can be collected (src/jobs/orphan-collector.ts),
 * after `dead_at` marks it dead (the fence of a shared data dir on PostgreSQL). The same tables as
 * PostgreSQL's (coffer migrate copies table for table), the heartbeat in its own for the reason
 * given there; the embedded store fences nothing.
 */
const GATEWAYS = `
CREATE TABLE gateways (
  id           TEXT PRIMARY KEY,
  started_at   INTEGER NOT NULL,
  dead_at      INTEGER
);
CREATE TABLE gateway_heartbeats (
  id           TEXT PRIMARY KEY,
  heartbeat_at INTEGER NOT NULL
);
`;

/**
 * The index ListObjects scans (`visible_objects`, forced with INDEXED BY) made wide: besides
 * (bucket, key) it holds the other columns a listing shows and the three fields of the JSON
 * attributes it shows (storage class, checksum, encryption; the same expressions as
 * LIST_COLUMNS in sqlite-store.ts, so SQLite reads their values from the index instead of
 * parsing each row's attributes). Parsing them per row was ~40 % of a 1,000-key page's SQL time.
 * Still partial: only the latest, non-deleted versions are in it.
 */
const WIDE_VISIBLE_INDEX = `
DROP INDEX visible_objects;
CREATE INDEX visible_objects ON versions (bucket, key, size, etag, last_modified, owner_id, version_id,
  json_extract(attributes, '$.storageClass'), json_extract(attributes, '$.checksum'), json_extract(attributes, '$.encryption'))
  WHERE is_latest = 1 AND is_delete_marker = 0;
`;

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'buckets, configurations, versions, uploads, parts, completions, blob references', sql: SCHEMA_V1 },
  // listBuckets(owner) and createBucket's per-owner count read every bucket without it.
  { version: 2, description: 'index buckets by owner', sql: 'CREATE INDEX buckets_by_owner ON buckets (owner_id);' },
  { version: 3, description: 'lifecycle: noncurrent-since column, due-date indexes, job leases', sql: LIFECYCLE_V3 },
  { version: 4, description: 'object and byte totals kept by triggers (usage_totals)', sql: USAGE_TOTALS },
  { version: 5, description: 'event outbox', sql: OUTBOX_V5 },
  // Read with the bucket row on every request (authorization), so a column rather than a bucket_configs row.
  { version: 6, description: 'bucket access settings: ACL, object ownership, public access block (JSON)', sql: 'ALTER TABLE buckets ADD COLUMN access TEXT;' },
  { version: 7, description: 'users, access keys, identity policies, identity revision', sql: IDENTITIES },
  // A column of its own: every deletion of a version reads it in its transaction.
  { version: 8, description: 'object lock of a version: retention and legal hold (JSON)', sql: 'ALTER TABLE versions ADD COLUMN object_lock TEXT;' },
  { version: 9, description: 'server access log spool', sql: ACCESS_LOG },
  { version: 10, description: 'registry of gateways writing blobs (heartbeats)', sql: GATEWAYS },
  { version: 11, description: 'listing index holds what a listing shows (no JSON parsing per listed row)', sql: WIDE_VISIBLE_INDEX },
];

export const SCHEMA_VERSION = schemaVersionOf(SQLITE_MIGRATIONS);
