/**
 * How tests run the real CLI as a child process: `node dist/main.js …`, as `npm start` runs it,
 * compiled from src/ first whenever a source file changed since the last build. Compiled, a
 * child starts on about half the CPU it takes through tsx's loader, and the suite starts
 * dozens of them. `npm test` builds before any test file runs (scripts/run-tests.mjs), so
 * test files running side by side never build at once; a file run alone builds for itself.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/package-root.js';

/** The repository (run from test/ through tsx, or compiled in .test-dist/test). */
export const REPO_ROOT = PACKAGE_ROOT;
/** Written after each build (tsc's incremental build does not rewrite unchanged outputs). */
const BUILT_STAMP = join(REPO_ROOT, 'dist/.built-for-tests');
const ENTRY = join(REPO_ROOT, 'dist/main.js');

let checked = false;

/** The arguments before the CLI's own: `node <these> serve …`. */
export function cofferEntry(): string[] {
  buildIfStale();
  return [ENTRY];
}

/** Compiles src/ into dist/ (tsc only: the console is built at install) unless it is up to date. */
export function buildIfStale(): void {
  if (checked) return;
  const mtime = (path: string) => {
    try {
      return statSync(path).mtimeMs;
    } catch {
      return 0;
    }
  };
  const newestSource = (dir: string): number => Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
  }));
  if (mtime(ENTRY) === 0 || mtime(BUILT_STAMP) <= newestSource(join(REPO_ROOT, 'src'))) {
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
    writeFileSync(BUILT_STAMP, `${new Date().toISOString()}\n`);
  }
  checked = true;
}
