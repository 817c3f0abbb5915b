import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Log lines gathered before a write: about 30 request lines. */
const LOG_BATCH_BYTES = 8 * 1024;
/** The longest a line waits for its write. */
const LOG_FLUSH_MS = 200;

/** Loggers made here: their lines are pino's defaults, which writeRequestLine reproduces. */
const plainLoggers = new WeakSet<Logger>();

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
  const logger = pino({ level, base: { service: 'coffer' }, timestamp: isoTime }, destination ?? stdoutInTurns());
  plainLoggers.add(logger);
  return logger;
}

/** sonic-boom (what pino.destination makes) in its buffer mode, as far as it is used here. */
interface ByteWriter {
  write(bytes: Buffer): boolean;
  flush(callback: (error?: Error) => void): void;
  flushSync(): void;
}

/**
 * stdout, a turn of the event loop's lines at a time: they are gathered as text and handed to the
 * file writer (sonic-boom) as one buffer when the turn ends, or at LOG_BATCH_BYTES. Given each
 * line as text, sonic-boom measured the UTF-8 length of all it held on every write: ~10 µs per
 * request line on a busy server (docs/performance.md). Every line goes through here, request
 * lines and pino's own, so their order is kept.
 */
class StdoutInTurns implements DestinationStream {
  private readonly out = pino.destination({
    dest: 1, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS, contentMode: 'buffer',
  }) as unknown as ByteWriter; // sonic-boom's types know only its text mode
  private pending = '';
  private scheduled = false;

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= LOG_BATCH_BYTES) this.drain();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainAtTurnEnd);
    }
  }

  /** pino's logger.flush(callback). */
  flush(callback: (error?: Error) => void): void {
    this.drain();
    this.out.flush(callback);
  }

  flushSync(): void {
    this.drain();
    this.out.flushSync();
  }

  private readonly drainAtTurnEnd = (): void => {
    this.scheduled = false;
    this.drain();
  };

  private drain(): void {
    if (this.pending === '') return;
    const bytes = Buffer.from(this.pending);
    this.pending = '';
    this.out.write(bytes);
  }
}

/** Writers whose last lines are written out when the process exits (a turn's may be pending). */
const liveWriters = new Set<WeakRef<StdoutInTurns>>();
let writesOutAtExit = false;

function stdoutInTurns(): StdoutInTurns {
  // Installed before the first file writer is made: pino ends that writer in an exit listener of
  // its own, and this one must hand it the last lines first.
  if (!writesOutAtExit) {
    process.on('exit', writeOutAtExit);
    writesOutAtExit = true;
  }
  const writer = new StdoutInTurns();
  for (const ref of liveWriters) if (ref.deref() === undefined) liveWriters.delete(ref);
  liveWriters.add(new WeakRef(writer));
  return writer;
}

function writeOutAtExit(): void {
  for (const ref of liveWriters) {
    try {
      ref.deref()?.flushSync();
    } catch {
      // Its writer already ended (stdout closed): nothing more can be written.
    }
  }
}

let isoSecond = Number.NaN;
let isoSecondPrefix = '';

/**
 * pino's `isoTime` (`,"time":"2026-12-01T00:25:43.123Z"`), the text up to the second made once a
 * second: a Date and its toISOString per line were ~1 µs of every request's log line.
 */
export function isoTime(): string {
  const now = Date.now();
  const ms = now % 1000;
  const second = now - ms;
  if (second !== isoSecond) {
    isoSecond = second;
    isoSecondPrefix = `,"time":"${new Date(second).toISOString().slice(0, -4)}`;
  }
  return `${isoSecondPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}

/** The fields of a request's log line, in the order they are written. */
export interface RequestLine {
  readonly requestId: string;
  readonly method: string | undefined;
  readonly path: string;
  readonly query: string | undefined;
  readonly host: string | undefined;
  readonly operation: string;
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly ms: number;
  readonly accessKeyId: string | undefined;
  readonly remote: string | undefined;
}

/**
 * A writer of request lines at info, byte for byte what `logger.info(fields, 'request')` writes.
 * For a logger made by createLogger the line is put together here and handed to its destination:
 * pino's generic serialisation (a loop over the object's keys, a serializer and stringifier
 * lookup for each) cost a few µs of every request. Any other logger is called as usual.
 */
export function requestLineWriter(logger: Logger): (line: RequestLine) => void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { write(line: string): void } & Record<symbol, unknown> | undefined;
  // A multistream reads the line's level and object from the stream as well: pino does that.
  if (!plainLoggers.has(logger) || !stream || stream[Symbol.for('pino.metadata')] === true) {
    return (line) => logger.info(line, 'request');
  }
  const fields = logger as unknown as Record<symbol, string>;
  const levelPrefix = `{"level":${logger.levels.values.info}`;
  const chindings = fields[pino.symbols.chindingsSym]!;
  return (line) => {
    stream.write(
      `${levelPrefix}${isoTime()}${chindings},"requestId":${jsonString(line.requestId)}` +
      `${line.method === undefined ? '' : `,"method":${jsonString(line.method)}`}` +
      `,"path":${jsonString(line.path)}` +
      `${line.query === undefined ? '' : `,"query":${jsonString(line.query)}`}` +
      `${line.host === undefined ? '' : `,"host":${jsonString(line.host)}`}` +
      `,"operation":${jsonString(line.operation)},"status":${jsonNumber(line.status)}` +
      `${line.errorCode === undefined ? '' : `,"errorCode":${jsonString(line.errorCode)}`}` +
      `,"bytesIn":${jsonNumber(line.bytesIn)},"bytesOut":${jsonNumber(line.bytesOut)},"ms":${jsonNumber(line.ms)}` +
      `${line.accessKeyId === undefined ? '' : `,"accessKeyId":${jsonString(line.accessKeyId)}`}` +
      `${line.remote === undefined ? '' : `,"remote":${jsonString(line.remote)}`}` +
      ',"msg":"request"}\n',
    );
  };
}

/** A number as pino writes it: non-finite ones as null. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** From Node 25 on, pino writes every string with JSON.stringify. */
const PINO_STRINGIFIES = Number(process.versions.node.split('.')[0]) >= 25;

/**
 * A string as pino (10) writes it: before Node 25, quotes and backslashes escaped by hand in
 * short strings without control characters, JSON.stringify otherwise.
 */
function jsonString(text: string): string {
  if (PINO_STRINGIFIES) return JSON.stringify(text);
  const length = text.length;
  if (length > 100) return JSON.stringify(text);
  let result = '';
  let last = 0;
  let found = false;
  let point = 255;
  for (let i = 0; i < length && point >= 32; i++) {
    point = text.charCodeAt(i);
    if (point === 34 || point === 92) {
      result += `${text.slice(last, i)}\\`;
      last = i;
      found = true;
    }
  }
  result = found ? result + text.slice(last) : text;
  return point < 32 ? JSON.stringify(text) : `"${result}"`;
}
