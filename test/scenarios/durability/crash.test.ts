/**
 * Crash consistency: the real server (a child process) runs a concurrent workload, is SIGKILLed at
 * a random moment, and is restarted on the same data dir; then everything acknowledged must be
 * there, exactly, and nothing else may be left behind.
 *
 * SIGKILL ends the process but not the machine: the page cache survives, so written-but-unsynced
 * data is not lost. This tests atomicity and recovery (write protocol, start-up collection,
 * metadata transactions), not durability against power loss (fsync), which no test in-process can.
 *
 * The workload is sequential per worker and each worker owns its keys, so for every key the order
 * of its operations is known, and at the kill each worker has at most one request in flight whose
 * outcome is unknown: the state after restart must be the state after the last acknowledged
 * operation, or the state after the one in flight.
 *
 * COFFER_CRASH_SEED=<n> replays a run's choices (the kill moment still depends on timing);
 * COFFER_CRASH_ROUNDS=<n> runs more rounds (`npm run crash`: 100) than CI's short version.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startChildServer, type ChildServer } from '../../helpers/child-server.js';
import { prng } from '../../helpers/prng.js';
import { ROOT_KEYS } from '../../helpers/start-server.js';
import { decodeManifest } from '../../../src/store/meta/sqlite/rows.js';
import { blobIdsOf } from '../../../src/store/meta/metadata-store.js';

const ROUNDS = Number(process.env.COFFER_CRASH_ROUNDS ?? 4);
/** A restart (start-up collection included) can take long on a loaded machine. */
const START_TIMEOUT_MS = 120_000;
const WORKERS = 8;
const KEYS_PER_WORKER = 3;
const MiB = 1024 * 1024;
const PLAIN = 'crash-plain';
const VERSIONED = 'crash-versioned';

const seed = Number(process.env.COFFER_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

// ---- contents: derived from a tag (key + generation + part), so they can be regenerated ----

interface Piece { readonly tag: string; readonly size: number }
type Content = readonly Piece[];

function pieceBytes(piece: Piece): Buffer {
  const out = Buffer.alloc(piece.size);
  const head = Buffer.from(`${piece.tag}\n`);
  head.copy(out, 0, 0, Math.min(head.length, out.length));
  let x = createHash('md5').update(piece.tag).digest().readUInt32LE(0) || 1;
  for (let i = head.length; i + 4 <= out.length; i += 4) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out;
}
const bytesOf = (content: Content) => Buffer.concat(content.map(pieceBytes));
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const quoted = (hex: string) => `"${hex}"`;
function multipartEtag(content: Content): string {
  const digests = content.map((p) => createHash('md5').update(pieceBytes(p)).digest());
  return quoted(`${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${content.length}`);
}

// ---- the model of what was acknowledged ----

/** An object's bytes (as pieces), ETag and tag set (`k=v&…` in key order, '' for none). */
interface Stored { readonly content: Content; readonly etag: string; readonly tags: string }
interface Version { readonly versionId: string; readonly marker: boolean; readonly stored?: Stored }
interface OpenUpload { readonly uploadId: string; readonly key: string; readonly tags: string; readonly parts: Map<number, { piece: Piece; etag: string }> }

/** What a worker's unanswered request would have changed, had it committed. */
type InFlight =
  | { kind: 'plain'; key: string; next: Stored | undefined; completes?: string }
  | { kind: 'version'; key: string; next: { marker: boolean; stored?: Stored } }
  | { kind: 'dropVersion'; key: string; versionId: string }
  | { kind: 'versionTags'; key: string; versionId: string; tags: string }
  | { kind: 'createUpload'; key: string }
  | { kind: 'part'; uploadId: string; partNumber: number; piece: Piece; etag: string }
  | { kind: 'abort'; uploadId: string };

interface WorkerModel {
  readonly id: number;
  readonly plain: Map<string, Stored | undefined>;
  readonly versions: Map<string, Version[]>;
  readonly uploads: Map<string, OpenUpload>;
  inFlight?: InFlight;
  gen: number;
}

const plainKeys = (w: number) => Array.from({ length: KEYS_PER_WORKER }, (_, j) => `w${w}/k${j}`);
const versionedKeys = (w: number) => Array.from({ length: KEYS_PER_WORKER }, (_, j) => `w${w}/v${j}`);

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function clientFor(server: ChildServer): S3Client {
  return new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: ROOT_KEYS, maxAttempts: 1 });
}

