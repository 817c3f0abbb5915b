/**
 * `npm run slowloris`: the full-size fairness check. Coffer runs as its own process with the
 * production limits; 10,000 sockets from one address (127.0.0.2) each send one header line and
 * nothing more, while a client on 127.0.0.1 measures HeadObject latency before, during the connect
 * storm, and while the sockets are held. Target: every request served; p99 under 50 ms while held.
 *
 * Environment: SLOWLORIS_SOCKETS (default 10,000), SLOWLORIS_SECONDS (each measurement, default 5).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startChildServer } from '../test/helpers/child-server.js';
import { latencies, percentile, spawnSlowloris } from '../test/helpers/slowloris.js';
import { ROOT_KEYS } from '../test/helpers/start-server.js';

const SOCKETS = Number(process.env.SLOWLORIS_SOCKETS ?? 10_000);
const SECONDS = Number(process.env.SLOWLORIS_SECONDS ?? 5);
const P99_MS_MAX = 50;

const dataDir = await mkdtemp(join(tmpdir(), 'coffer-slowloris-'));
const server = await startChildServer(['--address', '127.0.0.1:0', '--data-dir', dataDir], {
  COFFER_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId, COFFER_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey,
});
const s3 = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: ROOT_KEYS });
try {
  await s3.send(new CreateBucketCommand({ Bucket: 'slowloris' }));
  await s3.send(new PutObjectCommand({ Bucket: 'slowloris', Key: 'k', Body: 'x' }));
  const head = () => s3.send(new HeadObjectCommand({ Bucket: 'slowloris', Key: 'k' }));
  const summary = (ms: number[]) => ({ requests: ms.length, p50: +percentile(ms, 50).toFixed(1), p99: +percentile(ms, 99).toFixed(1), max: +Math.max(...ms).toFixed(1) });

  const quiet = await latencies(head, SECONDS * 1000);
  const attack = spawnSlowloris(Number(new URL(server.endpoint).port), ['127.0.0.2'], SOCKETS);
  const storm = await latencies(head, SECONDS * 1000);
  const sockets = await attack.opened;
  const held = await latencies(head, SECONDS * 1000);
  attack.stop();
  const result = { sockets: SOCKETS, ...sockets, quiet: summary(quiet), duringConnectStorm: summary(storm), whileHeld: summary(held) };
  console.log(JSON.stringify(result, null, 2));
  if (result.whileHeld.p99 >= P99_MS_MAX) {
    console.log(`p99 while held ${result.whileHeld.p99} ms ≥ ${P99_MS_MAX} ms (a loaded machine shows in "quiet" too)`);
    process.exitCode = 1;
  }
} finally {
  s3.destroy();
  await server.stop('SIGTERM');
  await rm(dataDir, { recursive: true, force: true });
}
