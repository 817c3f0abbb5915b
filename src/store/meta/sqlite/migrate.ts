import type { Database } from 'better-sqlite3';
import { pendingMigrations, schemaVersionOf } from '../migrations.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

/**
 * Brings the database to the current schema version in one IMMEDIATE transaction (so a crash
 * leaves it at the old version, never half-migrated). Databases made before schema versions were
 * recorded (no schema_version table, but a buckets table) are at version 1.
 */
export function migrateSqlite(db: Database): number {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const { current } = db.prepare('SELECT max(version) AS current FROM schema_version').get() as { current: number | null };
    const preVersioning = current === null && db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'buckets'").get() !== undefined;
    const record = db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)');
    if (preVersioning) record.run(1, `${SQLITE_MIGRATIONS[0]!.description} (found unversioned)`, Date.now());
    for (const migration of pendingMigrations(SQLITE_MIGRATIONS, preVersioning ? 1 : current ?? 0)) {
      db.exec(migration.sql);
      record.run(migration.version, migration.description, Date.now());
    }
  }).immediate();
  return schemaVersionOf(SQLITE_MIGRATIONS);
}
