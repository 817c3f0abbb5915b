/**
 * Listing cost: `node --import tsx bench/listing.ts [keys] [prefixes] [rounds]`
 * (default 100,000 keys; 1,000 prefixes; median of 15 rounds per figure).
 *
 * Two buckets of the same size in one SQLite metadata file on disk:
 *   tree — `p0000/k00000` …: `keys / prefixes` keys under each of `prefixes` common prefixes
 *   flat — `k000000` …: no delimiter in any key
 * and the time of one 1,000-entry delimiter ('/') page of each: in the store (MetadataStore
 * .listObjects) and end to end (ListObjectsV2 through the JS SDK against a Coffer on that data
 * dir). The tree page is 1,000 CommonPrefixes, each of which hides 100 keys the walk must seek
 * past; the flat page is 1,000 keys read in order. O(page) listing makes them comparable.
 *
 * The keys are written straight through the MetadataStore (zero-byte objects, one group commit
 * per 5,000): 200,000 PUTs over HTTP would take many minutes on a 2-core box and would measure
 * PutObject, not listing. Listing reads only metadata, so the pages are what PUTs would give.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startCoffer } from '../src/coffer.js';
import { SqliteMetadataStore } from '../src/store/meta/sqlite/sqlite-store.js';
import type { MetadataStore } from '../src/store/meta/metadata-store.js';

const keyCount = Number(process.argv[2] ?? 100_000);
const prefixCount = Number(process.argv[3] ?? 1_000);
const rounds = Number(process.argv[4] ?? 15);
const KEYS = { accessKeyId: 'AKIACOFFERBENCHLIST1', secretAccessKey: 'bench/listing/secret/0123456789abcdefghij' };
const OWNER = 'c'.repeat(64);

async function populate(store: MetadataStore, bucket: string, keys: string[], ownerId: string): Promise<void> {
  await store.createBucket({ name: bucket, ownerId, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
  for (let i = 0; i < keys.length; i += 5000) {
    await Promise.all(
      keys.slice(i, i + 5000).map((key) =>
        store.putVersion({
          bucket, key, versionId: 'null', isDeleteMarker: false, size: 0, etag: 'd41d8cd98f00b204e9800998ecf8427e',
          lastModified: new Date(), ownerId, headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest: [],
        }),
      ),
    );
  }
}

async function median(run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const perPrefix = Math.ceil(keyCount / prefixCount);
const treeKeys = Array.from({ length: keyCount }, (_, i) => `p${String(Math.floor(i / perPrefix)).padStart(4, '0')}/k${String(i).padStart(6, '0')}`);
const flatKeys = Array.from({ length: keyCount }, (_, i) => `k${String(i).padStart(6, '0')}`);

const dataDir = await mkdtemp(join(tmpdir(), 'coffer-bench-listing-'));
try {
  // The server's root user owns the buckets: start once to create its identity, then populate.
  const first = await startCoffer({ dataDir, port: 0, ...KEYS });
  const ownerId = first.rootUser.id ?? OWNER;
  await first.close();

  const store = new SqliteMetadataStore({ path: join(dataDir, 'metadata.sqlite') });
  let start = performance.now();
  await populate(store, 'tree', treeKeys, ownerId);
  await populate(store, 'flat', flatKeys, ownerId);
  console.log(`populated 2 × ${keyCount} keys in ${((performance.now() - start) / 1000).toFixed(1)} s`);

  const page = (bucket: string, delimiter: string) => () => store.listObjects(bucket, { prefix: '', delimiter, after: '', limit: 1000 });
  const check = await page('tree', '/')();
  console.log(`tree page: ${check.entries.length} entries, ${check.entries.filter((e) => e.kind === 'prefix').length} CommonPrefixes, truncated=${check.isTruncated}`);
  const results: Array<[string, number]> = [
    ['store  tree  delimiter=/ (1,000 CommonPrefixes)', await median(page('tree', '/'))],
    ['store  flat  delimiter=/ (1,000 keys)', await median(page('flat', '/'))],
    ['store  tree  no delimiter (1,000 keys)', await median(page('tree', ''))],
  ];
  await store.close();

  const coffer = await startCoffer({ dataDir, port: 0, ...KEYS });
  const client = new S3Client({ endpoint: coffer.endpoint, region: coffer.region, forcePathStyle: true, credentials: KEYS });
  const http = (bucket: string) => () => client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
  results.push(['HTTP   tree  delimiter=/ (1,000 CommonPrefixes)', await median(http('tree'))]);
  results.push(['HTTP   flat  delimiter=/ (1,000 keys)', await median(http('flat'))]);
  // A later page: after 99 % of the tree bucket, still one page of work.
  const late = () => client.send(new ListObjectsV2Command({ Bucket: 'tree', Delimiter: '/', StartAfter: `p${String(prefixCount - 10).padStart(4, '0')}/` }));
  results.push(['HTTP   tree  delimiter=/ start-after near the end', await median(late)]);
  client.destroy();
  await coffer.close();

  console.log(`\n${keyCount} keys per bucket, ${prefixCount} prefixes × ${perPrefix} keys in tree; median of ${rounds} rounds`);
  for (const [name, ms] of results) console.log(`${name.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms`);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
