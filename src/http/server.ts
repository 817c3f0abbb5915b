import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import { limits } from '../limits.js';
import { S3Error } from '../errors.js';
import { ClientFairness } from './client-fairness.js';
import { errorDocument } from './respond.js';
import { HOST_ID, nextRequestId } from './request-ids.js';

export interface HttpServerOptions {
  /** The header section must be complete within this (default limits.headersReceivedMsMax). */
  readonly headersTimeoutMs?: number;
  /** A socket with no bytes either way for this long is answered RequestTimeout and closed. */
  readonly idleTimeoutMs?: number;
  /** Connections beyond this many are answered 503 SlowDown and closed. */
  readonly connectionsMax?: number;
  /** Serve HTTP/1.1 over TLS with this certificate chain and key (PEM); replace them with setSecureContext. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Per client address (defaults from limits.ts): see http/client-fairness.ts. */
  readonly connectionsPerClientMax?: number;
  readonly requestsInFlightPerClientMax?: number;
  /** Headers and idle time of a connection not yet authenticated (never more than the others'). */
  readonly unauthenticatedTimeoutMs?: number;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The HTTP server: caps on the header section (bytes and count) and on connections, idle timeouts
 * instead of whole-request timeouts (a 5 GiB upload may take long; a silent client may not), Nagle
 * off so small responses go out at once; per client address, caps and short deadlines for the
 * unauthenticated (http/client-fairness.ts). What Node's parser refuses, a timeout, or a connection
 * over a cap still gets an S3 error document, except where a response has already begun.
 */
export function createHttpServer(handler: Listener, options: HttpServerOptions = {}): Server {
  const headersTimeout = options.headersTimeoutMs ?? limits.headersReceivedMsMax;
  const connectionsMax = options.connectionsMax ?? limits.connectionsMax;
  /** The request being answered on each socket, until it is answered and its body read. */
  const current = new WeakMap<Socket, ServerResponse>();
  const refused = new WeakSet<Socket>();
  const idleTimeout = options.idleTimeoutMs ?? limits.socketIdleMsMax;
  const fairness = new ClientFairness({
    connectionsPerClientMax: options.connectionsPerClientMax ?? limits.connectionsPerClientMax,
    requestsInFlightPerClientMax: options.requestsInFlightPerClientMax ?? limits.requestsInFlightPerClientMax,
    unauthenticatedMs: Math.min(options.unauthenticatedTimeoutMs ?? limits.unauthenticatedMsMax, headersTimeout, idleTimeout),
    onDeadline: (socket, midRequest) => (midRequest ? answerSocket(socket, current, 'RequestTimeout') : socket.destroy()),
  });

  const onRequest: Listener = (req, res) => {
    const socket = req.socket;
    if (refused.has(socket)) {
      res.destroy();
      return;
    }
    current.set(socket, res);
    // A response finishes and closes once: `on` spares each listener `once`'s wrapper.
    res.on('finish', () => {
      const done = () => current.get(socket) === res && current.delete(socket);
      if (req.complete) done();
      else req.once('end', done);
    });
    if (!fairness.startRequest(socket, res)) {
      sendError(res, new S3Error('SlowDown'));
      return;
    }
    // Node keeps at most maxHeadersCount headers and drops the rest silently: one more than the
    // limit is kept, so that a request over it is seen and refused.
    if (req.rawHeaders.length / 2 > limits.headerCountMax) {
      sendError(res, new S3Error('RequestHeaderSectionTooLarge', `Your request has more than ${limits.headerCountMax} headers.`));
      return;
    }
    handler(req, res);
  };

  const ordered = inOrder(onRequest);
  const tls = options.tls;
  const create = tls ? (serverOptions: ServerOptions, listener: Listener): Server => createTlsServer({ ...serverOptions, ...tls }, listener) : createServer;
  const server = create(
    {
      maxHeaderSize: limits.headerBytesMax,
      requestTimeout: 0,
      headersTimeout,
      // Node checks the headers timeout only this often (by default every 30 s).
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 4))),
      keepAliveTimeout: 65_000,
      noDelay: true,
    },
    ordered,
  );
  // Expect: Node answers 417 to anything but 100-continue, and `100 Continue` at once to that. S3
  // ignores other expectations, and the pipeline sends 100 only once the request is authenticated.
  server.on('checkExpectation', ordered);
  server.on('checkContinue', ordered);
  server.maxHeadersCount = limits.headerCountMax + 1;
  server.timeout = idleTimeout;

  const refuse = (socket: Socket): void => {
    refused.add(socket);
    socket.write(rawError(new S3Error('SlowDown')));
    socket.destroySoon();
  };
  let open = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', () => open--);
    if (open > connectionsMax) {
      // Under TLS this is the raw socket, before the handshake: there is no channel to answer on.
      if (tls) socket.destroy();
      else refuse(socket);
    } else if (!tls && !fairness.admit(socket)) {
      refuse(socket);
    }
  });
  // Under TLS requests arrive on the TLS socket, not the raw one: the client's share (and its
  // unauthenticated deadline) is counted on it, from the end of the handshake.
  if (tls) {
    server.on('secureConnection', (socket: Socket) => {
      if (!fairness.admit(socket)) refuse(socket);
    });
  }
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') answerSocket(socket, current, 'RequestTimeout');
    else if (error.code === 'ECONNRESET') socket.destroy();
    else if (error.code === 'HPE_INVALID_EOF_STATE' && current.get(socket)?.req.complete === false) {
      // The client ended its side before sending the body it announced.
      answerSocket(socket, current, 'IncompleteBody');
    } else {
      const code = error.code === 'HPE_HEADER_OVERFLOW' ? 'RequestHeaderSectionTooLarge' : 'BadRequest';
      afterAnsweredRequest(socket, current, () => answerSocket(socket, current, code));
    }
  });
  // Without this listener Node would destroy an idle socket without a word. Between requests it
  // closes quietly (an unasked-for response could be taken as the answer to the next request).
  server.on('timeout', (socket: Socket) => {
    if (current.has(socket)) answerSocket(socket, current, 'RequestTimeout');
    else socket.destroy();
  });
  return server;
}

