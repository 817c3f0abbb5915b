/**
 * `npm run bench:publish`: the figures in the repository in one command — runs `npm run bench`'s
 * run.ts and the cost curves (bench/curves.ts) on the build just made, keeps their JSON and
 * markdown in bench/results/publish-<time>/, and rewrites the part of docs/performance.md between
 * the `latest-figures` markers with them, the machine and the load average. Run it on a quiet
 * machine; the environment (BENCH_SECONDS, BENCH_REPS, …) passes through to both, with 3 s and 5
 * repetitions unless set.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { loadAverage } from './lib/measure.js';

/**
 * The page's figures are medians of 5 repetitions of 3 s unless the environment says otherwise:
 * with run.ts's own default (3 of 1.5 s) the SigV4 baseline's DELETE rate moved by 70 % between
 * two runs half an hour apart on a quiet machine (docs/performance.md, session 11).
 */
const PUBLISH_DEFAULTS = { BENCH_SECONDS: '3', BENCH_REPS: '5' };
for (const [name, value] of Object.entries(PUBLISH_DEFAULTS)) process.env[name] ??= value;

const DOC = 'docs/performance.md';
const START = '<!-- latest-figures:start (written by `npm run bench:publish`) -->';
const END = '<!-- latest-figures:end -->';

const started = new Date();
const dir = resolve('bench/results', `publish-${started.toISOString().replace(/[:.]/g, '-')}`);
await mkdir(dir, { recursive: true });
const loadBefore = loadAverage();
for (const script of ['bench/run.ts', 'bench/curves.ts']) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit', env: { ...process.env, BENCH_RESULTS: dir } });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status ?? result.signal}); docs left as they were`);
}
const loadAfter = loadAverage();

const markdownOf = (kind: string) => {
  const file = readdirSync(dir).find((f) => f.startsWith(`${kind}-`) && f.endsWith('.md'));
  if (!file) throw new Error(`no ${kind} markdown in ${dir}`);
  return readFileSync(join(dir, file), 'utf8').trim();
};
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
const settings = ['BENCH_SECONDS', 'BENCH_REPS', 'BENCH_WORKERS', 'BENCH_ONLY', 'BENCH_CURVE_SIZES', 'BENCH_CURVE_KEYS']
  .filter((name) => process.env[name] !== undefined).map((name) => `${name}=${process.env[name]}`);
const cores = cpus().length;
const loaded = Math.max(...[loadBefore, loadAfter].map((l) => Number(l.split(',')[0]))) > cores;
const section = [
  START,
  `Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC at ${commit || 'an unknown commit'}: \`${[...settings, 'npm run bench:publish'].join(' ')}\`; ` +
    `load average ${loadBefore} before, ${loadAfter} after. JSON and markdown were kept in \`bench/results/${dir.split('/').pop()}/\` (not committed).` +
    (loaded ? ` **The machine was loaded** (load average above its ${cores} cores): read the ratios and CPU per request, not the absolute rates.` : ''),
  '',
  markdownOf('bench'),
  '',
  '### How cost grows (`npm run bench:curves`)',
  '',
  markdownOf('curves'),
  END,
].join('\n');

const doc = readFileSync(DOC, 'utf8');
const from = doc.indexOf(START);
const to = doc.indexOf(END);
if (from < 0 || to < from) throw new Error(`${DOC}: the latest-figures markers are missing`);
writeFileSync(DOC, doc.slice(0, from) + section + doc.slice(to + END.length));
console.log(`\n${DOC}: "Latest figures" rewritten from ${dir}`);
