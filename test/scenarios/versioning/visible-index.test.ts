import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CreateBucketCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TEST_METADATA, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

/**
 * ListObjects over a versioned bucket must cost O(page), not O(versions): the SQLite store reads
 * latest, non-deleted rows from the partial index `visible_objects` (forced with INDEXED BY, so
 * a statement that could not use it would fail to prepare). These tests pin both halves: the
 * plan is an index range search with no sort, and hidden versions never reach a page.
 */
describe('ListObjects over versions', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  test('ListObjects.visibleIndexPlanIsRangeSearch', { skip: TEST_METADATA === 'postgres' && 'a SQLite query plan: the server runs on PostgreSQL' }, () => {
    const db = new Database(join(server.dataDir, 'metadata.sqlite'), { readonly: true });
    try {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN SELECT * FROM versions INDEXED BY visible_objects
          WHERE bucket = ? AND key > ? AND is_latest = 1 AND is_delete_marker = 0 ORDER BY key LIMIT ?`)
        .all('b', '', 10) as { detail: string }[];
      const details = plan.map((row) => row.detail).join('; ');
      assert.match(details, /SEARCH versions USING INDEX visible_objects \(bucket=\? AND key>\?\)/);
      assert.doesNotMatch(details, /TEMP B-TREE/);
    } finally {
      db.close();
    }
  });

  test('ListObjects.hidesOlderVersionsAndDeleteMarkers', async () => {
    const bucket = uniqueBucket('visible');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    for (const key of ['a', 'b', 'c', 'd']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '1' }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '2' }));
    }
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'b' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'never-existed' }));
    const store = await server.openMetadataStore();
    try {
      const page1 = await store.listObjects(bucket, { prefix: '', delimiter: '', after: '', limit: 2 });
      assert.deepEqual(page1.entries.map((e) => (e.kind === 'object' ? [e.version.key, e.version.isLatest, e.version.size] : e.prefix)), [['a', true, 1], ['c', true, 1]]);
      assert.equal(page1.isTruncated, true);
      const page2 = await store.listObjects(bucket, { prefix: '', delimiter: '', after: 'c', limit: 2 });
      assert.deepEqual(page2.entries.map((e) => (e.kind === 'object' ? e.version.key : e.prefix)), ['d']);
      assert.equal(page2.isTruncated, false);
    } finally {
      await store.close();
    }
  });
});
