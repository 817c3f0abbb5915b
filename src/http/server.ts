import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { limits } from '../limits.js';
import { buildXml } from '../xml/codec.js';
import { HOST_ID, nextRequestId } from './request-ids.js';

/** Idle sockets (no bytes either way) are closed after this long, slow uploads included. */
const SOCKET_IDLE_MS = 120_000;

/**
 * The HTTP server: caps on headers, idle timeouts instead of whole-request timeouts (a 5 GiB
 * upload may take long; a silent client may not), Nagle off so small responses go out at once.
 */
export function createHttpServer(handler: Parameters<typeof createServer>[1]): Server {
  const server = createServer(
    {
      maxHeaderSize: limits.headerBytesMax,
      requestTimeout: 0,
      headersTimeout: 60_000,
      keepAliveTimeout: 65_000,
      noDelay: true,
    },
    handler,
  );
  server.timeout = SOCKET_IDLE_MS;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket));
  return server;
}

/** Requests Node's parser rejects still get an S3 error document, then the connection closes. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const code = tooLarge ? 'RequestHeaderSectionTooLarge' : 'BadRequest';
  const message = tooLarge ? 'Your request header section exceeds the maximum allowed size.' : 'An error occurred when parsing the HTTP request.';
  const requestId = nextRequestId();
  const body = buildXml('Error', { Code: code, Message: message, RequestId: requestId, HostId: HOST_ID }, null);
  socket.end(
    'HTTP/1.1 400 Bad Request\r\n' +
      `x-amz-request-id: ${requestId}\r\nx-amz-id-2: ${HOST_ID}\r\nServer: Coffer\r\n` +
      `Content-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
