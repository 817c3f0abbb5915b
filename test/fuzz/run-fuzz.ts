/**
 * `npm run fuzz`: 100,000 random and mutated requests against a Coffer process (bounded in time),
 * then the verdict: no 5xx but 501, no timeout, no crash, no file-descriptor or memory growth.
 * Environment: FUZZ_REQUESTS (100,000), FUZZ_SECONDS (1,800), FUZZ_SEED (random), FUZZ_CONCURRENCY (8).
 */
import { fuzzSession } from './fuzz-session.js';
import { verdict } from './verdict.js';

const session = await fuzzSession({
  requests: Number(process.env.FUZZ_REQUESTS ?? 100_000),
  durationMs: Number(process.env.FUZZ_SECONDS ?? 1_800) * 1000,
  seed: Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31)),
  concurrency: Number(process.env.FUZZ_CONCURRENCY ?? 8),
});
const problems = verdict(session);
const statuses = Object.entries(session.report.statuses).sort((a, b) => b[1] - a[1]);
console.log(JSON.stringify({
  seed: session.seed, requests: session.report.requests, seconds: Math.round(session.ms / 1000),
  requestsPerSecond: Math.round(session.report.requests / (session.ms / 1000)),
  fds: [session.before.fds, session.after.fds], rssMiB: [session.before.rssBytes >> 20, session.after.rssBytes >> 20],
  exitCode: session.exitCode, statuses: Object.fromEntries(statuses),
}, null, 2));
for (const failure of session.report.failures.slice(0, 20)) console.log(JSON.stringify(failure));
if (problems.length > 0) {
  console.log(`FAILED: ${problems.join('; ')}`);
  if (session.stderr) console.log(`server stderr (tail):\n${session.stderr.slice(-5000)}`);
  process.exitCode = 1;
} else {
  console.log(`clean: ${session.report.requests} requests`);
}
