#!/usr/bin/env node
// Runs every test file under test/ with node's test runner, compiled: tsc type-checks the project
// and writes it to .test-dist/ (tsconfig.test.json, incremental), and node runs the .js files.
// Through tsx's loader, each test file's process took about a second more CPU to start (a hook
// call per module of the SDK and of Coffer): with ~160 files, the suite's largest fixed cost.
// One file can still run from source: node --import tsx --test test/….test.ts
// Usage: node scripts/run-tests.mjs [path-filter ...]   e.g. `npm test -- test/unit`
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';

const OUT_DIR = '.test-dist';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

// The AWS SDK warns, once per process, that its releases after January 2027 will need Node 22
// (the lockfile pins one that runs on Node 20). Printed by each of ~160 test processes, those
// nine lines would bury the failures in CI's log.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
// A session token left in the environment (an AWS SSO login, say) would ride along with the
// CLIs' requests to the test servers, which refuse tokens they never issued (InvalidToken).
delete env.AWS_SESSION_TOKEN;
delete env.AWS_SECURITY_TOKEN;

function run(args) {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const filters = process.argv.slice(2);
const files = find('test').filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p) || f.includes(p))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Type errors fail the run here, before any test.
run([createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.test.json']);
// Tests run the CLI compiled (test/helpers/coffer-entry.ts): built here, once, when stale, rather
// than by test files running side by side.
run(['--input-type=module', '-e', `(await import('./${OUT_DIR}/test/helpers/coffer-entry.js')).buildIfStale()`]);
const concurrency = process.env.TEST_CONCURRENCY ?? String(Math.max(2, availableParallelism()));
const compiled = files.map((file) => join(OUT_DIR, file.replace(/\.ts$/, '.js')));
run(['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...compiled]);
