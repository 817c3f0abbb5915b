/**
 * Throw-away PostgreSQL databases for tests: `createTestDatabase()` makes coffer_test_<random>
 * on the server COFFER_TEST_POSTGRES_URL names (default: the local one, trust auth) and `drop()`
 * removes it. Off CI, an unreachable server makes PostgreSQL tests skip with the reason; on CI
 * (.ci/run starts PostgreSQL) it fails them.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.COFFER_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const ON_CI = /^(true|1|yes)$/i.test(process.env.CI ?? '');

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Runs SQL in this database (a short-lived connection). */
  query(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `coffer_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async query(sql, values) {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    },
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/** node:test `skip` option for PostgreSQL tests: the reason off CI when the server is unreachable. */
export async function postgresSkipReason(): Promise<string | false> {
  try {
    await admin((c) => c.query('SELECT 1'));
    return false;
  } catch (error) {
    if (ON_CI) throw new Error(`PostgreSQL at ${redacted()} is required on CI: ${(error as Error).message}`);
    return `PostgreSQL at ${redacted()} is unreachable (${(error as Error).message})`;
  }
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function redacted(): string {
  const url = new URL(ADMIN_URL);
  if (url.password) url.password = '***';
  return url.toString();
}