async function start(dataDir: string): Promise<ChildServer> {
  return startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir], {
    COFFER_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId,
    COFFER_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey,
  }, { startTimeoutMs: START_TIMEOUT_MS });
}

test(`Crash.SIGKILL during a concurrent workload, ${ROUNDS} rounds: every acknowledged write survives exactly; nothing half-done is visible or left behind (seed ${seed})`, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-crash-'));
  dirs.push(dataDir);
  const random = prng(seed);
  const workers: WorkerModel[] = Array.from({ length: WORKERS }, (_, id) => ({
    id, plain: new Map(), versions: new Map(), uploads: new Map(), gen: 0,
  }));
  const stats = { acked: 0, unknown: 0, applied: 0 };
  const restartMs: number[] = [];

  let server = await start(dataDir);
  let s3 = clientFor(server);
  // A failed assertion must not leave the server running (its pipes would keep this file alive).
  t.after(() => void server.stop('SIGKILL'));
  await s3.send(new CreateBucketCommand({ Bucket: PLAIN }));
  await s3.send(new CreateBucketCommand({ Bucket: VERSIONED }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Enabled' } }));

  for (let round = 0; round < ROUNDS; round++) {
    const runMs = 700 + Math.floor(random() * 2300);
    const state = { killed: false };
    const failures: string[] = [];
    const loops = workers.map((w) => runWorker(s3, w, prng(Math.floor(random() * 2 ** 31)), state, failures, stats));
    await new Promise((r) => setTimeout(r, runMs));
    state.killed = true;
    await server.stop('SIGKILL');
    await Promise.all(loops);
    s3.destroy();
    assert.deepEqual(failures, [], `round ${round} (seed ${seed}): requests refused before the kill`);

    const restartAt = Date.now();
    server = await start(dataDir);
    restartMs.push(Date.now() - restartAt);
    s3 = clientFor(server);
    await checkDataDir(dataDir, `after round ${round} (seed ${seed})`);
    await verify(s3, workers, `round ${round} (seed ${seed})`, stats);
  }
  s3.destroy();
  assert.equal(await server.stop('SIGTERM'), 0);
  await checkDataDir(dataDir, `after a clean stop (seed ${seed})`);
  t.diagnostic(`${ROUNDS} rounds: acknowledged ${stats.acked}, unanswered at a kill ${stats.unknown}, of which found applied ${stats.applied}`);
  const sorted = restartMs.sort((a, b) => a - b);
  t.diagnostic(`restart to serving: median ${sorted[sorted.length >> 1]} ms, max ${sorted[sorted.length - 1]} ms`);
  assert.ok(stats.acked > 50, `the workload did something: ${JSON.stringify(stats)}`);
});

// ---- the workload ----

async function runWorker(
  s3: S3Client, w: WorkerModel, random: () => number, state: { killed: boolean }, failures: string[], stats: { acked: number; unknown: number },
): Promise<void> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const size = () => (random() < 0.1 ? Math.floor(random() * 2 * MiB) : Math.floor(random() * 64 * 1024));
  const tag = (key: string, part = 0) => `${key}#${w.id}.${++w.gen}.${part}`;
  /** A tag set for a write: none half of the time, else one or two tags naming this generation. */
  const tagSet = (): string => {
    if (random() < 0.5) return '';
    const set = [`g=${w.gen}`];
    if (random() < 0.5) set.push(`w=${w.id}`);
    return set.join('&');
  };
  const tagging = (tags: string) => (tags === '' ? undefined : tags);

  const step = async (): Promise<void> => {
    const roll = random();
    if (roll < 0.3) {
      // PutObject (a fresh key or an overwrite)
      const key = pick(plainKeys(w.id));
      const content = [{ tag: tag(key), size: size() }];
      const stored = { content, etag: quoted(md5(bytesOf(content))), tags: tagSet() };
      w.inFlight = { kind: 'plain', key, next: stored };
      const out = await s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: key, Body: bytesOf(content), Tagging: tagging(stored.tags) }));
      assert.equal(out.ETag, stored.etag);
      w.plain.set(key, stored);
    } else if (roll < 0.34) {
      // PutObjectTagging on an existing object: replaces its tag set, bytes untouched
      const keys = plainKeys(w.id).filter((k) => w.plain.get(k));
      if (keys.length === 0) return;
      const key = pick(keys);
      ++w.gen;
      const next = { ...w.plain.get(key)!, tags: tagSet() };
      w.inFlight = { kind: 'plain', key, next };
      await s3.send(new PutObjectTaggingCommand({ Bucket: PLAIN, Key: key, Tagging: { TagSet: tagList(next.tags) } }));
      w.plain.set(key, next);
    } else if (roll < 0.4) {
      const key = pick(plainKeys(w.id));
      w.inFlight = { kind: 'plain', key, next: undefined };
      await s3.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: key }));
      w.plain.set(key, undefined);
    } else if (roll < 0.48) {
      // CopyObject between two of this worker's keys
      const sources = plainKeys(w.id).filter((k) => w.plain.get(k));
      if (sources.length === 0) return;
      const from = pick(sources);
      const to = pick(plainKeys(w.id).filter((k) => k !== from));
      const source = w.plain.get(from)!;
      // The copy is a single-part object: its ETag is the MD5 of the bytes, whatever the source's.
      // The tags come along (TaggingDirective COPY, the default).
      const copied = { content: source.content, etag: quoted(md5(bytesOf(source.content))), tags: source.tags };
      w.inFlight = { kind: 'plain', key: to, next: copied };
      const out = await s3.send(new CopyObjectCommand({ Bucket: PLAIN, Key: to, CopySource: `${PLAIN}/${encodeURIComponent(from)}` }));
      assert.equal(out.CopyObjectResult?.ETag, copied.etag);
      w.plain.set(to, copied);
    } else if (roll < 0.68) {
      // PutObject into the versioned bucket
      const key = pick(versionedKeys(w.id));
      const content = [{ tag: tag(key), size: size() }];
      const stored = { content, etag: quoted(md5(bytesOf(content))), tags: tagSet() };
      w.inFlight = { kind: 'version', key, next: { marker: false, stored } };
      const out = await s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: key, Body: bytesOf(content), Tagging: tagging(stored.tags) }));
      assert.equal(out.ETag, stored.etag);
      assert.ok(out.VersionId);
      versionsOf(w, key).push({ versionId: out.VersionId, marker: false, stored });
    } else if (roll < 0.71) {
      // PutObjectTagging on one version (not necessarily the latest)
      const key = pick(versionedKeys(w.id));
      const versions = versionsOf(w, key).filter((v) => !v.marker);
      if (versions.length === 0) return;
      const target = pick(versions);
      ++w.gen;
      const tags = tagSet();
      w.inFlight = { kind: 'versionTags', key, versionId: target.versionId, tags };
      await s3.send(new PutObjectTaggingCommand({ Bucket: VERSIONED, Key: key, VersionId: target.versionId, Tagging: { TagSet: tagList(tags) } }));
      versionsOf(w, key)[versionsOf(w, key).indexOf(target)] = { ...target, stored: { ...target.stored!, tags } };
    } else if (roll < 0.76) {
      // DeleteObject in the versioned bucket: a delete marker
      const key = pick(versionedKeys(w.id));
      w.inFlight = { kind: 'version', key, next: { marker: true } };
      const out = await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: key }));
      assert.equal(out.DeleteMarker, true);
      versionsOf(w, key).push({ versionId: out.VersionId!, marker: true });
    } else if (roll < 0.8) {
      // DeleteObject of one version: gone for good
      const key = pick(versionedKeys(w.id));
      const versions = versionsOf(w, key);
      if (versions.length === 0) return;
      const victim = pick(versions);
      w.inFlight = { kind: 'dropVersion', key, versionId: victim.versionId };
      await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: key, VersionId: victim.versionId }));
      versions.splice(versions.indexOf(victim), 1);
    } else if (roll < 0.84 && w.uploads.size > 0) {
      const upload = pick([...w.uploads.values()]);
      w.inFlight = { kind: 'abort', uploadId: upload.uploadId };
      await s3.send(new AbortMultipartUploadCommand({ Bucket: PLAIN, Key: upload.key, UploadId: upload.uploadId }));
      w.uploads.delete(upload.uploadId);
    } else {
      // A multipart upload: 1–3 parts (all but the last 5 MiB); mostly completed, sometimes left open.
      const key = pick(plainKeys(w.id));
      const tags = tagSet();
      w.inFlight = { kind: 'createUpload', key };
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: PLAIN, Key: key, Tagging: tagging(tags) }));
      const upload: OpenUpload = { uploadId: created.UploadId!, key, tags, parts: new Map() };
      w.uploads.set(upload.uploadId, upload);
      w.inFlight = undefined;
      stats.acked++;
      const count = random() < 0.6 ? 1 : random() < 0.8 ? 2 : 3;
      for (let n = 1; n <= count; n++) {
        if (state.killed) return;
        const piece = { tag: tag(key, n), size: n < count ? 5 * MiB : size() };
        const etag = quoted(md5(pieceBytes(piece)));
        w.inFlight = { kind: 'part', uploadId: upload.uploadId, partNumber: n, piece, etag };
        const out = await s3.send(new UploadPartCommand({ Bucket: PLAIN, Key: key, UploadId: upload.uploadId, PartNumber: n, Body: pieceBytes(piece) }));
        assert.equal(out.ETag, etag);
        upload.parts.set(n, { piece, etag });
        w.inFlight = undefined;
        stats.acked++;
      }
      if (random() < 0.15 || state.killed) return; // left open
      const content = [...upload.parts.values()].map((p) => p.piece);
      const stored = { content, etag: multipartEtag(content), tags: upload.tags };
      w.inFlight = { kind: 'plain', key, next: stored, completes: upload.uploadId };
      const out = await s3.send(new CompleteMultipartUploadCommand({
        Bucket: PLAIN, Key: key, UploadId: upload.uploadId,
        MultipartUpload: { Parts: [...upload.parts].map(([PartNumber, p]) => ({ PartNumber, ETag: p.etag })) },
      }));
      assert.equal(out.ETag, stored.etag);
      w.plain.set(key, stored);
      w.uploads.delete(upload.uploadId);
    }
    w.inFlight = undefined;
    stats.acked++;
  };

  while (!state.killed) {
    try {
      await step();
    } catch (error) {
      if (!state.killed) {
        failures.push(`worker ${w.id}: ${JSON.stringify(w.inFlight)}: ${(error as Error).name}: ${(error as Error).message}`);
        return;
      }
      stats.unknown++;
      return; // the request in flight at the kill stays in w.inFlight: its outcome is unknown
    }
  }
}

