/**
 * What the disk allows, measured in the same run as the servers (run.ts forks this with a
 * directory on the data disk); prints one JSON object.
 *  - createFsync{1,32}PerSec: small-file durability as Coffer's blob store does it — open a temp
 *    file, write 4 KiB, fsync, close, rename into a folder, fsync the folder — one at a time and
 *    32 in flight.
 *  - write{Plain,Md5,Md5Sha256}MiBps: a 64 MiB file written sequentially in 1 MiB chunks while
 *    hashing (as a simple server would), fsynced at the end.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.argv[2]!;
const budgetMs = Number(process.argv[3] ?? 1500);
const SMALL = randomBytes(4096);
const CHUNK_BYTES = 1 << 20;
const BIG_BYTES = 64 << 20;

async function syncDir(path: string): Promise<void> {
  const h = await open(path, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function createFsyncRate(concurrency: number): Promise<number> {
  const tmp = join(dir, `tmp-${concurrency}`);
  const final = join(dir, `files-${concurrency}`);
  await mkdir(tmp, { recursive: true });
  await mkdir(final, { recursive: true });
  let n = 0;
  const start = performance.now();
  const deadline = start + budgetMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && n < 50_000) {
        const name = `f${n++}`;
        const h = await open(join(tmp, name), 'wx', 0o600);
        try {
          await h.write(SMALL);
          await h.sync();
        } finally {
          await h.close();
        }
        await rename(join(tmp, name), join(final, name));
        await syncDir(final);
      }
    }),
  );
  const rate = n / ((performance.now() - start) / 1000);
  await rm(tmp, { recursive: true, force: true });
  await rm(final, { recursive: true, force: true });
  return rate;
}

async function sequentialWrite(algorithms: readonly string[]): Promise<number> {
  const data = randomBytes(BIG_BYTES);
  const path = join(dir, `seq-${algorithms.join('-') || 'plain'}`);
  const start = performance.now();
  const hashes = algorithms.map((a) => createHash(a));
  const h = await open(path, 'w', 0o600);
  try {
    for (let off = 0; off < data.length; off += CHUNK_BYTES) {
      const chunk = data.subarray(off, off + CHUNK_BYTES);
      for (const hash of hashes) hash.update(chunk);
      await h.write(chunk);
    }
    await h.sync();
  } finally {
    await h.close();
  }
  for (const hash of hashes) hash.digest();
  const mibps = BIG_BYTES / (1 << 20) / ((performance.now() - start) / 1000);
  await rm(path, { force: true });
  return mibps;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

await mkdir(dir, { recursive: true });
const runs: Record<string, number[]> = { createFsync1PerSec: [], createFsync32PerSec: [], writePlainMiBps: [], writeMd5MiBps: [], writeMd5Sha256MiBps: [] };
for (let i = 0; i < 3; i++) {
  runs.createFsync1PerSec!.push(await createFsyncRate(1));
  runs.createFsync32PerSec!.push(await createFsyncRate(32));
  runs.writePlainMiBps!.push(await sequentialWrite([]));
  runs.writeMd5MiBps!.push(await sequentialWrite(['md5']));
  runs.writeMd5Sha256MiBps!.push(await sequentialWrite(['md5', 'sha256']));
}
const result = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
process.stdout.write(JSON.stringify({ ...result, runs }) + '\n');
