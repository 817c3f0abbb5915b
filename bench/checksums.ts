/**
 * Checksum throughput: `node --import tsx bench/checksums.ts [MiB] [chunkKiB]`
 * (default 64 MiB of random data fed in 64 KiB chunks, best of 3 runs,
 * MB/s = 10^6 bytes/s; ratio = speed relative to MD5 in the same run).
 *
 * Candidate selection, 2026-11-21, 2-core AMD EPYC VM (sse4_2, pclmulqdq,
 * avx2, avx512f), Node v20.20.2, 64 MiB random input, 64 KiB chunks, best of 3,
 * same method as below (two runs; runs vary by ~+-10%, zlib crc32 by more).
 * MD5 in the same runs: 842-860 MB/s.
 *
 *   CRC32
 *     node:zlib crc32 (built in)                  3985-6861 MB/s  <- used
 *     @node-rs/crc32 1.10.8 crc32                 ~13300 MB/s   (already a dep;
 *         faster, but CRC32 is nowhere near the bottleneck next to MD5)
 *   CRC32C
 *     @node-rs/crc32 1.10.8 crc32c (napi, SSE4.2)  6471-6589 MB/s <- used
 *         (prebuilt binaries are optionalDependencies on the npm registry)
 *     @chainsafe/fast-crc32c 4.2.0                  6384 MB/s  = thin wrapper
 *         over @node-rs/crc32 with a JS fallback; no reason for the extra layer
 *     sse4_crc32 7.0.0                              9992 MB/s  rejected: no
 *         prebuilt binary, node-gyp compiles at install (needs a C++ toolchain
 *         and node headers, which node-gyp downloads from outside the registry)
 *     hand-written JS slice-by-8 (crc32cJs)         1398 MB/s  kept as fallback
 *     hand-written JS slice-by-16                   1435 MB/s  not worth 2x tables
 *     @aws-crypto/crc32c 5.2.0 (JS, byte at a time)  120 MB/s  rejected
 *   CRC64NVME
 *     hand-written JS slice-by-8 on int32 halves,
 *       Int32Array word reads on LE hosts           1501 MB/s  <- used
 *     same with byte reads                          1021 MB/s
 *     same, slice-by-16, byte reads                  980 MB/s
 *     @aws-sdk/crc64-nvme 3.972.50 (pure JS)         541 MB/s  rejected
 *     @aws-sdk/crc64-nvme-crt 3.1025.0     not benchmarked: needs the AWS CRT
 *         (aws-crt native package + loader), far too heavy for one CRC
 *     crc-64: not on the npm registry
 *   The rejected candidates are not installed; this file measures only what
 *   Coffer uses.
 */
import { createHash, randomFillSync } from 'node:crypto';
import {
  combineCrcParts,
  crc32cBackend,
  crc32cJs,
  createHasher,
  MultiHasher,
  type HashAlgorithm,
} from '../src/checksum/index.js';

const MIB = Number(process.argv[2] ?? 64);
const CHUNK = Number(process.argv[3] ?? 64) * 1024;
const RUNS = 3;

const data = randomFillSync(Buffer.allocUnsafe(MIB * 1024 * 1024));
const chunks: Buffer[] = [];
for (let o = 0; o < data.length; o += CHUNK) chunks.push(data.subarray(o, o + CHUNK));

function measure(fn: (chunks: Buffer[]) => unknown): number {
  fn(chunks.slice(0, Math.min(chunks.length, 128))); // warm up / JIT
  let best = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    fn(chunks);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, data.length / 1e6 / s);
  }
  return best;
}

const viaHasher = (a: HashAlgorithm) => (cs: Buffer[]) => {
  const h = createHasher(a);
  for (const c of cs) h.update(c);
  return h.digest();
};

const rows: Array<[string, number]> = [];
const md5 = measure(viaHasher('MD5'));
rows.push(['MD5 (node:crypto)', md5]);
rows.push(['SHA1 (node:crypto)', measure(viaHasher('SHA1'))]);
rows.push(['SHA256 (node:crypto)', measure(viaHasher('SHA256'))]);
rows.push(['CRC32 (node:zlib)', measure(viaHasher('CRC32'))]);
rows.push([`CRC32C (${crc32cBackend === 'native' ? '@node-rs/crc32' : 'JS fallback'})`, measure(viaHasher('CRC32C'))]);
rows.push([
  'CRC32C (JS slice-by-8 fallback)',
  measure((cs) => {
    let c = 0;
    for (const x of cs) c = crc32cJs(x, c);
    return c;
  }),
]);
rows.push(['CRC64NVME (JS slice-by-8)', measure(viaHasher('CRC64NVME'))]);
rows.push([
  'MultiHasher MD5+CRC64NVME',
  measure((cs) => {
    const m = new MultiHasher(['CRC64NVME']);
    for (const c of cs) m.update(c);
    return m.finish();
  }),
]);
rows.push([
  'MultiHasher MD5+CRC32C',
  measure((cs) => {
    const m = new MultiHasher(['CRC32C']);
    for (const c of cs) m.update(c);
    return m.finish();
  }),
]);

console.log(`node ${process.version}, ${MIB} MiB random data in ${CHUNK / 1024} KiB chunks, best of ${RUNS}`);
console.log('algorithm'.padEnd(36), 'MB/s'.padStart(8), 'x MD5'.padStart(8));
for (const [name, mbs] of rows) console.log(name.padEnd(36), mbs.toFixed(0).padStart(8), (mbs / md5).toFixed(2).padStart(8));

// FULL_OBJECT combine of 10,000 parts with distinct lengths (worst case: no cache hits).
for (const a of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
  const parts = Array.from({ length: 10_000 }, (_, i) => ({
    checksum: createHash('md5').update(String(i)).digest().subarray(0, a === 'CRC64NVME' ? 8 : 4),
    length: (5 << 20) + i * 7919,
  }));
  const t0 = performance.now();
  combineCrcParts(a, parts);
  console.log(`combine ${a} x 10,000 parts: ${(performance.now() - t0).toFixed(1)} ms`);
}
