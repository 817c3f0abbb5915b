/**
 * `npm run bench:curves` (issue 18 item 6): how Coffer's cost grows
 *  - with object size: GET and PUT of 4 KiB, 64 KiB, 256 KiB, 1 MiB, 8 MiB, 64 MiB — ops/s, MiB/s
 *    and Coffer's CPU per request;
 *  - with bucket size: GET 4 KiB, PUT 4 KiB and one LIST page (ListObjectsV2, max-keys 1000) in a
 *    bucket of 1k, 10k, 100k and 1M keys.
 * Coffer is the built server in a child process, driven by the same load generator as
 * `npm run bench`; each point is the median of BENCH_REPS runs of BENCH_SECONDS.
 *
 * Seeding a million keys through HTTP would take longer than the measurement, so the bucket grows
 * through the metadata store directly: with Coffer stopped, the SQLite database gets copies of one
 * empty object's row (`fill/0000000` …) in one INSERT … SELECT, then Coffer starts again on it. The
 * objects that are read (`real/…`, 4 KiB) were written through HTTP. The copies are listable
 * metadata (same size, ETag, manifest as the empty object), which is what the curve is about.
 *
 * Environment: BENCH_SECONDS (default 1.5), BENCH_REPS (default 3), BENCH_WORKERS (default 2),
 * BENCH_CURVE_SIZES (e.g. "4KiB,1MiB"), BENCH_CURVE_KEYS (e.g. "1000,10000"), BENCH_CURVES
 * ("sizes", "keys" or both, the default), BENCH_DIR, BENCH_RESULTS, BENCH_COFFER_MAIN.
 */
import Database from 'better-sqlite3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBucket, expectStatus } from './lib/features.js';
import { LoadPool } from './lib/load.js';
import {
  cpuPerOp, fmt, KIB, loadAverage, markdownTable, measure, MIB, populate, resultsBase, summarize, type Measurement, type Scenario,
} from './lib/measure.js';
import { startCofferProcess, type ServerProcess } from './lib/servers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const CURVES = process.env.BENCH_CURVES?.split(',') ?? ['sizes', 'keys'];
const BUCKET = 'curve';

const SIZE_NAMES: Record<string, number> = { '4KiB': 4 * KIB, '64KiB': 64 * KIB, '256KiB': 256 * KIB, '1MiB': MIB, '8MiB': 8 * MIB, '64MiB': 64 * MIB };
const SIZES = (process.env.BENCH_CURVE_SIZES?.split(',') ?? Object.keys(SIZE_NAMES)).map((name) => {
  const bytes = SIZE_NAMES[name];
  if (bytes === undefined) throw new Error(`BENCH_CURVE_SIZES: ${name} is not one of ${Object.keys(SIZE_NAMES).join(', ')}`);
  return { name, bytes };
});
const KEY_COUNTS = (process.env.BENCH_CURVE_KEYS?.split(',') ?? ['1000', '10000', '100000', '1000000']).map(Number);
const REAL_KEYS = 1000;

/** Connections and object counts by size: many small requests in flight, one stream of the largest. */
function load(bytes: number): { connections: number; keys: number; maxRequests: number } {
  if (bytes <= 256 * KIB) return { connections: 32, keys: 200, maxRequests: 20_000 };
  if (bytes <= MIB) return { connections: 8, keys: 32, maxRequests: 20_000 };
  if (bytes <= 8 * MIB) return { connections: 4, keys: 8, maxRequests: 1000 };
  return { connections: 1, keys: 2, maxRequests: 8 };
}

async function repeated(pool: LoadPool, coffer: ServerProcess, scenario: Scenario): Promise<Measurement> {
  const reps: Measurement[] = [];
  for (let rep = 0; rep < REPS; rep++) reps.push(await measure(pool, coffer, BUCKET, scenario, rep, SECONDS));
  return summarize(reps);
}

interface SizePoint { size: string; bytes: number; get: Measurement; put: Measurement }

async function sizeCurve(pool: LoadPool, root: string): Promise<SizePoint[]> {
  const coffer = await startCofferProcess(join(root, 'sizes'), [], { main: process.env.BENCH_COFFER_MAIN });
  const points: SizePoint[] = [];
  try {
    await createBucket(coffer, BUCKET);
    for (const { name, bytes } of SIZES) {
      const { connections, keys, maxRequests } = load(bytes);
      const workers = connections === 1 ? 1 : undefined;
      await populate(pool, coffer, BUCKET, `get-${name}/`, keys, bytes);
      const get = await repeated(pool, coffer, { name: `GET ${name}`, kind: 'get', objectBytes: bytes, connections, maxRequests, prefix: `get-${name}/`, keyCount: keys, workers });
      const put = await repeated(pool, coffer, { name: `PUT ${name}`, kind: 'put', objectBytes: bytes, connections, maxRequests, payload: 'unsigned', prefix: `put-${name}/{rep}/`, workers });
      console.log(`- ${name}: GET ${fmt(get.opsPerSec)}/s ${fmt(get.mibPerSec, 1)} MiB/s ${cpuPerOp(get.cpuUsPerOp)}; PUT ${fmt(put.opsPerSec)}/s ${fmt(put.mibPerSec, 1)} MiB/s ${cpuPerOp(put.cpuUsPerOp)}`);
      points.push({ size: name, bytes, get, put });
    }
  } finally {
    await coffer.stop();
  }
  return points;
}

/**
 * Grows the bucket to `total` keys by copying the row of the empty object `fill/template` (see the
 * header). Coffer must be stopped. Returns how long it took.
 */
