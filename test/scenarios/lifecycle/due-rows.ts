/**
 * A lifecycle pass over a large bucket in which 1 % of the objects are due: the store is filled
 * through the MetadataStore API (in-memory SQLite), then one pass runs and reports how many rows
 * it read. Shared by the scenario test (50,000 objects) and `npm run bench:lifecycle` (1,000,000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLifecyclePass, type LifecyclePassStats } from '../../../src/jobs/lifecycle/executor.js';
import { FsBlobStore } from '../../../src/store/blob/fs-blob-store.js';
import type { NewVersion } from '../../../src/store/meta/metadata-store.js';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';

const DAY_MS = 86_400_000;
const OWNER = 'a'.repeat(64);
const INSERT_BATCH = 2000;

export interface DueRowsResult {
  readonly objects: number;
  readonly due: number;
  readonly fillMs: number;
  readonly passMs: number;
  readonly stats: LifecyclePassStats;
}

/**
 * `objects` keys: every 100th is under logs/ and 40 days old (due under "expire logs/ after 30
 * days"); the rest are under logs/ but new, or old but elsewhere — neither due.
 */
export async function measureDueRows(objects: number): Promise<DueRowsResult> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-lifecycle-scale-'));
  const meta = new SqliteMetadataStore({ path: ':memory:' });
  const blobs = await FsBlobStore.open(dir);
  try {
    const now = Date.now();
    await meta.createBucket({ name: 'big', ownerId: OWNER, createdAt: new Date(now), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
    const filling = Date.now();
    let due = 0;
    for (let start = 0; start < objects; start += INSERT_BATCH) {
      const writes: Promise<unknown>[] = [];
      for (let i = start; i < Math.min(objects, start + INSERT_BATCH); i++) {
        const isDue = i % 100 === 0;
        if (isDue) due++;
        // Not due: half are new logs, half are old objects outside logs/.
        const key = isDue || i % 2 === 0 ? `logs/${String(i).padStart(8, '0')}` : `data/${String(i).padStart(8, '0')}`;
        const age = isDue || !key.startsWith('logs/') ? 40 * DAY_MS : DAY_MS;
        writes.push(meta.putVersion(objectVersion(key, new Date(now - age), i)));
      }
      await Promise.all(writes);
    }
    const fillMs = Date.now() - filling;
    await meta.putBucketConfig('big', 'lifecycle', JSON.stringify({
      rules: [{ id: 'logs', status: 'Enabled', filter: { form: 'filter', prefix: 'logs/', tags: [] }, expiration: { days: 30 }, transitions: [], noncurrentVersionTransitions: [] }],
      transitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
    }));
    const passing = Date.now();
    const stats = await runLifecyclePass({ meta, blobs, dayMs: DAY_MS, pageSize: 1000 });
    return { objects, due, fillMs, passMs: Date.now() - passing, stats };
  } finally {
    await meta.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function objectVersion(key: string, lastModified: Date, n: number): NewVersion {
  return {
    bucket: 'big', key, versionId: 'null', isDeleteMarker: false, size: 1, etag: 'c4ca4238a0b923820dcc509a6f75849b', lastModified,
    ownerId: OWNER, headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [],
    manifest: [{ blobId: n.toString(16).padStart(32, '0'), offset: 0, length: 1 }],
  };
}
