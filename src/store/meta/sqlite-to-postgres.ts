import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type pg from 'pg';
import { SCHEMA_VERSION as SQLITE_SCHEMA_VERSION } from './sqlite/migrations.js';
import { POSTGRES_SCHEMA_VERSION } from './postgres/migrations.js';
import { migratePostgres } from './postgres/migrate.js';

/**
 * Copies an embedded deployment's metadata (SQLite) into PostgreSQL, table by table, for
 * `coffer migrate`. The tables and their columns are read from both schemas, not listed here, so
 * a migration appended to both stores is copied without a change here — and a table or column
 * one side lacks stops the copy instead of being left behind.
 *
 * Resumable by being idempotent: rows are inserted in batches with ON CONFLICT DO NOTHING, so a
 * re-run after an interruption inserts what is missing; a row that is already there must be
 * identical to the source's, or the target holds different data and the copy stops.
 */

/** Kept by each store itself: the schema's own bookkeeping, and totals the target's trigger keeps as versions are inserted. */
const NOT_COPIED = new Set(['schema_version', 'usage_totals', 'sqlite_sequence']);
/** Copied before the tables whose rows reference them (foreign keys). */
const PARENTS_FIRST = ['buckets', 'uploads', 'users'];
/** Rows per INSERT: 13 columns × 500 stays far below PostgreSQL's 65,535 parameters. */
const BATCH_ROWS = 500;

export interface TableCopy {
  readonly table: string;
  readonly rows: number;
}

export type MigrationProgress = (table: string, done: number, expected: number) => void;

interface TablePlan {
  readonly table: string;
  /** Column names, sorted (the order both sides are read in and checksummed in). */
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
  /** PostgreSQL's type of each column, for what SQLite stores differently (booleans as 0/1, keys as text). */
  readonly targetTypes: ReadonlyMap<string, string>;
  /** An identity column whose sequence must continue after the copied rows. */
  readonly identity?: string;
}

export class MigrationRefused extends Error {}

/**
 * Checks both schemas and the target's contents, bringing an empty target to the current
 * schema. Refuses (MigrationRefused) a source or target at another schema version, a target
 * whose tables differ, or one holding more rows than the source in some table.
 */
export async function planMigration(source: Database, target: pg.PoolClient): Promise<TablePlan[]> {
  const sourceVersion = (source.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }).v;
  if (sourceVersion !== SQLITE_SCHEMA_VERSION) {
    throw new MigrationRefused(`the SQLite metadata is at schema version ${sourceVersion}, this Coffer's is ${SQLITE_SCHEMA_VERSION}: start this Coffer on the data dir once to upgrade it`);
  }
  const { rows: versionTable } = await target.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_version'");
  if (versionTable.length === 0) await migratePostgres(target);
  const { rows: targetVersion } = await target.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
  if (targetVersion[0]?.v !== POSTGRES_SCHEMA_VERSION) {
    throw new MigrationRefused(`the PostgreSQL database is at schema version ${targetVersion[0]?.v ?? 'none'}, this Coffer's is ${POSTGRES_SCHEMA_VERSION}: migrate into an empty database`);
  }

  const sourceTables = (source.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
    .map((row) => row.name)
    .filter((name) => !NOT_COPIED.has(name));
  const { rows: targetColumns } = await target.query<{ table_name: string; column_name: string; data_type: string; is_identity: string }>(
    'SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns WHERE table_schema = current_schema()',
  );
  const targetTables = new Set(targetColumns.map((row) => row.table_name).filter((name) => !NOT_COPIED.has(name)));
  const missing = [...targetTables].filter((name) => !sourceTables.includes(name));
  if (missing.length > 0) throw new MigrationRefused(`the PostgreSQL schema has tables the SQLite one lacks: ${missing.join(', ')}`);

  const plans: TablePlan[] = [];
  for (const table of sourceTables) {
    if (!targetTables.has(table)) throw new MigrationRefused(`table ${table} has no counterpart in PostgreSQL`);
    const info = source.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(table) as { name: string; pk: number }[];
    const theirs = targetColumns.filter((row) => row.table_name === table);
    const columns = info.map((column) => column.name).sort();
    const theirNames = theirs.map((row) => row.column_name).sort();
    if (columns.join() !== theirNames.join()) {
      throw new MigrationRefused(`table ${table} has columns (${columns.join(', ')}) in SQLite but (${theirNames.join(', ')}) in PostgreSQL`);
    }
    const primaryKey = info.filter((column) => column.pk > 0).sort((a, b) => a.pk - b.pk).map((column) => column.name);
    const identity = theirs.find((row) => row.is_identity === 'YES')?.column_name;
    plans.push({ table, columns, primaryKey, targetTypes: new Map(theirs.map((row) => [row.column_name, row.data_type])), ...(identity ? { identity } : {}) });
  }
  plans.sort((a, b) => rank(a.table) - rank(b.table) || (a.table < b.table ? -1 : 1));

  for (const plan of plans) {
    const sourceRows = countSource(source, plan.table);
    const targetRows = await countTarget(target, plan.table);
    if (targetRows > sourceRows) {
      throw new MigrationRefused(`the PostgreSQL database already holds different data: ${targetRows} rows in ${plan.table}, the SQLite one ${sourceRows}`);
    }
  }
  return plans;
}

