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
 * process's CPU (the gateway's share); PostgreSQL's own CPU is not included. PostgreSQL runs
 * at COFFER_BENCH_POSTGRES_URL's server (default 127.0.0.1:5432) in a database made for the run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MetadataStore, NewVersion } from '../src/store/meta/metadata-store.js';
import { SqliteMetadataStore } from '../src/store/meta/sqlite/sqlite-store.js';
import { PostgresMetadataStore } from '../src/store/meta/postgres/postgres-store.js';
import { createTestDatabase } from '../test/helpers/postgres.js';

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
}

/** Runs `op` `count` times with `inFlight` at once, after a few warm-up calls (connections, statements). */
async function measure(count: number, inFlight: number, op: () => Promise<unknown>): Promise<Figure> {
  for (let i = 0; i < WARM_UP_CALLS; i++) await op();
  let next = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next++ < count) await op();
  }));
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    opsPerSecond: Math.round((count / elapsed) * 1000),
    meanMicros: Math.round((elapsed * 1000 * inFlight) / count),
    cpuMicrosPerOp: Math.round((used.user + used.system) / count),
  };
}

async function benchStore(store: MetadataStore): Promise<Record<string, Figure>> {
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
    'PUT 4 KiB (1 at a time)': await measure(rounds, 1, put),
    [`PUT 4 KiB (${concurrency} at a time)`]: await measure(rounds, concurrency, put),
    'GET (1 at a time)': await measure(rounds, 1, get),
    [`GET (${concurrency} at a time)`]: await measure(rounds, concurrency, get),
    // A page reads ~1,000 rows: fewer of them.
    'LIST page of 1,000 (1 at a time)': await measure(Math.max(1, Math.floor(rounds / 20)), 1, list),
    'DELETE (1 at a time)': await measure(Math.min(rounds, keyCount - WARM_UP_CALLS), 1, remove),
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
      table.postgres = await benchStore(postgres);
    } finally {
      await postgres.close();
    }
  } finally {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`metadata stores: ${keyCount} keys, ${rounds} operations per figure (the machine may be shared: compare within this run only)`);
  console.log(`${'operation'.padEnd(36)} ${'store'.padEnd(9)} ${'ops/s'.padStart(8)} ${'mean µs'.padStart(9)} ${'cpu µs/op'.padStart(10)}`);
  for (const operation of Object.keys(table.sqlite!)) {
    for (const [store, figures] of Object.entries(table)) {
      const f = figures[operation]!;
      console.log(`${operation.padEnd(36)} ${store.padEnd(9)} ${String(f.opsPerSecond).padStart(8)} ${String(f.meanMicros).padStart(9)} ${String(f.cpuMicrosPerOp).padStart(10)}`);
    }
  }
  console.log(JSON.stringify({ keyCount, rounds, concurrency, table }));
}

await main();
