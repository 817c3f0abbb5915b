import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { errorHeaders } from './helpers.js';
import { prng } from '../../helpers/prng.js';

/** S3's versioning semantics, written down independently of Coffer: versions per key, newest first. */
interface ModelVersion {
  readonly id: string;
  readonly marker: boolean;
  readonly body: string;
}
type State = 'Unversioned' | 'Enabled' | 'Suspended';

const SEED = Number(process.env.VERSIONING_MODEL_SEED ?? 20240605);
const STEPS = Number(process.env.VERSIONING_MODEL_STEPS ?? 300);
const KEYS = ['a', 'b', 'dir/c', 'dir/d'];

describe('versioning model', () => {
  let server: TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer();
    s3 = server.client();
  });
  after(() => server.stop());

  test(`Versioning.randomOperationsMatchModel (seed ${SEED}, ${STEPS} steps)`, async () => {
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const bucket = uniqueBucket('model');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const reader = await server.openMetadataStore();
    let state: State = 'Unversioned';
    const model = new Map<string, ModelVersion[]>(KEYS.map((k) => [k, []]));
    const log: string[] = [];
    const where = () => `seed ${SEED}, step ${log.length}: ${log.slice(-8).join(' | ')}`;

    const dropNull = (versions: ModelVersion[]) => versions.filter((v) => v.id !== 'null');

    async function checkKey(key: string, allVersions: boolean) {
      const versions = model.get(key)!;
      const latest = versions[0];
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const body = await out.Body!.transformToString();
        assert.ok(latest && !latest.marker, `GET ${key} succeeded but the model has ${latest ? 'a marker' : 'nothing'}; ${where()}`);
        assert.equal(body, latest.body, where());
        assert.equal(out.VersionId, state === 'Unversioned' ? undefined : latest.id, where());
      } catch (error) {
        if ((error as { name?: string }).name === 'AssertionError') throw error;
        assert.equal((error as { name?: string }).name, 'NoSuchKey', `GET ${key}: ${(error as Error).message}; ${where()}`);
        assert.ok(!latest || latest.marker, `GET ${key} 404 but the model has an object; ${where()}`);
        assert.equal(errorHeaders(error)['x-amz-delete-marker'], latest ? 'true' : undefined, where());
        if (latest) assert.equal(errorHeaders(error)['x-amz-version-id'], latest.id, where());
      }
      if (!allVersions) return;
      for (const v of versions) {
        try {
          const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: v.id }));
          assert.equal(await out.Body!.transformToString(), v.body, where());
          assert.ok(!v.marker, `GET ${key}@${v.id} is a marker in the model; ${where()}`);
        } catch (error) {
          if ((error as { name?: string }).name === 'AssertionError') throw error;
          assert.ok(v.marker, `GET ${key}@${v.id}: ${(error as Error).message}; ${where()}`);
          assert.equal((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 405, where());
        }
      }
    }

    async function checkListing(exactOrder: boolean) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      assert.equal(page.IsTruncated, false);
      const expected = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      const fmt = (key: string, v: { id: string; latest: boolean }) => `${key}@${v.id}${v.latest ? '*' : ''}`;
      const wantVersions = expected.flatMap(([k, vs]) => vs.map((v, i) => ({ v, i, k })).filter((x) => !x.v.marker).map((x) => fmt(x.k, { id: x.v.id, latest: x.i === 0 })));
      const wantMarkers = expected.flatMap(([k, vs]) => vs.map((v, i) => ({ v, i, k })).filter((x) => x.v.marker).map((x) => fmt(x.k, { id: x.v.id, latest: x.i === 0 })));
      assert.deepEqual((page.Versions ?? []).map((v) => fmt(v.Key!, { id: v.VersionId!, latest: v.IsLatest! })), wantVersions, where());
      assert.deepEqual((page.DeleteMarkers ?? []).map((m) => fmt(m.Key!, { id: m.VersionId!, latest: m.IsLatest! })), wantMarkers, where());
      // ListObjects' source: latest, non-deleted versions only, through the partial index.
      const visible = await reader.listObjects(bucket, { prefix: '', delimiter: '', after: '', limit: 1000 });
      assert.deepEqual(
        visible.entries.map((e) => (e.kind === 'object' ? `${e.version.key}@${e.version.versionId}` : e.prefix)),
        expected.filter(([, vs]) => vs[0] && !vs[0].marker).map(([k, vs]) => `${k}@${vs[0].id}`),
        where(),
      );
      if (!exactOrder) return;
      // Pages of one entry give the exact interleaving of versions and markers.
      const walked: string[] = [];
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      for (;;) {
        const one = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1, KeyMarker, VersionIdMarker }));
        const entry = one.Versions?.[0] ?? one.DeleteMarkers?.[0];
        if (entry) walked.push(`${entry.Key}@${entry.VersionId}`);
        if (!one.IsTruncated) break;
        KeyMarker = one.NextKeyMarker;
        VersionIdMarker = one.NextVersionIdMarker;
      }
      assert.deepEqual(walked, expected.flatMap(([k, vs]) => vs.map((v) => `${k}@${v.id}`)), where());
    }

    for (let step = 1; step <= STEPS; step++) {
      const r = random();
      const key = pick(KEYS);
      const versions = model.get(key)!;
      if (r < 0.38) {
        const body = `step-${step}`;
        const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        log.push(`put ${key} (${state}) → ${out.VersionId}`);
        if (state === 'Enabled') {
          assert.match(out.VersionId ?? '', /^[A-Za-z0-9_-]{32}$/, where());
          model.set(key, [{ id: out.VersionId!, marker: false, body }, ...versions]);
        } else {
          assert.equal(out.VersionId, undefined, where());
          model.set(key, [{ id: 'null', marker: false, body }, ...dropNull(versions)]);
        }
      } else if (r < 0.6) {
        const out = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        log.push(`delete ${key} (${state}) → ${out.VersionId} marker=${out.DeleteMarker}`);
        if (state === 'Unversioned') {
          assert.equal(out.VersionId, undefined, where());
          assert.equal(out.DeleteMarker, undefined, where());
          model.set(key, dropNull(versions));
        } else if (state === 'Enabled') {
          assert.equal(out.DeleteMarker, true, where());
          assert.match(out.VersionId ?? '', /^[A-Za-z0-9_-]{32}$/, where());
          model.set(key, [{ id: out.VersionId!, marker: true, body: '' }, ...versions]);
        } else {
          assert.equal(out.DeleteMarker, true, where());
          assert.equal(out.VersionId, 'null', where());
          model.set(key, [{ id: 'null', marker: true, body: '' }, ...dropNull(versions)]);
        }
      } else if (r < 0.82) {
        // Mostly a version that exists; sometimes one that does not.
        const target = versions.length > 0 && random() < 0.85 ? pick(versions) : undefined;
        const id = target?.id ?? (random() < 0.5 ? 'null' : 'Z'.repeat(32));
        const out = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: id }));
        log.push(`delete-version ${key}@${id} → marker=${out.DeleteMarker}`);
        assert.equal(out.VersionId, id, where());
        const removed = versions.find((v) => v.id === id);
        assert.equal(out.DeleteMarker, removed?.marker ? true : undefined, where());
        model.set(key, versions.filter((v) => v.id !== id));
      } else if (r < 0.91) {
        await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
        state = 'Enabled';
        log.push('enable');
      } else {
        await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }));
        state = 'Suspended';
        log.push('suspend');
      }
      await checkKey(key, true);
      await checkListing(step % 25 === 0 || step === STEPS);
      if (step % 25 === 0) for (const k of KEYS) await checkKey(k, true);
    }
    await reader.close();
    if (process.env.VERSIONING_MODEL_DEBUG) console.log([...model].map(([k, vs]) => `${k}:${vs.length}`).join(' '), log.filter((l) => l === 'enable' || l === 'suspend').length);
    // The run must have exercised every state and kept some history.
    assert.ok([...model.values()].some((vs) => vs.length >= 3), 'model kept no history');
  });
});
