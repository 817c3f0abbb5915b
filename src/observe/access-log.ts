/**
 * The server access log's recorder. The request observer hands it each finished request to a bucket;
 * if the bucket's logging is on, its line goes into a bounded in-memory buffer, and the buffer is
 * appended to the metadata store's spool in one durable write every `spoolMs`. Nothing here runs
 * before the response has finished, and nothing here can fail a request: a spool write that fails
 * is logged and its lines lost, lines past the buffer's bound are dropped and counted. So a crash
 * loses at most the last `spoolMs` of lines — logging is best-effort, as AWS's is.
 */
import { Counter } from 'prom-client';
import { limits } from '../limits.js';
import type { AccessLogLine, MetadataStore } from '../store/meta/metadata-store.js';
import { formatAccessLogLine, type LoggedRequest } from './access-log-line.js';
import type { Logger } from './logger.js';
import type { CofferMetrics } from './metrics.js';

export interface AccessLogRecorderOptions {
  readonly meta: MetadataStore;
  readonly metrics: CofferMetrics;
  readonly logger: Logger;
  /** How often buffered lines are written to the spool (default 1 s). */
  readonly spoolMs?: number;
}

/** A bucket's logging switch is read from the store at most this often (a change applies within it). */
const CONFIG_TTL_MS = 2000;
const SPOOL_MS_DEFAULT = 1000;

export class AccessLogRecorder {
  private readonly meta: MetadataStore;
  private readonly logger: Logger;
  private readonly enabled = new Map<string, { on: boolean; until: number }>();
  private readonly lookups = new Map<string, Promise<boolean>>();
  private buffer: AccessLogLine[] = [];
  private readonly perBucket = new Map<string, number>();
  private readonly dropped: Counter;
  private readonly timer: NodeJS.Timeout;
  private spooling: Promise<void> = Promise.resolve();

  constructor(options: AccessLogRecorderOptions) {
    this.meta = options.meta;
    this.logger = options.logger;
    this.dropped = new Counter({
      name: 'coffer_access_log_dropped_lines_total',
      help: 'Server access log lines lost: the buffer was full or the spool write failed.',
      registers: [options.metrics.registry],
    });
    this.timer = setInterval(() => void this.spool(), options.spoolMs ?? SPOOL_MS_DEFAULT);
    this.timer.unref();
  }

  /** Called once the response has finished (or the client has gone). */
  record(request: LoggedRequest): void {
    const bucket = request.trace.bucket?.name;
    if (bucket === undefined) return;
    const known = this.enabled.get(bucket);
    if (known && known.until > Date.now()) {
      if (known.on) this.add(bucket, request);
      return;
    }
    // The line is made now, while the request's state is at hand; kept only if logging is on.
    const line = formatAccessLogLine(request);
    this.isEnabled(bucket).then((on) => {
      if (on) this.push({ bucket, time: request.receivedAt, line });
    }, (error: unknown) => this.logger.warn({ err: error, bucket }, 'access log: reading the logging configuration failed'));
  }

  /** One read of a bucket's configuration at a time, however many requests finish meanwhile. */
  private isEnabled(bucket: string): Promise<boolean> {
    let lookup = this.lookups.get(bucket);
    if (!lookup) {
      lookup = this.meta.getBucketConfig(bucket, 'logging').then((config) => {
        this.enabled.set(bucket, { on: config !== undefined, until: Date.now() + CONFIG_TTL_MS });
        return config !== undefined;
      }).finally(() => this.lookups.delete(bucket));
      this.lookups.set(bucket, lookup);
    }
    return lookup;
  }

  /** Writes what is buffered; resolves when it is in the spool. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled(this.lookups.values());
    await this.spool();
  }

  private add(bucket: string, request: LoggedRequest): void {
    this.push({ bucket, time: request.receivedAt, line: formatAccessLogLine(request) });
  }

  private push(line: AccessLogLine): void {
    const count = this.perBucket.get(line.bucket) ?? 0;
    if (count >= limits.accessLogBufferedLinesPerBucketMax) {
      this.dropped.inc();
      return;
    }
    this.perBucket.set(line.bucket, count + 1);
    this.buffer.push(line);
  }

  /** One spool write at a time; lines recorded meanwhile wait for the next. */
  private spool(): Promise<void> {
    this.spooling = this.spooling.then(async () => {
      if (this.buffer.length === 0) return;
      const lines = this.buffer;
      this.buffer = [];
      this.perBucket.clear();
      try {
        await this.meta.appendAccessLog(lines);
      } catch (error) {
        this.dropped.inc(lines.length);
        this.logger.warn({ err: error, lines: lines.length }, 'access log: spooling lines failed; they are lost');
      }
    });
    return this.spooling;
  }
}