function versionsOf(w: WorkerModel, key: string): Version[] {
  let list = w.versions.get(key);
  if (!list) w.versions.set(key, (list = []));
  return list;
}

// ---- verification after a restart ----

interface Observed { readonly bytes: Buffer; readonly etag: string; readonly tags: string }

/** `k=v&…` (the model's form of a tag set) as the SDK's TagSet, and back. */
function tagList(tags: string): Array<{ Key: string; Value: string }> {
  return tags === '' ? [] : tags.split('&').map((pair) => {
    const [Key, Value] = pair.split('=') as [string, string];
    return { Key, Value };
  });
}
const tagString = (set: ReadonlyArray<{ Key?: string; Value?: string }>) =>
  set.map((t) => `${t.Key}=${t.Value}`).sort().join('&');

async function getBytes(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<Observed | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    const bytes = Buffer.from(await out.Body!.transformToByteArray());
    const tagging = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: out.VersionId ?? versionId }));
    return { bytes, etag: out.ETag!, tags: tagString(tagging.TagSet ?? []) };
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

function matches(observed: Observed | undefined, expected: Stored | undefined): boolean {
  if (!observed || !expected) return observed === expected;
  return observed.etag === expected.etag && observed.tags === expected.tags && observed.bytes.equals(bytesOf(expected.content));
}

