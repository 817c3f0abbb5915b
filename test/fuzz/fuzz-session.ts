import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { startChildServer } from '../helpers/child-server.js';
import { ROOT_KEYS } from '../helpers/start-server.js';
import { FUZZ_BUCKETS, footprint, runFuzz, type FuzzReport, type FuzzState, type ProcessFootprint } from './request-fuzzer.js';

export interface FuzzSession {
  readonly report: FuzzReport;
  readonly seed: number;
  readonly ms: number;
  /** After a warm-up, and after the run once its connections have closed. */
  readonly before: ProcessFootprint;
  readonly after: ProcessFootprint;
  /** The server's exit code on SIGTERM at the end (null: it had died before). */
  readonly exitCode: number | null;
  readonly stderr: string;
}

/**
 * A Coffer process on a fresh data dir, its fixture (two buckets, one versioned, objects, an open
 * upload), a warm-up, then the fuzz run; the process's file descriptors and RSS are read after the
 * warm-up and after the run.
 */
export async function fuzzSession(options: { requests: number; durationMs: number; seed: number; concurrency?: number }): Promise<FuzzSession> {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-fuzz-'));
  const server = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir], {
    COFFER_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId, COFFER_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey,
  }, { startTimeoutMs: 120_000 });
  let stderr = '';
  server.process.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20_000)));
  const s3 = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: ROOT_KEYS, maxAttempts: 1 });
  const state: FuzzState = { uploadId: '', versionId: '' };
  const restore = async () => {
    for (const bucket of FUZZ_BUCKETS) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => {});
      for (const key of ['k', 'dir/k2', 'a b']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `fuzz ${key}` })).catch(() => {});
    }
    await s3.send(new PutBucketVersioningCommand({ Bucket: FUZZ_BUCKETS[0], VersioningConfiguration: { Status: 'Enabled' } })).catch(() => {});
    const put = await s3.send(new PutObjectCommand({ Bucket: FUZZ_BUCKETS[0], Key: 'k', Body: 'fuzz version' })).catch(() => undefined);
    state.versionId = put?.VersionId ?? state.versionId;
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: FUZZ_BUCKETS[1], Key: 'k' })).catch(() => undefined);
    state.uploadId = upload?.UploadId ?? state.uploadId;
  };
  const port = Number(new URL(server.endpoint).port);
  const host = new URL(server.endpoint).host;
  const pid = server.process.pid!;
  const settle = () => new Promise((r) => setTimeout(r, 1500));
  try {
    await restore();
    // A document large enough for the XML parse worker, so that its thread (and its descriptors)
    // is there before the footprint is first read.
    await s3.send(new DeleteObjectsCommand({ Bucket: FUZZ_BUCKETS[1], Delete: { Objects: Array.from({ length: 1000 }, (_, i) => ({ Key: `warm-up/${i}`.padEnd(40, 'x') })) } }));
    const common = { port, host, state, concurrency: options.concurrency ?? 8, restoreEvery: 2_000, restore };
    const warmUp = Math.min(2_000, Math.ceil(options.requests / 10));
    await runFuzz({ ...common, seed: options.seed + 1, requestsMax: warmUp, durationMs: options.durationMs / 5 });
    await settle();
    const before = footprint(pid);
    const started = Date.now();
    const report = await runFuzz({ ...common, seed: options.seed, requestsMax: options.requests, durationMs: options.durationMs });
    const ms = Date.now() - started;
    await settle();
    const after = footprint(pid);
    s3.destroy();
    const exitCode = await server.stop('SIGTERM');
    return { report, seed: options.seed, ms, before, after, exitCode, stderr };
  } finally {
    s3.destroy();
    await server.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}
