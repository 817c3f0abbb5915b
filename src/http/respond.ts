import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { S3Error } from '../errors.js';
import type { OperationResult } from '../ops/types.js';
import { buildXml } from '../xml/codec.js';
import type { Route } from '../api/router.js';
import { rememberSentHeaders } from '../observe/sent-headers.js';

/**
 * The headers every S3 response starts with. The pipeline's own success responses carry them in
 * sendResult's single writeHead; every other writer (errors, website pages, preflights, deferred
 * answers) has them set on the response first, with this.
 */
export function setRequestIds(res: ServerResponse, requestId: string, hostId: string): void {
  if (res.headersSent || res.hasHeader('x-amz-request-id')) return;
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', hostId);
  res.setHeader('server', 'Coffer');
}

/**
 * The one writer of successful responses. Status and headers go out in one `writeHead` with a
 * flat array (no setHeader per header: Node then stores no header object of its own); `ids`
 * puts the request ids first, for a response that setRequestIds has not already stamped.
 */
export async function sendResult(req: IncomingMessage, res: ServerResponse, result: OperationResult, ids?: { readonly requestId: string; readonly hostId: string }): Promise<void> {
  const status = result.status ?? 200;
  const bodyless = req.method === 'HEAD' || status === 204 || status === 304;
  const payload = result.stream ? undefined : result.xml ? buildXml(result.xml.root, result.xml.body, result.xml.namespace) : result.payload;
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head: Array<string | number> = ids ? ['x-amz-request-id', ids.requestId, 'x-amz-id-2', ids.hostId, 'server', 'Coffer'] : [];
  let contentLength: string | number | undefined;
  let contentType = false;
  const headers = result.headers;
  if (headers) {
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      if (name === 'content-length') {
        contentLength = value; // written below, once: a payload's own length wins
        continue;
      }
      if (name === 'content-type') contentType = true;
      head.push(name, value);
    }
  }
  if (bytes !== undefined) {
    if (result.xml && !contentType && !res.hasHeader('content-type')) head.push('content-type', 'application/xml');
    contentLength = bytes.length;
  } else if (contentLength === undefined && !result.stream && !bodyless && !res.hasHeader('content-length')) {
    contentLength = 0;
  }
  if (contentLength !== undefined) head.push('content-length', contentLength);
  res.writeHead(status, head);
  rememberSentHeaders(res, headers, contentLength);
  if (result.stream) {
    if (bodyless) {
      result.stream.destroy();
      res.end();
      return;
    }
    // Headers are out once the first byte is: a failure mid-stream can only cut the connection
    // (pipeline destroys it); the failure goes on to the caller, which logs it.
    await pipeline(result.stream, res);
    return;
  }
  res.end(bodyless ? undefined : bytes);
}

/** The one writer of errors: S3's XML, with the fields AWS adds for the code in question. */
export function sendError(req: IncomingMessage, res: ServerResponse, error: S3Error, requestId: string, hostId: string, route?: Partial<Route>, resource?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const detail: Record<string, string | number | undefined> = { ...error.detail };
  if (route?.bucket && (error.code === 'NoSuchBucket' || error.code === 'BucketNotEmpty' || error.code === 'BucketAlreadyExists' || error.code === 'BucketAlreadyOwnedByYou')) {
    detail.BucketName ??= route.bucket;
  }
  if (route?.key && (error.code === 'NoSuchKey' || error.code === 'KeyTooLongError')) detail.Key ??= route.key;
  res.statusCode = error.status;
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  if (req.method === 'HEAD' || error.status === 304) {
    res.end();
    return;
  }
  const body = errorDocument(error, requestId, hostId, detail, resource);
  res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * S3's error document: Code, Message, the code's detail fields, Resource, RequestId, HostId. Every
 * writer of an error (this one, the keep-alive stream, the socket-level answers) uses it.
 */
export function errorDocument(error: S3Error, requestId: string, hostId: string, detail: S3Error['detail'] = error.detail, resource?: string): string {
  return buildXml('Error', { Code: error.code, Message: error.message, ...detail, Resource: resource, RequestId: requestId, HostId: hostId }, null);
}