function rank(table: string): number {
  const index = PARENTS_FIRST.indexOf(table);
  return index < 0 ? PARENTS_FIRST.length : index;
}

/** Copies every table; returns the rows each holds at the source. */
export async function copyTables(source: Database, target: pg.PoolClient, plans: readonly TablePlan[], progress: MigrationProgress): Promise<TableCopy[]> {
  const copies: TableCopy[] = [];
  for (const plan of plans) {
    const expected = countSource(source, plan.table);
    let done = 0;
    for (const batch of sourceBatches(source, plan)) {
      await insertBatch(target, plan, batch);
      done += batch.length;
      progress(plan.table, done, expected);
    }
    if (plan.identity) {
      // Rows came with their ids: the sequence continues after the largest, so new rows never collide.
      await target.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quote(plan.identity)}) FROM ${quote(plan.table)}), 0) + 1, false)`, [plan.table, plan.identity]);
    }
    copies.push({ table: plan.table, rows: expected });
  }
  return copies;
}

/** The rows of a SQLite table in rowid order, a batch at a time (every Coffer table has a rowid). */
function* sourceBatches(source: Database, plan: TablePlan): Generator<Record<string, unknown>[]> {
  const statement = source.prepare(`SELECT rowid AS coffer_rowid, ${plan.columns.map(quote).join(', ')} FROM ${quote(plan.table)} WHERE rowid > ? ORDER BY rowid LIMIT ${BATCH_ROWS}`);
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const rows = statement.all(after) as (Record<string, unknown> & { coffer_rowid: number })[];
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.coffer_rowid;
    yield rows;
  }
}

async function insertBatch(target: pg.PoolClient, plan: TablePlan, rows: readonly Record<string, unknown>[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = rows.map((row) => `(${plan.columns.map((column) => `$${values.push(toPostgres(row[column], plan.targetTypes.get(column)))}`).join(', ')})`);
  const key = plan.primaryKey.map(quote).join(', ');
  const { rows: inserted } = await target.query(
    `INSERT INTO ${quote(plan.table)} (${plan.columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING RETURNING ${key}`,
    values,
  );
  if (inserted.length === rows.length) return;
  // Some rows were there already (an earlier, interrupted run): each must be what the source holds.
  const insertedKeys = new Set(inserted.map((row) => keyOf(plan, row)));
  const present = rows.filter((row) => !insertedKeys.has(keyOf(plan, row)));
  const lookup: unknown[] = [];
  const keyTuples = present.map((row) => `(${plan.primaryKey.map((column) => `$${lookup.push(toPostgres(row[column], plan.targetTypes.get(column)))}`).join(', ')})`);
  const { rows: theirs } = await target.query(`SELECT ${plan.columns.map(quote).join(', ')} FROM ${quote(plan.table)} WHERE (${key}) IN (${keyTuples.join(', ')})`, lookup);
  const theirsByKey = new Map(theirs.map((row) => [keyOf(plan, row), canonicalRow(plan, row)]));
  for (const row of present) {
    if (theirsByKey.get(keyOf(plan, row)) !== canonicalRow(plan, row)) {
      throw new MigrationRefused(`the PostgreSQL database already holds different data: ${plan.table} row ${keyOf(plan, row)} differs from the SQLite one`);
    }
  }
}

function toPostgres(value: unknown, type: string | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return value === 1 || value === true;
  // Object keys are bytea there (their UTF-8 bytes), text here.
  if (type === 'bytea') return Buffer.from(value as string, 'utf8');
  return value;
}

/** One column value as both databases' drivers would agree on it: 0/1 and booleans, numbers and int8 strings, text and bytea. */
function canonical(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

function canonicalRow(plan: TablePlan, row: Record<string, unknown>): string {
  return JSON.stringify(plan.columns.map((column) => canonical(row[column])));
}

function keyOf(plan: TablePlan, row: Record<string, unknown>): string {
  return JSON.stringify(plan.primaryKey.map((column) => canonical(row[column])));
}

export interface TableDigest {
  readonly table: string;
  readonly rows: number;
  /** XOR of every row's SHA-256: independent of the order each database returns rows in. */
  readonly checksum: string;
}

/** Per table, the row count and checksum on both sides; `--verify` compares them. */
export async function digestTables(source: Database, target: pg.PoolClient, plans: readonly TablePlan[], progress: MigrationProgress): Promise<{ source: TableDigest; target: TableDigest }[]> {
  const digests: { source: TableDigest; target: TableDigest }[] = [];
  for (const plan of plans) {
    const expected = countSource(source, plan.table);
    const sourceDigest = new RowDigest(plan);
    for (const batch of sourceBatches(source, plan)) {
      for (const row of batch) sourceDigest.add(row);
      progress(`${plan.table} (SQLite)`, sourceDigest.rows, expected);
    }
    const targetDigest = new RowDigest(plan);
    await target.query('BEGIN READ ONLY');
    try {
      await target.query(`DECLARE coffer_rows NO SCROLL CURSOR FOR SELECT ${plan.columns.map(quote).join(', ')} FROM ${quote(plan.table)}`);
      for (;;) {
        const { rows } = await target.query(`FETCH ${BATCH_ROWS} FROM coffer_rows`);
        if (rows.length === 0) break;
        for (const row of rows) targetDigest.add(row);
        progress(`${plan.table} (PostgreSQL)`, targetDigest.rows, expected);
      }
    } finally {
      await target.query('COMMIT');
    }
    digests.push({ source: sourceDigest.result(), target: targetDigest.result() });
  }
  return digests;
}

class RowDigest {
  rows = 0;
  private readonly sum = Buffer.alloc(32);

  constructor(private readonly plan: TablePlan) {}

  add(row: Record<string, unknown>): void {
    const hash = createHash('sha256').update(canonicalRow(this.plan, row)).digest();
    for (let i = 0; i < hash.length; i++) this.sum[i]! ^= hash[i]!;
    this.rows++;
  }

  result(): TableDigest {
    return { table: this.plan.table, rows: this.rows, checksum: this.sum.toString('hex') };
  }
}

function countSource(source: Database, table: string): number {
  return (source.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n;
}

async function countTarget(target: pg.PoolClient, table: string): Promise<number> {
  const { rows } = await target.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(table)}`);
  return Number(rows[0]!.n);
}

/** Table and column names come from the schemas themselves; quoted all the same. */
function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
