import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * JSON lines (pino) on stdout, or on `destination`. Nothing logged carries a secret: the request
 * line redacts signatures and credentials from the query, and no header is logged.
 * Written asynchronously: a synchronous write(2) per request line was 14 % of a 4 KiB GET's
 * CPU on the event loop (docs/performance.md); lines written while one write is under way go out
 * together in the next, and what is pending is flushed synchronously when the process exits.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'coffer' }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? pino.destination({ fd: 1, sync: false }));
}
