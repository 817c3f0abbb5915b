import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AccessLogRecorder } from './access-log.js';
import { requestLineWriter, type Logger } from './logger.js';
import type { CofferMetrics } from './metrics.js';

/** What the pipeline learns about a request as it goes; read when the response closes. */
export interface RequestTrace {
  operation?: string;
  accessKeyId?: string;
  /** The S3 error code answered, if any. */
  errorCode?: string;
  /** The bucket the request was made to, once loaded (its owner too): what the access log needs. */
  bucket?: { readonly name: string; readonly ownerId: string };
  /** The object key, for object operations. */
  key?: string;
  /** The caller's canonical user id (absent: anonymous). */
  requesterId?: string;
  /** performance.now() when the operation was done and the response began. */
  respondingAt?: number;
}

/** Called by the pipeline when a request starts; returns the trace the pipeline fills in. */
export type RequestObserver = (req: IncomingMessage, res: ServerResponse, requestId: string) => RequestTrace;

/** Query parameters that carry signatures or credentials: their values never reach a log. */
const SECRET_QUERY_PARAMS = new Set(['x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'signature', 'awsaccesskeyid']);

/**
 * Feeds every request to the metrics and writes one log line per request at info: method, path,
 * query (secrets redacted), operation, status, error code, bytes in and out, milliseconds, the
 * caller's access key id. Bytes are counted on the socket between one response's end and the next
 * (headers, bodies, chunk signatures): over a connection's life they add up exactly.
 */
export function createRequestObserver(metrics: CofferMetrics, logger: Logger, accessLog?: AccessLogRecorder, hostId = '-'): RequestObserver {
  const accounted = new WeakMap<Socket, { read: number; written: number }>();
  const logRequests = logger.isLevelEnabled('info');
  const writeLine = requestLineWriter(logger);
  return (req, res, requestId) => {
    const started = performance.now();
    const receivedAt = accessLog && new Date();
    let bodyEnded: number | undefined;
    if (accessLog) req.once('end', () => (bodyEnded = performance.now()));
    const trace: RequestTrace = {};
    const socket = req.socket;
    metrics.requestStarted();
    res.on('close', () => { // a response closes once
      const finished = performance.now();
      const durationMs = finished - started;
      // One record per connection, updated in place (not a new one in the map per request).
      let counted = accounted.get(socket);
      if (!counted) accounted.set(socket, (counted = { read: 0, written: 0 }));
      const read = socket.bytesRead;
      const written = socket.bytesWritten;
      const bytesIn = read - counted.read;
      const bytesOut = written - counted.written;
      counted.read = read;
      counted.written = written;
      const operation = trace.operation ?? 'Unknown';
      // A response cut short (client gone) has no status of its own: 499 as nginx logs it.
      const status = res.writableFinished ? res.statusCode : 499;
      metrics.requestFinished({ operation, status, bytesIn, bytesOut, durationMs });
      if (accessLog && trace.bucket) accessLog.record({ req, res, trace, requestId, hostId, receivedAt: receivedAt!, started, bodyEnded, finished, status });
      if (logRequests) {
        const target = pathAndQuery(req.url ?? '/');
        writeLine({
          requestId, method: req.method, path: target.path, query: target.query, host: req.headers.host, operation, status,
          errorCode: trace.errorCode, bytesIn, bytesOut, ms: Math.round(durationMs * 10) / 10,
          accessKeyId: trace.accessKeyId, remote: socket.remoteAddress,
        });
      }
    });
    return trace;
  };
}

/** The request target as logged: the path, and the query with secret values replaced. */
export function pathAndQuery(url: string): { path: string; query?: string } {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return { path: url };
  const query = url.slice(queryAt + 1).split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const name = equals < 0 ? pair : pair.slice(0, equals);
    return SECRET_QUERY_PARAMS.has(safeDecode(name).toLowerCase()) ? `${name}=REDACTED` : pair;
  }).join('&');
  return { path: url.slice(0, queryAt), query };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