function describe(observed: Observed | undefined): string {
  if (!observed) return 'absent';
  return `${observed.bytes.length} bytes, etag ${observed.etag}, tags '${observed.tags}', starting ${JSON.stringify(observed.bytes.subarray(0, 40).toString('latin1'))}`;
}

async function verify(s3: S3Client, workers: WorkerModel[], label: string, stats: { applied: number }): Promise<void> {
  // Plain bucket: each key is its last acknowledged state, or its in-flight request's.
  const seen = new Map<string, { etag: string; size: number }>();
  for (const w of workers) {
    const flight = w.inFlight;
    for (const key of plainKeys(w.id)) {
      const observed = await getBytes(s3, PLAIN, key);
      if (observed) seen.set(key, { etag: observed.etag, size: observed.bytes.length });
      const acked = w.plain.get(key);
      if (matches(observed, acked)) {
        if (flight?.kind === 'plain' && flight.key === key && flight.completes && !matches(observed, flight.next)) {
          // The completion did not happen: its upload must still be there (checked below).
          flight.completes = undefined;
        }
        continue;
      }
      assert.ok(flight?.kind === 'plain' && flight.key === key && matches(observed, flight.next),
        `${label}: ${PLAIN}/${key} is ${describe(observed)}; acknowledged: ${JSON.stringify(acked)}; in flight: ${JSON.stringify(flight)}`);
      w.plain.set(key, flight.next);
      stats.applied++;
      if (flight.completes) w.uploads.delete(flight.completes);
    }
  }
  // Listing agrees with GET.
  const listed = new Map<string, { etag: string; size: number }>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: PLAIN, ContinuationToken: token }));
    for (const o of page.Contents ?? []) listed.set(o.Key!, { etag: o.ETag!, size: o.Size! });
    token = page.NextContinuationToken;
  } while (token);
  assert.deepEqual(listed, seen, `${label}: ListObjectsV2 and GET disagree`);

  // Versioned bucket: acknowledged versions all present, in order, each with its bytes.
  for (const w of workers) {
    const flight = w.inFlight;
    for (const key of versionedKeys(w.id)) {
      const out = await s3.send(new ListObjectVersionsCommand({ Bucket: VERSIONED, Prefix: key }));
      const observed = [
        ...(out.Versions ?? []).map((v) => ({ versionId: v.VersionId!, marker: false, etag: v.ETag, latest: v.IsLatest })),
        ...(out.DeleteMarkers ?? []).map((m) => ({ versionId: m.VersionId!, marker: true, etag: undefined, latest: m.IsLatest })),
      ];
      const ids = (list: readonly { versionId: string }[]) => list.map((v) => v.versionId).sort();
      const model = versionsOf(w, key);
      if (flight?.kind === 'dropVersion' && flight.key === key && !observed.some((v) => v.versionId === flight.versionId)) {
        model.splice(model.findIndex((v) => v.versionId === flight.versionId), 1);
        stats.applied++;
      }
      const extra = observed.filter((v) => !model.some((m) => m.versionId === v.versionId));
      if (extra.length > 0) {
        assert.ok(extra.length === 1 && flight?.kind === 'version' && flight.key === key && extra[0]!.marker === flight.next.marker &&
          (flight.next.marker || extra[0]!.etag === flight.next.stored!.etag),
        `${label}: ${VERSIONED}/${key} has versions nobody acknowledged: ${JSON.stringify(extra)}; in flight: ${JSON.stringify(flight)}`);
        model.push({ versionId: extra[0]!.versionId, marker: flight.next.marker, stored: flight.next.stored });
        stats.applied++;
      }
      assert.deepEqual(ids(observed), ids(model), `${label}: ${VERSIONED}/${key}: versions lost`);
      const top = model[model.length - 1];
      assert.deepEqual(observed.filter((v) => v.latest).map((v) => v.versionId), top ? [top.versionId] : [],
        `${label}: ${VERSIONED}/${key}: the latest is not the newest acknowledged version`);
      for (const [index, version] of model.entries()) {
        if (version.marker) continue;
        const got = await getBytes(s3, VERSIONED, key, version.versionId);
        if (!matches(got, version.stored) && flight?.kind === 'versionTags' && flight.versionId === version.versionId) {
          const retagged = { ...version.stored!, tags: flight.tags };
          if (matches(got, retagged)) {
            model[index] = { ...version, stored: retagged };
            stats.applied++;
            continue;
          }
        }
        assert.ok(matches(got, version.stored), `${label}: ${VERSIONED}/${key}?versionId=${version.versionId} is ${describe(got)}`);
      }
      const newest = model[model.length - 1]; // (its tags may have just been found retagged)
      const latest = await getBytes(s3, VERSIONED, key);
      assert.ok(matches(latest, newest && !newest.marker ? newest.stored : undefined), `${label}: ${VERSIONED}/${key} (latest) is ${describe(latest)}`);
    }
  }

  // Multipart uploads: the acknowledged open ones are listed with their parts; then all are aborted.
  const uploads: Array<{ key: string; uploadId: string }> = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: PLAIN, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
    for (const u of page.Uploads ?? []) uploads.push({ key: u.Key!, uploadId: u.UploadId! });
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
  for (const w of workers) {
    const flight = w.inFlight;
    const mine = uploads.filter((u) => u.key.startsWith(`w${w.id}/`));
    for (const upload of w.uploads.values()) {
      const listedNow = mine.some((u) => u.uploadId === upload.uploadId);
      if (!listedNow) {
        assert.ok(flight?.kind === 'abort' && flight.uploadId === upload.uploadId,
          `${label}: acknowledged upload ${upload.key} ${upload.uploadId} is gone; in flight: ${JSON.stringify(flight)}`);
        stats.applied++;
        continue;
      }
      assert.ok(!(flight?.kind === 'plain' && flight.completes === upload.uploadId),
        `${label}: upload ${upload.uploadId} was completed (the object shows it) but is still listed`);
      const parts = await s3.send(new ListPartsCommand({ Bucket: PLAIN, Key: upload.key, UploadId: upload.uploadId }));
      const got = new Map((parts.Parts ?? []).map((p) => [p.PartNumber!, p.ETag!]));
      const expected = new Map([...upload.parts].map(([n, p]) => [n, p.etag]));
      if (flight?.kind === 'part' && flight.uploadId === upload.uploadId && got.get(flight.partNumber) === flight.etag) {
        expected.set(flight.partNumber, flight.etag);
        stats.applied++;
      }
      assert.deepEqual(got, expected, `${label}: parts of ${upload.key} ${upload.uploadId}`);
    }
    for (const u of mine) {
      if (w.uploads.has(u.uploadId)) continue;
      assert.ok(flight?.kind === 'createUpload' && flight.key === u.key && mine.filter((x) => !w.uploads.has(x.uploadId)).length === 1,
        `${label}: upload nobody acknowledged: ${u.key} ${u.uploadId}; in flight: ${JSON.stringify(flight)}`);
      const parts = await s3.send(new ListPartsCommand({ Bucket: PLAIN, Key: u.key, UploadId: u.uploadId }));
      assert.equal(parts.Parts?.length ?? 0, 0);
      stats.applied++;
    }
    for (const u of mine) await s3.send(new AbortMultipartUploadCommand({ Bucket: PLAIN, Key: u.key, UploadId: u.uploadId }));
    w.uploads.clear();
    w.inFlight = undefined;
  }
  const left = await s3.send(new ListMultipartUploadsCommand({ Bucket: PLAIN }));
  assert.equal(left.Uploads?.length ?? 0, 0, `${label}: uploads left after aborting them all`);
}

