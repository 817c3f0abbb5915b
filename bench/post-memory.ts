/**
 * `npm run bench:post-memory`: Coffer's resident memory (VmRSS of the server process, sampled every
 * 50 ms) while it takes one POST Object form upload of POST_GIB GiB (default 1): the file part must
 * stream to disk, so the peak stays under 200 MiB whatever the size. Exits 1 above that.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rssBytes, startCofferProcess } from './lib/servers.js';
import { BENCH_CREDENTIALS, sendSigned } from './lib/sign.js';
import { getSigningKey } from '../src/auth/sigv4/signing-key.js';
import { toAmzDate } from '../src/auth/sigv4/string-to-sign.js';

const GIB = Number(process.env.POST_GIB ?? 1);
const MIB = 1 << 20;
const PEAK_MIB_MAX = 200;
const BOUNDARY = 'CofferPostMemoryBoundary';

/** The SigV4 form fields for an upload of `key` to `bucket`. */
function formFields(bucket: string, key: string): Array<[string, string]> {
  const amzDate = toAmzDate(new Date());
  const { accessKeyId, secretAccessKey, region } = BENCH_CREDENTIALS;
  const credential = `${accessKeyId}/${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
  const conditions = [{ bucket }, { key }, { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' }, { 'x-amz-credential': credential }, { 'x-amz-date': amzDate }];
  const policy = Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 3600_000).toISOString(), conditions })).toString('base64');
  const signature = createHmac('sha256', getSigningKey(secretAccessKey, amzDate.slice(0, 8), region, 's3')).update(policy).digest('hex');
  return [['key', key], ['x-amz-algorithm', 'AWS4-HMAC-SHA256'], ['x-amz-credential', credential], ['x-amz-date', amzDate], ['policy', policy], ['x-amz-signature', signature]];
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'coffer-post-memory-'));
  const server = await startCofferProcess(root);
  try {
    if ((await sendSigned(server, 'PUT', '/post')) !== 200) throw new Error('CreateBucket failed');
    const idleMiB = rssBytes(server.pid) / MIB;
    const fileBytes = Math.round(GIB * 1024) * MIB;
    const head = Buffer.from(
      formFields('post', 'big').map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('') +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(server.pid))), 50);
    const start = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: server.host,
        port: server.port,
        method: 'POST',
        path: '/post',
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': head.length + fileBytes + tail.length },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(MIB, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < fileBytes) {
          sent += MIB;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end(tail);
      };
      req.write(head);
      pump();
    });
    clearInterval(sampler);
    const seconds = (performance.now() - start) / 1000;
    const peakMiB = peak / MIB;
    console.log(`POST Object of ${GIB} GiB: HTTP ${status} in ${seconds.toFixed(1)} s (${(fileBytes / MIB / seconds).toFixed(0)} MiB/s); Coffer RSS idle ${idleMiB.toFixed(0)} MiB, peak ${peakMiB.toFixed(0)} MiB (limit ${PEAK_MIB_MAX})`);
    if (status !== 204 || peakMiB >= PEAK_MIB_MAX) process.exitCode = 1;
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
