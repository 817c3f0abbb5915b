import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';
import { layout } from '../../helpers/data-dir.js';
import { startServer } from '../../helpers/start-server.js';
import { cofferEntry, REPO_ROOT } from '../../helpers/coffer-entry.js';

/** Runs the real CLI: `coffer …args`. */
function coffer(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [...cofferEntry(), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, COFFER_DATA_DIR: '' } });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** The blob ids an object's latest version is made of, read from the metadata directly. */
async function blobsOf(dataDir: string, bucket: string, key: string): Promise<string[]> {
  const meta = new SqliteMetadataStore({ path: join(dataDir, 'metadata.sqlite') });
  try {
    return (await meta.getVersion(bucket, key))!.manifest.map((e) => e.blobId);
  } finally {
    await meta.close();
  }
}

describe('server: coffer fsck', () => {
  let dataDir: string;
  let bucket: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'coffer-fsck-'));
    // fsck reads the embedded SQLite store only (also when the suite runs on PostgreSQL).
    const server = await startServer({ dataDir, metadata: 'sqlite' });
    const s3 = server.client();
    bucket = await server.newBucket('fsck');
    // Over the inline threshold (64 KiB): blob files, which the damage test alters.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'plain bytes'.repeat(7000) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'summed', Body: 'checksummed bytes'.repeat(5000), ChecksumAlgorithm: 'SHA256' }));
    // SSE-KMS: its ETag is not an MD5, so --deep checks its presence and size only.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kms', Body: 'kms bytes', ServerSideEncryption: 'aws:kms' }));
    // Small: kept inline in its row (no blob file); --deep reads and hashes it all the same.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'tiny', Body: 'inline bytes', ChecksumAlgorithm: 'SHA256' }));
    // A completed multipart object with a composite CRC32C (its small last part inline), and an
    // upload still in progress (its one small part inline).
    const part = Buffer.alloc(5 * 1024 * 1024, 'p');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi', ChecksumAlgorithm: 'CRC32C' }));
    const parts = [];
    for (const PartNumber of [1, 2]) {
      const { ETag, ChecksumCRC32C } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'multi', UploadId, PartNumber, Body: PartNumber === 1 ? part : 'tail', ChecksumAlgorithm: 'CRC32C' }));
      parts.push({ PartNumber, ETag, ChecksumCRC32C });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'multi', UploadId, MultipartUpload: { Parts: parts } }));
    const pending = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'pending' }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'pending', UploadId: pending.UploadId, PartNumber: 1, Body: 'a part' }));
    await server.stop();
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test('fsck.consistent: --deep reads every byte of a healthy data dir and finds nothing (exit 0)', () => {
    const run = coffer('fsck', '--data-dir', dataDir, '--deep');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^checked 6 rows and 3 blobs \(deep\): 0 problem\(s\)\n$/);
  });

  test('fsck.damage: finds a blob deleted by hand and a blob file nobody references; --deep finds altered bytes; --repair moves the stray to lost+found', async () => {
    const { blobPath } = layout(dataDir);
    const [plainBlob] = await blobsOf(dataDir, bucket, 'plain');
    const [summedBlob] = await blobsOf(dataDir, bucket, 'summed');
    await rm(blobPath(plainBlob!));
    const stray = 'cd'.repeat(16);
    await mkdir(join(dataDir, 'blobs', 'cd', 'cd'), { recursive: true });
    await writeFile(blobPath(stray), 'nobody references me');
    const summed = await readFile(blobPath(summedBlob!));
    summed[0] ^= 1; // same size, different bytes: only a deep check can tell
    await writeFile(blobPath(summedBlob!), summed);

    const quick = coffer('fsck', '--data-dir', dataDir);
    assert.equal(quick.status, 1);
    assert.equal(quick.stdout, [
      `missing-blob: s3://${bucket}/plain (version null): blob ${plainBlob} does not exist`,
      `unreferenced-blob: blob ${stray}: 20 bytes, referenced by no version or part`,
      'checked 6 rows and 3 blobs: 2 problem(s)',
      '',
    ].join('\n'));

    const deep = coffer('fsck', '--data-dir', dataDir, '--deep');
    assert.equal(deep.status, 1);
    // The blob is encrypted at rest (SSE-S3): an altered byte fails its segment's authentication.
    assert.match(deep.stdout, new RegExp(`^unreadable-data: s3://${bucket}/summed \\(version null\\): a sealed segment failed authentication \\(wrong key or altered data\\)$`, 'm'));
    assert.match(deep.stdout, /: 3 problem\(s\)\n$/);

    const repair = coffer('fsck', '--data-dir', dataDir, '--repair');
    assert.equal(repair.status, 1);
    assert.match(repair.stdout, new RegExp(`2 problem\\(s\\); 1 unreferenced blob\\(s\\) moved to ${join(dataDir, 'lost+found').replace(/[+]/g, '\\+')}\\n$`));
    assert.deepEqual(await readdir(join(dataDir, 'lost+found')), [stray]);
    assert.equal(await readFile(join(dataDir, 'lost+found', stray), 'utf8'), 'nobody references me');

    const after = coffer('fsck', '--data-dir', dataDir);
    assert.match(after.stdout, /^missing-blob: .*\nchecked 6 rows and 2 blobs: 1 problem\(s\)\n$/);
  });

  test('fsck.noDataDir: a directory without Coffer data is bad usage (exit 2)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'coffer-fsck-empty-'));
    try {
      const run = coffer('fsck', '--data-dir', empty);
      assert.equal(run.status, 2);
      assert.equal(run.stderr, `coffer fsck: no Coffer data in ${empty} (${join(empty, 'metadata.sqlite')} not found)\n`);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('server: coffer help', () => {
  test('CLI.help: the overview lists the commands; per-command help; unknown commands exit 2', () => {
    const overview = coffer('help');
    assert.equal(overview.status, 0);
    assert.match(overview.stdout, /^Usage: coffer <command> \[options\]/);
    assert.match(overview.stdout, /^ {2}serve +serve the S3 API/m);
    assert.match(overview.stdout, /^ {2}fsck +check that metadata and blob files agree/m);

    const fsckHelp = coffer('fsck', '--help');
    assert.equal(fsckHelp.status, 0);
    assert.match(fsckHelp.stdout, /^Usage: coffer fsck \[options\]\n[\s\S]*--deep[\s\S]*--repair/);
    assert.equal(coffer('help', 'fsck').stdout, fsckHelp.stdout);

    const serveHelp = coffer('serve', '--help');
    assert.match(serveHelp.stdout, /--tls-cert FILE[\s\S]*--metrics-address HOST:PORT[\s\S]*--log-level LEVEL/);

    const unknown = coffer('frobnicate');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^coffer: unknown command 'frobnicate'\n\nUsage: coffer <command>/);
  });
});
