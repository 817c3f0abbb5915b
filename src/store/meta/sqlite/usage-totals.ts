import type { Database } from 'better-sqlite3';

/**
 * Object and byte totals kept in one row, maintained by triggers in the same transaction as every
 * version insert and delete (a version's size and delete-marker flag never change afterwards), so
 * that reading them costs one row instead of a scan, and a rolled-back write leaves them right.
 * A database made before this table existed gets it filled once, by one scan, when first opened.
 */
const USAGE_TOTALS_SCHEMA = `
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

export function createUsageTotals(db: Database): void {
  db.transaction(() => db.exec(USAGE_TOTALS_SCHEMA))();
}
