/**
 * The request fuzzer's short run (`npm run fuzz` does 100,000): random and mutated requests against
 * a Coffer process for ~10 s; no 5xx but 501, every well-formed request answered, no crash, no
 * growth of file descriptors or memory. FUZZ_SEED replays a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzSession } from './fuzz-session.js';
import { verdict } from './verdict.js';

test('Fuzz.random and mutated requests for ~10 s: no server error, no request left unanswered, no crash, no leak', async (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const session = await fuzzSession({ requests: 5_000, durationMs: 10_000, seed, concurrency: 4 });
  t.diagnostic(`seed ${seed}: ${session.report.requests} requests in ${session.ms} ms; fds ${session.before.fds} → ${session.after.fds}; ` +
    `RSS ${session.before.rssBytes >> 20} → ${session.after.rssBytes >> 20} MiB`);
  t.diagnostic(`statuses: ${JSON.stringify(session.report.statuses)}`);
  for (const failure of session.report.failures.slice(0, 5)) t.diagnostic(JSON.stringify(failure).slice(0, 1500));
  assert.ok(session.report.requests > 200, 'the fuzzer ran');
  assert.deepEqual(verdict(session), [], session.stderr.slice(-3000));
});
