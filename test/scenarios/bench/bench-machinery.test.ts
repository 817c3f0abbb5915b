/**
 * `npm run bench` must not rot between the runs that fill in docs/performance.md: one plain
 * scenario and one feature-on row, 0.2 s each, against the built Coffer (dist/, rebuilt when stale) and
 * the SigV4 baseline, must print the table and its targets and write JSON with error-free figures.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { buildIfStale } from '../../helpers/coffer-entry.js';

const run = promisify(execFile);

describe('bench', () => {
  it('bench.one scenario and one feature row print the table, the targets and the JSON', async () => {
    buildIfStale();
    const results = await mkdtemp(join(tmpdir(), 'coffer-bench-test-'));
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
        env: {
          ...process.env,
          BENCH_ONLY: 'PUT 4KiB,PUT 4KiB · SSE-C',
          BENCH_SECONDS: '0.2', BENCH_REPS: '1', BENCH_WORKERS: '1', BENCH_NGINX: '0', BENCH_DISK: '0',
          BENCH_RESULTS: results,
        },
        timeout: 60_000,
      });
      assert.match(stdout, /^\| scenario \| Coffer \| node\+SigV4 \(Coffer ÷\) \| nginx \(Coffer ÷\) \| Coffer CPU per op \|$/m);
      assert.match(stdout, /^\| PUT 4KiB ops\/s \| [\d,]+ \| [\d,]+ \(\d+\.\d\d×\) \| — \| [\d,]+ [µm]s \|$/m);
      assert.match(stdout, /^\| PUT 4KiB · SSE-C ops\/s \| [\d,]+ \(\d+\.\d\d× plain\) \| — \| — \| [\d,]+ [µm]s \(plain [\d,]+ [µm]s\) \|$/m);
      assert.match(stdout, /^ {2}(met|NOT MET) — PUT 4KiB Coffer CPU µs per op ≤ 300: /m);

      const json = (await readdir(results)).find((f) => f.endsWith('.json'));
      assert.ok(json, 'a JSON file is written');
      const written = JSON.parse(await readFile(join(results, json), 'utf8'));
      for (const name of ['PUT 4KiB', 'PUT 4KiB · SSE-C']) {
        assert.ok(written.results[name].coffer.requests > 0, `${name}: requests were measured`);
        assert.equal(written.results[name].coffer.errors, 0, `${name}: no request failed`);
      }
      assert.equal(written.results['PUT 4KiB · SSE-C'].plain.errors, 0);
      assert.ok(written.targets.some((t: { label: string }) => t.label === 'PUT 4KiB Coffer CPU µs per op ≤ 300'));
    } finally {
      await rm(results, { recursive: true, force: true });
    }
  });
});