/** No temporary file; every blob file referenced, every reference counted and present. */
async function checkDataDir(dataDir: string, label: string): Promise<void> {
  assert.deepEqual(await readdir(join(dataDir, 'tmp')), [], `${label}: temporary files left`);
  const files = new Set<string>();
  for (const entry of await readdir(join(dataDir, 'blobs'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.add(entry.name);
  }
  const db = new Database(join(dataDir, 'metadata.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const refs = new Map((db.prepare('SELECT id, refs FROM blobs').all() as Array<{ id: string; refs: number }>).map((r) => [r.id, r.refs]));
    const counted = new Map<string, number>();
    const manifests = db.prepare('SELECT manifest FROM versions UNION ALL SELECT manifest FROM parts').all() as Array<{ manifest: string }>;
    let inline = 0;
    for (const { manifest } of manifests) {
      const extents = decodeManifest(manifest);
      inline += extents.length - blobIdsOf(extents).length;
      for (const id of blobIdsOf(extents)) counted.set(id, (counted.get(id) ?? 0) + 1);
    }
    // Small bodies are stored inline (in the row, no blob file): the workload writes both kinds.
    if (manifests.length > 20) assert.ok(inline > 0, `${label}: no inline object among ${manifests.length} rows`);
    assert.deepEqual(refs, counted, `${label}: reference counts disagree with the manifests`);
    const missing = [...refs.keys()].filter((id) => !files.has(id));
    const unreferenced = [...files].filter((id) => !refs.has(id));
    assert.deepEqual(missing, [], `${label}: referenced blobs missing`);
    assert.deepEqual(unreferenced, [], `${label}: unreferenced blob files`);
  } finally {
    db.close();
  }
}
