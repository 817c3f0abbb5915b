import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Log lines gathered before a write: about 30 request lines. */
const LOG_BATCH_BYTES = 8 * 1024;
/** The longest a line waits for its write. */
const LOG_FLUSH_MS = 200;

/**
 * JSON lines (pino) on stdout, or on `destination`. Nothing logged carries a secret: the request
 * line redacts signatures and credentials from the query, and no header is logged.
 * Written asynchronously and in batches: a synchronous write(2) per request line was 14 % of a
 * 4 KiB GET's CPU on the event loop, and an asynchronous write per line still cost ~25 µs of a
 * GET's ~180 (a thread-pool round trip each; docs/performance.md). Lines are held until
 * LOG_BATCH_BYTES have gathered or LOG_FLUSH_MS has passed, so a busy server writes tens of lines
 * at a time and a quiet one shows each line within LOG_FLUSH_MS; what is pending is flushed
 * synchronously when the process exits (a SIGKILL loses at most that much).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    { level, base: { service: 'coffer' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ dest: 1, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS }),
  );
}