function seedKeys(dataDir: string, from: number, total: number): number {
  const started = performance.now();
  const db = new Database(join(dataDir, 'metadata.sqlite'));
  try {
    const columns = (db.prepare('PRAGMA table_info(versions)').all() as Array<{ name: string }>).map((c) => c.name).filter((c) => c !== 'seq' && c !== 'key');
    const list = columns.join(', ');
    const { changes } = db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO versions (key, ${list}) SELECT printf('fill/%07d', n.i), ${columns.map((c) => `t.${c}`).join(', ')}
       FROM n, versions t WHERE t.bucket = ? AND t.key = 'fill/template' AND t.is_latest = 1`,
    ).run(from, total, BUCKET);
    if (changes !== total - from) throw new Error(`seeding ${BUCKET}: ${changes} rows inserted, expected ${total - from}`);
  } finally {
    db.close();
  }
  return performance.now() - started;
}

interface KeysPoint { keys: number; seedMs: number; get: Measurement; put: Measurement; list: Measurement }

async function keysCurve(pool: LoadPool, root: string): Promise<KeysPoint[]> {
  const dataDir = join(root, 'keys');
  const points: KeysPoint[] = [];
  let coffer = await startCofferProcess(dataDir, [], { main: process.env.BENCH_COFFER_MAIN });
  let filled = 0;
  try {
    await createBucket(coffer, BUCKET);
    await populate(pool, coffer, BUCKET, 'real/', REAL_KEYS, 4 * KIB);
    await expectStatus(coffer, 200, 'PutObject fill/template', 'PUT', `/${BUCKET}/fill/template`, '', '');
    for (const keys of KEY_COUNTS) {
      let seedMs = 0;
      const target = keys - REAL_KEYS - 1;
      if (target > filled) {
        await coffer.stop();
        seedMs = seedKeys(dataDir, filled, target);
        filled = target;
        coffer = await startCofferProcess(dataDir, [], { main: process.env.BENCH_COFFER_MAIN });
      }
      const get = await repeated(pool, coffer, { name: 'GET 4KiB', kind: 'get', objectBytes: 4 * KIB, connections: 32, maxRequests: 100_000, prefix: 'real/', keyCount: REAL_KEYS });
      const put = await repeated(pool, coffer, { name: 'PUT 4KiB', kind: 'put', objectBytes: 4 * KIB, connections: 32, maxRequests: 20_000, prefix: `put-${keys}/{rep}/` });
      const list = await repeated(pool, coffer, { name: 'LIST 1000', kind: 'list', objectBytes: 0, connections: 1, maxRequests: 5000, prefix: '', keyCount: 1, workers: 1, listQuery: 'list-type=2&max-keys=1000' });
      console.log(`- ${fmt(keys)} keys (seeded in ${fmt(seedMs / 1000, 1)} s): GET ${fmt(get.opsPerSec)}/s ${cpuPerOp(get.cpuUsPerOp)}; PUT ${fmt(put.opsPerSec)}/s ${cpuPerOp(put.cpuUsPerOp)}; LIST p50 ${fmt(list.p50Ms, 2)} ms ${cpuPerOp(list.cpuUsPerOp)}`);
      points.push({ keys, seedMs, get, put, list });
    }
  } finally {
    await coffer.stop();
  }
  return points;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'coffer-curves-'));
  const loadBefore = loadAverage();
  console.log(`Coffer cost curves: medians of ${REPS} runs of ${SECONDS}s, ${WORKERS} load processes; load average ${loadBefore}; data in ${root}`);
  const pool = new LoadPool(WORKERS);
  let sizes: SizePoint[] = [];
  let keys: KeysPoint[] = [];
  try {
    if (CURVES.includes('sizes')) sizes = await sizeCurve(pool, root);
    if (CURVES.includes('keys')) keys = await keysCurve(pool, root);
  } finally {
    pool.close();
    await rm(root, { recursive: true, force: true });
  }
  const loadAfter = loadAverage();
  const sections: string[] = [];
  if (sizes.length > 0) {
    sections.push('By object size:', '', markdownTable(
      ['object size', 'GET ops/s', 'GET MiB/s', 'GET CPU per op', 'PUT ops/s', 'PUT MiB/s', 'PUT CPU per op'],
      sizes.map((p) => [p.size, fmt(p.get.opsPerSec), fmt(p.get.mibPerSec, 1), cpuPerOp(p.get.cpuUsPerOp), fmt(p.put.opsPerSec), fmt(p.put.mibPerSec, 1), cpuPerOp(p.put.cpuUsPerOp)]),
    ), '');
  }
  if (keys.length > 0) {
    sections.push('By bucket size (keys seeded through the metadata store, see bench/curves.ts):', '', markdownTable(
      ['keys in the bucket', 'GET 4 KiB ops/s', 'GET CPU per op', 'PUT 4 KiB ops/s', 'PUT CPU per op', 'LIST 1000 p50 ms', 'LIST CPU per page'],
      keys.map((p) => [fmt(p.keys), fmt(p.get.opsPerSec), cpuPerOp(p.get.cpuUsPerOp), fmt(p.put.opsPerSec), cpuPerOp(p.put.cpuUsPerOp), fmt(p.list.p50Ms, 2), cpuPerOp(p.list.cpuUsPerOp)]),
    ), '');
  }
  sections.push(`Medians of ${REPS} runs of ${SECONDS} s; load average ${loadBefore} before, ${loadAfter} after.`, '');
  const markdown = sections.join('\n');
  console.log(`\n${markdown}`);
  const base = await resultsBase('curves');
  await writeFile(`${base}.json`, JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, reps: REPS, workers: WORKERS, loadAverage: { before: loadBefore, after: loadAfter }, sizes, keys }, null, 2));
  await writeFile(`${base}.md`, markdown);
  console.log(`JSON: ${base}.json\nMarkdown: ${base}.md`);
}

await main();
