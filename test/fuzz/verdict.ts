import type { FuzzSession } from './fuzz-session.js';

/** File descriptors the server may hold more after the run than before it (none should stay). */
const FDS_GROWTH_MAX = 4;
/** RSS growth allowed over a run (the heap settles at its working size; a leak grows with requests). */
const RSS_GROWTH_BYTES_MAX = 96 * 1024 * 1024;

/** What is wrong with a fuzz session: server faults, timeouts, a crash, a leak. */
export function verdict(session: FuzzSession): string[] {
  const problems: string[] = [];
  if (session.report.failures.length > 0) problems.push(`${session.report.failures.length} requests answered 5xx (not 501), not within the timeout, or (well-formed) not at all`);
  if (session.exitCode !== 0) problems.push(`the server did not stop cleanly (exit code ${session.exitCode})`);
  if (session.after.fds > session.before.fds + FDS_GROWTH_MAX) problems.push(`file descriptors grew: ${session.before.fds} → ${session.after.fds}`);
  if (session.after.rssBytes > session.before.rssBytes + RSS_GROWTH_BYTES_MAX) {
    problems.push(`RSS grew: ${session.before.rssBytes >> 20} → ${session.after.rssBytes >> 20} MiB`);
  }
  if (/internal error/i.test(session.stderr)) problems.push('internal errors were logged');
  return problems;
}
