/**
 * PUT and GET of one large object (default 1 GiB) through @aws-sdk/client-s3 against the real CLI
 * in a child process; reports wall time, throughput and the server's peak RSS (VmHWM, Linux).
 * Not part of `npm test`. Run: node --import tsx bench/large-object.ts [--mib 1024]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' } } });
const totalBytes = Number(values.mib) * 1024 * 1024;
const CHUNK = 1024 * 1024;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const keys = { accessKeyId: 'BENCHKEY', secretAccessKey: 'bench-secret-0123456789' };

async function vmHwmKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
}

/** Deterministic pseudo-random 1 MiB blocks, generated as they are sent (no 1 GiB buffer here). */
function* blocks(): Generator<Buffer> {
  const block = Buffer.alloc(CHUNK);
  for (let sent = 0, n = 0; sent < totalBytes; sent += CHUNK, n++) {
    for (let i = 0; i < CHUNK; i += 4) block.writeUInt32LE((Math.imul(n + 1, 2654435761) ^ i) >>> 0, i);
    yield Buffer.from(block.subarray(0, Math.min(CHUNK, totalBytes - sent)));
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'coffer-bench-large-'));
const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--address', '127.0.0.1:0', '--data-dir', dataDir], {
  cwd: ROOT, env: { ...process.env, COFFER_ACCESS_KEY_ID: keys.accessKeyId, COFFER_SECRET_ACCESS_KEY: keys.secretAccessKey }, stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
const endpoint = await new Promise<string>((resolve) => child.stdout!.on('data', (c: Buffer) => {
  out += c.toString();
  const m = /serving S3 on (http:\/\/\S+) \(region/.exec(out);
  if (m) resolve(m[1]!);
}));
const idleKiB = await vmHwmKiB(child.pid!);
const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: keys });
const bucket = 'bench-large';
await s3.send(new CreateBucketCommand({ Bucket: bucket }));

const md5Sent = createHash('md5');
let t = performance.now();
const put = await s3.send(new PutObjectCommand({
  Bucket: bucket, Key: 'large.bin', ContentLength: totalBytes,
  Body: Readable.from((function* () { for (const b of blocks()) { md5Sent.update(b); yield b; } })()),
}));
const putMs = performance.now() - t;
const afterPutKiB = await vmHwmKiB(child.pid!);
if (put.ETag !== `"${md5Sent.digest('hex')}"`) throw new Error(`ETag mismatch: ${put.ETag}`);

t = performance.now();
const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'large.bin' }));
const md5Got = createHash('md5');
let received = 0;
for await (const chunk of got.Body as AsyncIterable<Buffer>) {
  md5Got.update(chunk);
  received += chunk.length;
}
const getMs = performance.now() - t;
const afterGetKiB = await vmHwmKiB(child.pid!);
if (received !== totalBytes || `"${md5Got.digest('hex')}"` !== put.ETag) throw new Error('GET returned different bytes');

const mib = totalBytes / 1024 / 1024;
const line = (op: string, ms: number) => `${op}: ${(ms / 1000).toFixed(2)} s, ${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
console.log(`object ${mib} MiB (SDK default checksums), server ${endpoint}`);
console.log(line('PutObject', putMs));
console.log(line('GetObject', getMs));
console.log(`server VmHWM: idle ${(idleKiB / 1024).toFixed(0)} MiB, after PUT ${(afterPutKiB / 1024).toFixed(0)} MiB, after GET ${(afterGetKiB / 1024).toFixed(0)} MiB`);
s3.destroy();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await rm(dataDir, { recursive: true, force: true });
