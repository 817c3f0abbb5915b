import type { PoolClient } from 'pg';
import { pendingMigrations, schemaVersionOf } from '../migrations.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

/** Any constant both racing gateways agree on: the advisory lock serializing migrations. */
const MIGRATION_LOCK_ID = 0x436f6666; // 'Coff'

/**
 * Brings the database to the current schema version in one transaction. Several gateways may
 * start at once: the transaction first takes an advisory lock, so one of them migrates and the
 * others, once it commits, find nothing left to do. (CockroachDB has no advisory locks: there
 * the schema_version primary key makes a racing migration fail and its gateway exit; start it
 * again. DDL in a transaction is also fine on PostgreSQL and YugabyteDB, limited on CockroachDB.)
 */
export async function migratePostgres(client: PoolClient): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, description text NOT NULL, applied_at bigint NOT NULL)');
    const { rows } = await client.query<{ current: number | null }>('SELECT max(version) AS current FROM schema_version');
    for (const migration of pendingMigrations(POSTGRES_MIGRATIONS, rows[0]?.current ?? 0)) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_version (version, description, applied_at) VALUES ($1, $2, $3)', [
        migration.version, migration.description, Date.now(),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  return schemaVersionOf(POSTGRES_MIGRATIONS);
}
