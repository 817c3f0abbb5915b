/**
 * The cost of encryption at rest: PUT and GET of 64 MiB and GET of 4 KiB against this tree
 * (SSE-S3, SSE-KMS and DSSE-KMS: buckets whose default encryption is aws:kms or aws:kms:dsse, in
 * the same server) and
 * against the tree before encryption (`--baseline-ref`,
 * default PRE_ENCRYPTION: main just before it; extracted with `git archive` into a temporary
 * folder, run with this tree's node_modules), in the same run,
 * interleaved (A B A B …), medians reported with the ratio. Targets (issue 13): ≥ 0.8× for the
 * 64 MiB transfers, ≥ 0.9× for GET 4 KiB. The load average is printed: figures taken while other
 * work shares the machine are indicative only.
 * Run: npm run bench:sse -- [--reps 3] [--baseline-ref REF]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RawConnection } from './lib/raw-client.js';
import { BENCH_CREDENTIALS, signedHead, UNSIGNED } from './lib/sign.js';
import { startProcess, type ServerProcess } from './lib/servers.js';
import { defaultEncryption, KMS_DEFAULT_ENCRYPTION } from './lib/features.js';

/** main just before encryption at rest was merged: plaintext blobs. */
const PRE_ENCRYPTION = '54dc25d813c261bb003a4ca852535155e844f903';
const { values } = parseArgs({ options: { reps: { type: 'string', default: '3' }, 'baseline-ref': { type: 'string', default: PRE_ENCRYPTION } } });
const REPS = Number(values.reps);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MIB = 1024 * 1024;
const BIG = 64 * MIB;
const SMALL = 4 * 1024;
const SMALL_CONNECTIONS = 8;
const SMALL_REQUESTS = 4000;

function start(name: string, tree: string, dataDir: string): Promise<ServerProcess> {
  return startProcess(
    name,
    ['--import', 'tsx', join(tree, 'src/main.ts'), '--address', '127.0.0.1:0', '--data-dir', dataDir],
    { COFFER_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId, COFFER_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey, COFFER_REGION: BENCH_CREDENTIALS.region },
    /serving S3 on http:\/\/127\.0\.0\.1:(\d+)/,
  );
}

async function connection(server: ServerProcess): Promise<RawConnection> {
  const c = new RawConnection(server.host, server.port);
  await c.open();
  return c;
}

async function send(c: RawConnection, server: ServerProcess, method: string, path: string, body?: Buffer, query?: string): Promise<number> {
  const head = signedHead({ method, path, query, bodyBytes: body?.length ?? 0, payloadHash: UNSIGNED }, `${server.host}:${server.port}`, BENCH_CREDENTIALS);
  const response = await c.request(head, body, method === 'HEAD');
  if (response.status >= 300) throw new Error(`${server.name} ${method} ${path}: ${response.status} ${response.snippet}`);
  return response.bodyBytes;
}

const bigBody = Buffer.alloc(BIG);
for (let i = 0; i < BIG; i += 4) bigBody.writeUInt32LE((Math.imul(i, 2654435761) ^ 0x5bd1e995) >>> 0, i);
const smallBody = bigBody.subarray(0, SMALL);

/** What a case runs against: a server and the bucket whose encryption is measured. */
interface Target {
  readonly name: 'SSE-S3' | 'SSE-KMS' | 'DSSE-KMS' | 'plaintext';
  readonly server: ServerProcess;
  readonly bucket: string;
}

/** One measurement: MiB/s for the 64 MiB cases, requests/s for GET 4 KiB. */
const CASES: Record<string, (target: Target) => Promise<number>> = {
  async 'PUT 64MiB'({ server: s, bucket }) {
    const c = await connection(s);
    const t = performance.now();
    for (let i = 0; i < 4; i++) await send(c, s, 'PUT', `/${bucket}/put-${i}`, bigBody);
    c.close();
    return (4 * BIG) / MIB / ((performance.now() - t) / 1000);
  },
  async 'GET 64MiB'({ server: s, bucket }) {
    const c = await connection(s);
    const t = performance.now();
    for (let i = 0; i < 4; i++) await send(c, s, 'GET', `/${bucket}/big`);
    c.close();
    return (4 * BIG) / MIB / ((performance.now() - t) / 1000);
  },
  async 'GET 4KiB'({ server: s, bucket }) {
    const conns = await Promise.all(Array.from({ length: SMALL_CONNECTIONS }, () => connection(s)));
    let next = 0;
    const t = performance.now();
    await Promise.all(conns.map(async (c) => {
      while (next < SMALL_REQUESTS) await send(c, s, 'GET', `/${bucket}/small-${next++ % 64}`);
    }));
    const rate = SMALL_REQUESTS / ((performance.now() - t) / 1000);
    for (const c of conns) c.close();
    return rate;
  },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = await mkdtemp(join(tmpdir(), 'coffer-bench-sse-'));
const baselineTree = join(work, 'baseline');
execFileSync('sh', ['-c', `mkdir -p ${baselineTree} && git -C ${ROOT} archive ${values['baseline-ref']} | tar -x -C ${baselineTree}`]);
await symlink(join(ROOT, 'node_modules'), join(baselineTree, 'node_modules'));
const servers = [await start('sse', ROOT, join(work, 'data-sse')), await start('baseline', baselineTree, join(work, 'data-base'))];
const targets: Target[] = [
  { name: 'SSE-S3', server: servers[0]!, bucket: 'bench' },
  { name: 'SSE-KMS', server: servers[0]!, bucket: 'bench-kms' },
  { name: 'DSSE-KMS', server: servers[0]!, bucket: 'bench-dsse' },
  { name: 'plaintext', server: servers[1]!, bucket: 'bench' },
];
try {
  for (const { server: s, bucket, name } of targets) {
    const c = await connection(s);
    await send(c, s, 'PUT', `/${bucket}`);
    if (name === 'SSE-KMS') await send(c, s, 'PUT', `/${bucket}`, Buffer.from(KMS_DEFAULT_ENCRYPTION), 'encryption=');
    if (name === 'DSSE-KMS') await send(c, s, 'PUT', `/${bucket}`, Buffer.from(defaultEncryption('aws:kms:dsse')), 'encryption=');
    await send(c, s, 'PUT', `/${bucket}/big`, bigBody);
    for (let i = 0; i < 64; i++) await send(c, s, 'PUT', `/${bucket}/small-${i}`, smallBody);
    c.close();
  }
  console.log(`SSE-S3, SSE-KMS and DSSE-KMS (this tree) vs ${values['baseline-ref']!.slice(0, 12)} (no encryption): ${REPS} interleaved repetitions; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const [name, run] of Object.entries(CASES)) {
    const results = new Map<Target['name'], number[]>(targets.map((t) => [t.name, []]));
    for (let rep = 0; rep < REPS; rep++) {
      const order = rep % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) results.get(target.name)!.push(await run(target));
    }
    const unit = name === 'GET 4KiB' ? 'req/s' : 'MiB/s';
    const base = median(results.get('plaintext')!);
    const rate = (mode: Target['name']) => {
      const value = median(results.get(mode)!);
      return `${mode} ${value.toFixed(1).padStart(8)} ${unit} (${(value / base).toFixed(2)}×)`;
    };
    console.log(`${name.padEnd(10)} ${rate('SSE-S3')}   ${rate('SSE-KMS')}   ${rate('DSSE-KMS')}   plaintext ${base.toFixed(1).padStart(8)} ${unit}`);
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  await rm(work, { recursive: true, force: true });
}
