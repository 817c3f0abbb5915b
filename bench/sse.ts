/**
 * The cost of encryption at rest, in one run, interleaved (A B A B …), medians with ratios:
 * - GETs (64 MiB, 4 KiB) compare, in the SAME server (this tree), objects sealed under SSE-S3,
 *   SSE-KMS and DSSE-KMS with objects stored in clear: those were written by the tree before encryption
 *   (`--baseline-ref`, default PRE_ENCRYPTION) into the data dir this tree then opens (legacy
 *   clear objects are still served). Everything else — authorization, events, request log,
 *   metadata store — is the same code, so the ratio is encryption's cost alone. (The clear 4 KiB
 *   objects are blob files: that tree had no inline storage; the sealed ones are inline.)
 * - Every case is also run against the pre-encryption tree itself, on a data dir of its own: the
 *   only reference for PUT (this tree stores nothing new in clear), and for GET a comparison with
 *   an older, leaner server (no authorization, events or inline storage), not encryption's cost.
 * Targets (issue 13): ≥ 0.8× for the 64 MiB transfers, ≥ 0.9× for GET 4 KiB. The load average is
 * printed: figures taken while other work shares the machine are indicative only. The old tree
 * is extracted with `git archive` into a temporary folder and run with this tree's node_modules.
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
  readonly name: 'SSE-S3' | 'SSE-KMS' | 'DSSE-KMS' | 'clear' | 'old tree';
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
// The pre-encryption tree writes the clear objects into the data dir this tree will open.
const sharedDir = join(work, 'data-shared');
const writer = await start('pre-encryption writer', baselineTree, sharedDir);
try {
  await populate(writer, 'clear');
} finally {
  await writer.stop();
}
const servers = [await start('sse', ROOT, sharedDir), await start('baseline', baselineTree, join(work, 'data-base'))];
const targets: Target[] = [
  { name: 'SSE-S3', server: servers[0]!, bucket: 'bench' },
  { name: 'SSE-KMS', server: servers[0]!, bucket: 'bench-kms' },
  { name: 'DSSE-KMS', server: servers[0]!, bucket: 'bench-dsse' },
  { name: 'clear', server: servers[0]!, bucket: 'clear' },
  { name: 'old tree', server: servers[1]!, bucket: 'bench' },
];

async function populate(s: ServerProcess, bucket: string, encryption?: string): Promise<void> {
  const c = await connection(s);
  await send(c, s, 'PUT', `/${bucket}`);
  if (encryption) await send(c, s, 'PUT', `/${bucket}`, Buffer.from(encryption), 'encryption=');
  await send(c, s, 'PUT', `/${bucket}/big`, bigBody);
  for (let i = 0; i < 64; i++) await send(c, s, 'PUT', `/${bucket}/small-${i}`, smallBody);
  c.close();
}

try {
  await populate(servers[0]!, 'bench');
  await populate(servers[0]!, 'bench-kms', KMS_DEFAULT_ENCRYPTION);
  await populate(servers[0]!, 'bench-dsse', defaultEncryption('aws:kms:dsse'));
  await populate(servers[1]!, 'bench');
  console.log(`SSE-S3, SSE-KMS, DSSE-KMS and clear objects in one server (this tree; the clear ones written by ${values['baseline-ref']!.slice(0, 12)}), and that old tree on its own; ${REPS} interleaved repetitions; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const [name, run] of Object.entries(CASES)) {
    // A PUT in this tree always seals: PUTs have only the old tree to compare with.
    const cases = name.startsWith('PUT') ? targets.filter((t) => t.name !== 'clear') : targets;
    const results = new Map<Target['name'], number[]>(cases.map((t) => [t.name, []]));
    for (let rep = 0; rep < REPS; rep++) {
      const order = rep % 2 === 0 ? cases : [...cases].reverse();
      for (const target of order) results.get(target.name)!.push(await run(target));
    }
    const unit = name === 'GET 4KiB' ? 'req/s' : 'MiB/s';
    const clear = results.has('clear') ? median(results.get('clear')!) : undefined;
    const old = median(results.get('old tree')!);
    const rate = (mode: Target['name']) => {
      const value = median(results.get(mode)!);
      const vsClear = clear === undefined ? '' : `${(value / clear).toFixed(2)}× clear, `;
      return `${mode} ${value.toFixed(1).padStart(8)} ${unit} (${vsClear}${(value / old).toFixed(2)}× old tree)`;
    };
    const clearText = clear === undefined ? '' : `   clear ${clear.toFixed(1).padStart(8)} ${unit}`;
    console.log(`${name.padEnd(10)} ${rate('SSE-S3')}   ${rate('SSE-KMS')}   ${rate('DSSE-KMS')}${clearText}   old tree ${old.toFixed(1).padStart(8)} ${unit}`);
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  await rm(work, { recursive: true, force: true });
}
