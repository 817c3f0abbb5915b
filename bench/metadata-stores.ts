/**
 * Metadata cost per operation, SQLite vs PostgreSQL, in one run:
 * `npm run bench:meta [-- keys rounds concurrency]` (default 2,000 keys, 2,000 operations per
 * figure, 16 concurrent).
 *
 * Store level (MetadataStore calls, no HTTP, no blobs): PUT is putVersion of a 4 KiB object's
 * metadata (one extent, a few headers), GET is getVersion of the latest version, LIST is a
 * 1,000-key listObjects page from a random start, DELETE is deleteVersion. Each is measured one
 * at a time (latency) and with `concurrency` in flight (throughput: PostgreSQL flushes the WAL
 * once for concurrent commits, SQLite's GroupCommitter batches them). `cpu µs/op` is this
 * process's CPU (the gateway's share); `queries/op` the statements (round trips) sent to
 * PostgreSQL per call; `pg cpu µs/op` the CPU of the PostgreSQL backends serving the run, read
 * from /proc when the server is local (its WAL writer and checkpointer are not included).
 * PostgreSQL runs at COFFER_TEST_POSTGRES_URL's server (default 127.0.0.1:5432) in a database
 * made for the run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { MetadataStore, NewVersion } from '../src/store/meta/metadata-store.js';
import { SqliteMetadataStore } from '../src/store/meta/sqlite/sqlite-store.js';
import { PostgresMetadataStore } from '../src/store/meta/postgres/postgres-store.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres.js';

const keyCount = Number(process.argv[2] ?? 2_000);
const rounds = Number(process.argv[3] ?? 2_000);
const concurrency = Number(process.argv[4] ?? 16);
const OWNER = 'c'.repeat(64);
const WARM_UP_CALLS = 20;
const BUCKET = 'bench';

let blobCounter = 0;
function version(key: string): NewVersion {
  return {
    bucket: BUCKET, key, versionId: 'null', isDeleteMarker: false, size: 4096, etag: '0f343b0931126a20f133d67c2b018a3b',
    lastModified: new Date(), ownerId: OWNER, headers: { contentType: 'application/octet-stream', cacheControl: 'max-age=60' },
    userMetadata: { origin: 'bench' }, storageClass: 'STANDARD', tags: [],
    manifest: [{ blobId: (++blobCounter).toString(16).padStart(32, '0'), offset: 0, length: 4096 }],
  };
}

const keyName = (i: number) => `data/${String(i % 100).padStart(2, '0')}/object-${String(i).padStart(7, '0')}`;
const randomKey = () => keyName(Math.floor(Math.random() * keyCount));

interface Figure {
  readonly opsPerSecond: number;
  readonly meanMicros: number;
  readonly cpuMicrosPerOp: number;
  /** Statements sent to PostgreSQL per operation, BEGIN and COMMIT included: each a round trip (0 on SQLite). */
  readonly queriesPerOp: number;
  /** CPU of the PostgreSQL backends serving the run, per operation (not its WAL writer); undefined when not measurable. */
  readonly postgresCpuMicrosPerOp?: number;
}

/** CPU µs so far of each backend process connected to a database (local server, same /proc); undefined elsewhere. */
type BackendCpu = () => Promise<Map<number, number> | undefined>;

function backendCpu(database: TestDatabase): BackendCpu {
  return async () => {
    const { rows } = await database.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    const used = new Map<number, number>();
    for (const { pid } of rows as { pid: number }[]) {
      // Fields 14 and 15 after the parenthesised command: utime and stime, in clock ticks (100/s).
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
      if (stat === undefined) return undefined;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      used.set(pid, (Number(fields[11]) + Number(fields[12])) * 10_000);
    }
    return used;
  };
}

function cpuSpent(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let spent = 0;
  for (const [pid, micros] of after) spent += micros - (before.get(pid) ?? 0);
  return spent;
}

/** Statements sent through any pg connection (pool or not) since the start. */
let queriesSent = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  queriesSent++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

