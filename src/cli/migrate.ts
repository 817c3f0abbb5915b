/**
 * `coffer migrate --from DATA_DIR --to postgres://…`: moves an embedded deployment's metadata into
 * PostgreSQL (store/meta/sqlite-to-postgres.ts). The blob files stay where they are: the data dir
 * becomes the gateways' shared mount.
 */
import { parseArgs } from 'node:util';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { isPostgresUrl } from '../coffer.js';
import { lockDataDir } from '../data-dir-lock.js';
import { copyTables, digestTables, MigrationRefused, planMigration } from '../store/meta/sqlite-to-postgres.js';
import { ProgressBar } from './progress.js';

export const MIGRATE_USAGE = `Usage: coffer migrate --from DATA_DIR --to postgres://USER@HOST/DB [--verify]
Copies an embedded (SQLite) deployment's metadata — buckets and their configurations, object
versions, multipart uploads and parts, users and keys, the event outbox — into PostgreSQL, an
empty database or one an earlier, interrupted run of this command filled (re-running continues;
rows already there must be identical). Refuses a database at another schema version or holding
other data. Stop the server first (the data dir's lock is taken); blob files stay in DATA_DIR,
which gateways then serve with --data-dir DATA_DIR --metadata postgres://…
Exit status: 0 copied (and verified), 1 refused or verification failed, 2 bad usage.

  --from PATH   the data dir (or its metadata.sqlite file)
  --to URL      the PostgreSQL database (postgres:// or postgresql://)
  --verify      afterwards compare row counts and a checksum per table
  -h, --help    this help`;

export async function runMigrate(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { from: { type: 'string' }, to: { type: 'string' }, verify: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${MIGRATE_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(MIGRATE_USAGE);
    return 0;
  }
  if (values.from === undefined || values.to === undefined || !isPostgresUrl(values.to)) {
    console.error(`coffer migrate: --from DATA_DIR and --to postgres://… are required\n${MIGRATE_USAGE}`);
    return 2;
  }
  const from = resolve(values.from);
  const database = isDirectory(from) ? join(from, 'metadata.sqlite') : from;
  if (!isFile(database)) {
    console.error(`coffer migrate: no Coffer data at ${from} (${database} not found)`);
    return 2;
  }

  let lock;
  let source;
  try {
    // A server writing the source while it is copied would leave the copy behind.
    lock = lockDataDir(dirname(database));
    source = new Database(database, { readonly: true, fileMustExist: true });
  } catch (error) {
    lock?.release();
    console.error(`coffer migrate: ${(error as Error).message}`);
    return 1;
  }
  const { default: pg } = await import('pg'); // loaded by the commands that need it only
  const pool = new pg.Pool({ connectionString: values.to, max: 1 });
  // A connection the server ends makes the next statement fail, reported as below; the error
  // event itself must not end the command with a stack trace.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const bar = new ProgressBar();
  const progress = (table: string, done: number, expected: number) => bar.update(table, done, expected);
  try {
    const target = await pool.connect();
    try {
      const plans = await planMigration(source, target);
      const copies = await copyTables(source, target, plans, progress);
      bar.done();
      for (const copy of copies) console.log(`${copy.table}: ${copy.rows} rows`);
      if (!values.verify) {
        console.log('copied');
        return 0;
      }
      const digests = await digestTables(source, target, plans, progress);
      bar.done();
      const differing = digests.filter((d) => d.source.rows !== d.target.rows || d.source.checksum !== d.target.checksum);
      for (const d of differing) {
        console.log(`${d.source.table} differs: SQLite ${d.source.rows} rows (${d.source.checksum}), PostgreSQL ${d.target.rows} rows (${d.target.checksum})`);
      }
      console.log(differing.length === 0 ? `copied and verified: ${digests.length} tables identical` : `verification failed: ${differing.length} table(s) differ`);
      return differing.length === 0 ? 0 : 1;
    } finally {
      target.release();
    }
  } catch (error) {
    bar.done();
    console.error(`coffer migrate: ${error instanceof MigrationRefused ? '' : 'failed: '}${(error as Error).message}`);
    return 1;
  } finally {
    await pool.end();
    source.close();
    lock.release();
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}
