import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { S3Error } from '../errors.js';
import type { OperationResult } from '../ops/types.js';
import { buildXml } from '../xml/codec.js';
import type { Route } from '../api/router.js';

/** The one writer of successful responses. */
export async function sendResult(req: IncomingMessage, res: ServerResponse, result: OperationResult): Promise<void> {
  res.statusCode = result.status ?? 200;
  if (result.headers) {
    for (const [name, value] of Object.entries(result.headers)) if (value !== undefined) res.setHeader(name, value);
  }
  const bodyless = req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
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
  const payload = result.xml ? buildXml(result.xml.root, result.xml.body, result.xml.namespace) : result.payload;
  if (payload === undefined) {
    if (!res.hasHeader('content-length') && !bodyless) res.setHeader('content-length', 0);
    res.end();
    return;
  }
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (result.xml && !res.hasHeader('content-type')) res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', bytes.length);
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
