/**
 * PostgreSQL round trips per request: every statement a gateway sends (BEGIN and COMMIT
 * included) is a network round trip to the primary, so the hot paths' counts are pinned here.
 * Counted by wrapping pg's Client.query; background jobs (identity revision polls, the outbox
 * dispatcher) may send a statement during a request, so each figure is the least of a few runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { startServer, type TestServer } from '../helpers/start-server.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.js';

const skip = await postgresSkipReason();
const RUNS = 5;

/**
 * What each request costs today; a change that adds a round trip to a hot path fails here. (The
 * bodies are small, so kept inline in their row: no blob references to count or drop — except
 * 'PutObject (blob)', whose body goes to a blob: its blob is attributed to this gateway by the
 * writer id in its name, and its commit costs one statement more than before fencing, the fence
 * (liveWriters: the writer's registry row, locked FOR SHARE, must not be marked dead). An inline
 * PutObject has no blob, so no fence, and is unchanged.)
 */
const ROUND_TRIPS = { PutObject: 6, 'PutObject (blob)': 8, GetObject: 2, HeadObject: 2, ListObjectsV2: 2, DeleteObject: 5 } as const;
/** Longer than what is stored inline (INLINE_BYTES_MAX). */
const BLOB_BODY = Buffer.alloc(128 * 1024, 'b');

describe('PostgreSQL: round trips per request', { skip }, () => {
  let db: TestDatabase;
  let server: TestServer;
  let s3: S3Client;
  let bucket: string;
  let sent: string[] = [];
  /** The lease each lease statement named ($1). */
  let leaseStatements: string[] = [];
  const query = pg.Client.prototype.query;

  before(async () => {
    db = await createTestDatabase();
    server = await startServer({ metadata: db.url });
    s3 = server.client();
    bucket = await server.newBucket('trips');
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [config] = args as [string | { name?: string; text: string }];
      sent.push(typeof config === 'string' ? config : (config.name ?? config.text));
      const values = (args[1] ?? (typeof config === 'object' ? (config as { values?: unknown[] }).values : undefined)) as unknown[] | undefined;
      if (typeof config === 'object' && /Lease$/.test(config.name ?? '')) leaseStatements.push(`${config.name}(${String(values?.[0])})`);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
  });
  after(async () => {
    pg.Client.prototype.query = query;
    await server?.stop();
    await db?.drop();
  });

  /** The fewest statements `request` sent over RUNS runs (its own, without a background job's). */
  async function roundTrips(request: (run: number) => Promise<unknown>): Promise<{ count: number; statements: string[] }> {
    let best: string[] | undefined;
    for (let run = 0; run < RUNS; run++) {
      sent = [];
      await request(run);
      if (best === undefined || sent.length < best.length) best = sent;
    }
    return { count: best!.length, statements: best! };
  }

  test('PutObject, GetObject, HeadObject, ListObjectsV2, DeleteObject send the statements pinned', async () => {
    const counts: Record<string, { count: number; statements: string[] }> = {
      PutObject: await roundTrips((run) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${run}`, Body: 'data' }))),
      'PutObject (blob)': await roundTrips((run) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `blob${run}`, Body: BLOB_BODY }))),
      GetObject: await roundTrips(async (run) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `k${run}` }))).Body!.transformToString()),
      HeadObject: await roundTrips((run) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `k${run}` }))),
      ListObjectsV2: await roundTrips(() => s3.send(new ListObjectsV2Command({ Bucket: bucket }))),
      DeleteObject: await roundTrips((run) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `k${run}` }))),
    };
    const report = Object.entries(counts).map(([operation, { count, statements }]) => `${operation}: ${count} (${statements.join(' | ')})`);
    console.log(report.join('\n'));
    assert.deepEqual(Object.fromEntries(Object.entries(counts).map(([operation, { count }]) => [operation, count])), ROUND_TRIPS, report.join('\n'));
  });

  test('Idle lifecycle lease: a one-statement peek each second, the lease transaction at most every 10 s', async () => {
    leaseStatements = [];
    await new Promise((resume) => setTimeout(resume, 2500));
    const lifecycle = leaseStatements.filter((statement) => statement.endsWith('(lifecycle)'));
    assert.ok(lifecycle.filter((statement) => statement === 'peekLease(lifecycle)').length >= 2, lifecycle.join(' '));
    assert.ok(lifecycle.filter((statement) => statement === 'lockLease(lifecycle)').length <= 1, lifecycle.join(' '));
  });
});