/** Runs `op` `count` times with `inFlight` at once, after a few warm-up calls (connections, statements). */
async function measure(count: number, inFlight: number, op: () => Promise<unknown>, postgresCpu?: BackendCpu): Promise<Figure> {
  for (let i = 0; i < WARM_UP_CALLS; i++) await op();
  let next = 0;
  const postgresBefore = await postgresCpu?.();
  const cpu = process.cpuUsage();
  const queriesBefore = queriesSent;
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next++ < count) await op();
  }));
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const queries = queriesSent - queriesBefore;
  const postgresSpent = cpuSpent(postgresBefore, await postgresCpu?.());
  return {
    opsPerSecond: Math.round((count / elapsed) * 1000),
    meanMicros: Math.round((elapsed * 1000 * inFlight) / count),
    cpuMicrosPerOp: Math.round((used.user + used.system) / count),
    queriesPerOp: Math.round((queries / count) * 10) / 10,
    ...(postgresSpent === undefined ? {} : { postgresCpuMicrosPerOp: Math.round(postgresSpent / count) }),
  };
}

async function benchStore(store: MetadataStore, postgresCpu?: BackendCpu): Promise<Record<string, Figure>> {
  await store.createBucket({ name: BUCKET, ownerId: OWNER, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
  for (let i = 0; i < keyCount; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, keyCount - i) }, (_, j) => store.putVersion(version(keyName(i + j)))));
  }
  const put = () => store.putVersion(version(randomKey()));
  const get = () => store.getVersion(BUCKET, randomKey());
  const list = () => store.listObjects(BUCKET, { prefix: '', delimiter: '', after: '', limit: 1000 });
  let deleted = 0;
  const remove = () => store.deleteVersion(BUCKET, keyName(deleted++), 'null');
  return {
    'PUT 4 KiB (1 at a time)': await measure(rounds, 1, put, postgresCpu),
    [`PUT 4 KiB (${concurrency} at a time)`]: await measure(rounds, concurrency, put, postgresCpu),
    'GET (1 at a time)': await measure(rounds, 1, get, postgresCpu),
    [`GET (${concurrency} at a time)`]: await measure(rounds, concurrency, get, postgresCpu),
    // A page reads ~1,000 rows: fewer of them.
    'LIST page of 1,000 (1 at a time)': await measure(Math.max(1, Math.floor(rounds / 20)), 1, list, postgresCpu),
    'DELETE (1 at a time)': await measure(Math.min(rounds, keyCount - WARM_UP_CALLS), 1, remove, postgresCpu),
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-bench-meta-'));
  const database = await createTestDatabase();
  const table: Record<string, Record<string, Figure>> = {};
  try {
    const sqlite = new SqliteMetadataStore({ path: join(dir, 'metadata.sqlite') });
    try {
      table.sqlite = await benchStore(sqlite);
    } finally {
      await sqlite.close();
    }
    const postgres = await PostgresMetadataStore.open({ url: database.url });
    try {
      table.postgres = await benchStore(postgres, backendCpu(database));
    } finally {
      await postgres.close();
    }
  } finally {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`metadata stores: ${keyCount} keys, ${rounds} operations per figure (the machine may be shared: compare within this run only)`);
  console.log(`${'operation'.padEnd(36)} ${'store'.padEnd(9)} ${'ops/s'.padStart(8)} ${'mean µs'.padStart(9)} ${'cpu µs/op'.padStart(10)} ${'queries/op'.padStart(11)} ${'pg cpu µs/op'.padStart(13)}`);
  for (const operation of Object.keys(table.sqlite!)) {
    for (const [store, figures] of Object.entries(table)) {
      const f = figures[operation]!;
      console.log(`${operation.padEnd(36)} ${store.padEnd(9)} ${String(f.opsPerSecond).padStart(8)} ${String(f.meanMicros).padStart(9)} ${String(f.cpuMicrosPerOp).padStart(10)} ${String(f.queriesPerOp).padStart(11)} ${String(f.postgresCpuMicrosPerOp ?? '-').padStart(13)}`);
    }
  }
  console.log(JSON.stringify({ keyCount, rounds, concurrency, table }));
}

await main();