/**
 * HTTP/1.1 pipelining: Node parses a connection's next request while the one before is still
 * being served, and would run both at once (a GET pipelined after a PUT of the same key could
 * read the old object). Requests of one connection are started one after another instead, each
 * once the previous response is finished (or its connection gone); Node writes responses in order.
 */
function inOrder(start: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  /** Connections with a request being served, and the requests pipelined behind it. */
  const busy = new WeakSet<Socket>();
  const waiting = new WeakMap<Socket, Array<() => void>>();
  return (req, res) => {
    const socket = req.socket;
    const run = () => {
      res.on('close', () => {
        const next = waiting.get(socket)?.shift();
        if (next) next();
        else busy.delete(socket);
      });
      start(req, res);
    };
    if (!busy.has(socket)) {
      busy.add(socket);
      run();
    } else {
      let queue = waiting.get(socket);
      if (!queue) waiting.set(socket, (queue = []));
      queue.push(run);
    }
  };
}

/** Codes answered at the socket level; their messages come from the error table. */
type SocketErrorCode = 'BadRequest' | 'IncompleteBody' | 'RequestHeaderSectionTooLarge' | 'RequestTimeout';

const BAD_REQUEST_MESSAGE = 'An error occurred when parsing the HTTP request.';

/**
 * Answers on the socket itself (Node's parser gave up, or the socket went idle) with a 400 S3
 * error, then closes it. If a response has begun on this socket, a second one would corrupt the
 * exchange: the connection is just closed.
 */
function answerSocket(socket: Socket, current: WeakMap<Socket, ServerResponse>, code: SocketErrorCode): void {
  const res = current.get(socket);
  if (!socket.writable || res?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(rawError(new S3Error(code, code === 'BadRequest' ? BAD_REQUEST_MESSAGE : undefined)));
  // A client that never closes its side is dropped when the socket next goes idle (not writable).
}

/**
 * A parse error after a request whose body was all read belongs to a request pipelined behind it
 * (or to stray bytes): the response being prepared goes out first — HTTP/1.1 answers in order —
 * and the error after it. An error inside a request still being read is answered at once.
 */
function afterAnsweredRequest(socket: Socket, current: WeakMap<Socket, ServerResponse>, then: () => void): void {
  const res = current.get(socket);
  if (res && res.req.complete && !res.closed) res.once('close', then);
  else then();
}

/** A whole HTTP/1.1 error response, for sockets no ServerResponse can answer. */
function rawError(error: S3Error): string {
  const requestId = nextRequestId();
  const body = errorDocument(error, requestId, HOST_ID);
  return `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n` +
    `x-amz-request-id: ${requestId}\r\nx-amz-id-2: ${HOST_ID}\r\nServer: Coffer\r\n` +
    `Content-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

function sendError(res: ServerResponse, error: S3Error): void {
  const requestId = nextRequestId();
  const body = errorDocument(error, requestId, HOST_ID);
  res.writeHead(error.status, {
    'x-amz-request-id': requestId, 'x-amz-id-2': HOST_ID, server: 'Coffer', 'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body), connection: 'close',
  });
  res.end(body);
}
