/**
 * A 1 GiB multipart upload with 4 parts in flight against Coffer running as its own process, whose
 * memory is sampled from /proc: the server must stream parts to disk, never hold them. Also
 * measures upload/download throughput and the cost of completing a 1,000-part upload.
 */
import assert from 'node:assert/strict';
import { startChildServer, type ChildServer } from '../../helpers/child-server.js';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { ROOT_KEYS, uniqueBucket } from '../../helpers/start-server.js';
import { countBlobs, MiB, patternBytes } from './support.js';

const RSS_LIMIT_BYTES = 200 * MiB;

function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function inParallel<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  }));
  return results;
}

describe('multipart at scale, server in its own process', { skip: existsSync('/proc/self/status') ? false : 'needs /proc' }, () => {
  let server: ChildServer;
  let dataDir: string;
  let s3: S3Client;
  let peakRss = 0;
  let sampler: NodeJS.Timeout;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'coffer-mp-rss-'));
    server = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir], {
      COFFER_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId,
      COFFER_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey,
    });
    s3 = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: ROOT_KEYS, maxAttempts: 1, requestChecksumCalculation: process.env.MP_CRC === '1' ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED' });
    sampler = setInterval(() => {
      peakRss = Math.max(peakRss, memoryOf(server.process.pid!).rss);
    }, 50);
  });

  after(async () => {
    clearInterval(sampler);
    s3?.destroy();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('UploadPart.oneGiBFourInFlightStaysUnder200MiB', { timeout: 240_000 }, async (t) => {
    const Bucket = uniqueBucket('rss');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const partSize = 16 * MiB;
    const partCount = 64; // 1 GiB
    const base = patternBytes(partSize, 9);
    const partBody = (i: number) => {
      const body = Buffer.from(base);
      body.writeUInt32LE(i, 0);
      return body;
    };
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'big' }));
    let expectedCrc = 0;
    for (let i = 0; i < partCount; i++) expectedCrc = crc32(partBody(i), expectedCrc);
    const baseline = memoryOf(server.process.pid!).rss;

    const cpuBefore = cpuSecondsOf(server.process.pid!);
    const started = performance.now();
    const parts = await inParallel(partCount, 4, async (i): Promise<CompletedPart> => {
      const out = await s3.send(new UploadPartCommand({ Bucket, Key: 'big', UploadId, PartNumber: i + 1, Body: partBody(i) }));
      return { PartNumber: i + 1, ETag: out.ETag };
    });
    const uploadMs = performance.now() - started;
    const uploadCpu = cpuSecondsOf(server.process.pid!) - cpuBefore;
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'big', UploadId, MultipartUpload: { Parts: parts } }));

    const downloadStarted = performance.now();
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'big' }));
    let crc = 0;
    let size = 0;
    for await (const chunk of got.Body as AsyncIterable<Uint8Array>) {
      crc = crc32(chunk, crc);
      size += chunk.length;
    }
    const downloadMs = performance.now() - downloadStarted;
    const downloadCpu = cpuSecondsOf(server.process.pid!) - cpuBefore - uploadCpu;
    assert.equal(size, partSize * partCount);
    assert.equal(crc, expectedCrc);

    const { hwm } = memoryOf(server.process.pid!);
    const mbps = (ms: number) => ((partSize * partCount) / MiB / (ms / 1000)).toFixed(0);
    t.diagnostic(`1 GiB upload (64 × 16 MiB, 4 in flight): ${(uploadMs / 1000).toFixed(2)} s = ${mbps(uploadMs)} MiB/s; server CPU ${uploadCpu.toFixed(2)} s`);
    t.diagnostic(`1 GiB download: ${(downloadMs / 1000).toFixed(2)} s = ${mbps(downloadMs)} MiB/s; server CPU ${downloadCpu.toFixed(2)} s (with the completion)`);
    t.diagnostic(`server RSS: idle ${(baseline / MiB).toFixed(0)} MiB, sampled peak ${(peakRss / MiB).toFixed(0)} MiB, VmHWM ${(hwm / MiB).toFixed(0)} MiB`);
    assert.ok(hwm < RSS_LIMIT_BYTES, `server VmHWM ${hwm} ≥ ${RSS_LIMIT_BYTES}`);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'big' }));
  });

  it('CompleteMultipartUpload.thousandPartsByCopy', { timeout: 120_000 }, async (t) => {
    const Bucket = uniqueBucket('k');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'src', Body: patternBytes(5 * MiB, 4) }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'thousand' }));
    const copyStarted = performance.now();
    const parts = await inParallel(1000, 8, async (i): Promise<CompletedPart> => {
      const out = await s3.send(new UploadPartCopyCommand({ Bucket, Key: 'thousand', UploadId, PartNumber: i + 1, CopySource: `${Bucket}/src` }));
      return { PartNumber: i + 1, ETag: out.CopyPartResult?.ETag };
    });
    const copyMs = performance.now() - copyStarted;
    const timings: number[] = [];
    const started = performance.now();
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'thousand', UploadId, MultipartUpload: { Parts: parts } }));
    timings.push(performance.now() - started);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'thousand', PartNumber: 1000 }));
    assert.equal(head.PartsCount, 1000);
    assert.equal(head.ContentLength, 5 * MiB);
    t.diagnostic(`1,000 UploadPartCopy (8 in flight): ${copyMs.toFixed(0)} ms; CompleteMultipartUpload of 1,000 parts: ${timings[0]!.toFixed(0)} ms`);

    // Nothing is left behind once the objects and uploads are gone.
    const abandoned = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'abandoned' }));
    await s3.send(new UploadPartCommand({ Bucket, Key: 'abandoned', UploadId: abandoned.UploadId, PartNumber: 1, Body: 'x' }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'abandoned', UploadId: abandoned.UploadId }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'thousand' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'src' }));
    assert.equal(await countBlobs(dataDir), 0);
  });
});
