import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AWS_CLI, awscli, boto3, PYTHON } from '../../helpers/external-tools.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';
import { MiB, patternStream } from './support.js';


async function sha256Of(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}


function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('real clients round-trip multipart objects', () => {
  let server: TestServer;
  let s3: S3Client;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    server = await startServer();
    s3 = server.client();
    dir = await mkdtemp(join(tmpdir(), 'coffer-mp-clients-'));
    env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey,
      AWS_DEFAULT_REGION: server.coffer.region,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    };
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('Upload.streamOfUnknownLength', async () => {
    const Bucket = uniqueBucket('lib');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const total = 23 * MiB + 12345;
    // A stream without a length: lib-storage buffers parts and goes multipart (CRC32 by default).
    const upload = new Upload({ client: s3, params: { Bucket, Key: 'streamed', Body: patternStream(total, 64 * 1024 + 7) }, partSize: 5 * MiB, queueSize: 4 });
    const result = await upload.done();
    assert.match(result.ETag ?? '', /-5"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'streamed', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ContentLength, total);
    assert.equal(await sha256Of(got.Body as AsyncIterable<Uint8Array>), await sha256Of(patternStream(total, 64 * 1024 + 7)));
  });

  it('UploadFile.boto3RoundTrip', { skip: boto3.skip }, async () => {
    const Bucket = uniqueBucket('boto');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const source = join(dir, 'boto-src.bin');
    const target = join(dir, 'boto-dst.bin');
    await pipeline(patternStream(40 * MiB + 1, MiB, 3), createWriteStream(source));
    const script = `
import sys, boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
s3 = boto3.client('s3', endpoint_url=sys.argv[1], config=Config(s3={'addressing_style': 'path'}))
cfg = TransferConfig(multipart_threshold=8*1024*1024, multipart_chunksize=8*1024*1024, max_concurrency=4)
s3.upload_file(sys.argv[3], sys.argv[2], 'big.bin', Config=cfg)
head = s3.head_object(Bucket=sys.argv[2], Key='big.bin')
assert head['ETag'].endswith('-6"'), head['ETag']
s3.download_file(sys.argv[2], 'big.bin', sys.argv[4], Config=cfg)
`;
    const result = await run(PYTHON, ['-c', script, server.endpoint, Bucket, source, target], env);
    assert.equal(result.code, 0, result.output);
    assert.equal(await sha256Of(createReadStream(target)), await sha256Of(createReadStream(source)));
  });

  it('AwsCli.cp200MB', { skip: awscli.skip, timeout: 180_000 }, async () => {
    const Bucket = uniqueBucket('cli');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const source = join(dir, 'cli-src.bin');
    const target = join(dir, 'cli-dst.bin');
    await pipeline(patternStream(200 * MiB, MiB, 5), createWriteStream(source));
    const up = await run(AWS_CLI, ['--endpoint-url', server.endpoint, 's3', 'cp', '--no-progress', source, `s3://${Bucket}/big.bin`], env);
    assert.equal(up.code, 0, up.output);
    const down = await run(AWS_CLI, ['--endpoint-url', server.endpoint, 's3', 'cp', '--no-progress', `s3://${Bucket}/big.bin`, target], env);
    assert.equal(down.code, 0, down.output);
    assert.equal(await sha256Of(createReadStream(target)), await sha256Of(createReadStream(source)));
  });
});
