/**
 * One request as a line of AWS's server access log format: space-separated fields, '-' for none,
 * the time in brackets, the request line, referer and user agent in double quotes (a double quote
 * or backslash inside one is escaped with a backslash). The request line's query has its
 * signature and credential values replaced (REDACTED), as Coffer's request log does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { OPERATIONS, type OperationName } from '../api/operations.js';
import { urlEncode } from '../api/parameters.js';
import { pathAndQuery, type RequestTrace } from './request-observer.js';
import { sentHeader } from './sent-headers.js';

export interface LoggedRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly trace: RequestTrace;
  readonly requestId: string;
  readonly hostId: string;
  /** Wall-clock time the request arrived. */
  readonly receivedAt: Date;
  /** performance.now() at arrival, at the end of the request body, and when the response finished. */
  readonly started: number;
  readonly bodyEnded: number | undefined;
  readonly finished: number;
  readonly status: number;
}

/** AWS's names for the operations whose log name is not REST.<METHOD>.<OBJECT|BUCKET|subresource>. */
const OPERATION_NAMES: Readonly<Record<string, string>> = {
  ListObjects: 'REST.GET.BUCKET',
  ListObjectsV2: 'REST.GET.BUCKET',
  ListObjectVersions: 'REST.GET.BUCKETVERSIONS',
  CopyObject: 'REST.COPY.OBJECT',
  DeleteObjects: 'REST.POST.MULTI_OBJECT_DELETE',
  CreateMultipartUpload: 'REST.POST.UPLOADS',
  ListMultipartUploads: 'REST.GET.UPLOADS',
  UploadPart: 'REST.PUT.PART',
  UploadPartCopy: 'REST.COPY.PART',
  CompleteMultipartUpload: 'REST.POST.UPLOAD',
  AbortMultipartUpload: 'REST.DELETE.UPLOAD',
  ListParts: 'REST.GET.UPLOAD',
  GetBucketLogging: 'REST.GET.LOGGING_STATUS',
  PutBucketLogging: 'REST.PUT.LOGGING_STATUS',
  GetBucketPolicy: 'REST.GET.BUCKETPOLICY',
  PutBucketPolicy: 'REST.PUT.BUCKETPOLICY',
  DeleteBucketPolicy: 'REST.DELETE.BUCKETPOLICY',
  GetObjectTagging: 'REST.GET.OBJECT_TAGGING',
  PutObjectTagging: 'REST.PUT.OBJECT_TAGGING',
  DeleteObjectTagging: 'REST.DELETE.OBJECT_TAGGING',
  GetBucketNotificationConfiguration: 'REST.GET.NOTIFICATION',
  PutBucketNotificationConfiguration: 'REST.PUT.NOTIFICATION',
};

export function formatAccessLogLine(request: LoggedRequest): string {
  const { req, res, trace } = request;
  const method = req.method ?? '-';
  const url = pathAndQuery(req.url ?? '/');
  const requestLine = `${method} ${url.path}${url.query === undefined ? '' : `?${url.query}`} HTTP/${req.httpVersion}`;
  const tls = tlsOf(req);
  const auth = authOf(req, trace);
  const respondingAt = trace.respondingAt ?? request.finished;
  const turnAround = respondingAt - Math.max(request.started, request.bodyEnded ?? request.started);
  // One template, not an array joined: this runs once per logged request.
  return `${trace.bucket?.ownerId ?? '-'} ${trace.bucket?.name ?? '-'} [${logTime(request.receivedAt)}] ${remoteAddressOf(req)} ` +
    `${trace.requesterId ?? '-'} ${request.requestId} ${operationName(trace.operation, method, trace.key !== undefined)} ` +
    `${trace.key === undefined ? '-' : urlEncode(trace.key)} ${quoted(requestLine)} ${request.status} ${trace.errorCode ?? '-'} ` +
    // An error's body is its error document, not the object.
    `${dash(bytesSent(method, res))} ${dash(trace.errorCode === undefined ? objectSize(trace.operation, req, res) : 0)} ` +
    `${Math.round(request.finished - request.started)} ${Math.max(0, Math.round(turnAround))} ` +
    `${quoted(req.headers.referer ?? '-')} ${quoted(req.headers['user-agent'] ?? '-')} ${sentHeader(res, 'x-amz-version-id') ?? '-'} ` +
    `${request.hostId} ${auth.signatureVersion} ${tls?.cipher ?? '-'} ${auth.type} ${req.headers.host ?? '-'} ${tls?.version ?? '-'} ` +
    // Access point ARN (Coffer has no access points), aclRequired (not recorded whether an ACL decided the request).
    '- -';
}

function remoteAddressOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress;
  if (address === undefined) return '-';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function operationName(operation: string | undefined, method: string, isObject: boolean): string {
  if (operation === 'Website') return `WEBSITE.${method}.OBJECT`;
  const named = operation && OPERATION_NAMES[operation];
  if (named) return named;
  const subresource = operation && operation in OPERATIONS ? OPERATIONS[operation as OperationName].subresource : undefined;
  const resource = subresource ? subresource.toUpperCase().replace(/-/g, '_') : isObject ? 'OBJECT' : 'BUCKET';
  return `REST.${method}.${resource}`;
}

/** Response body bytes (headers not counted, as AWS counts them); none for HEAD. */
function bytesSent(method: string, res: ServerResponse): number {
  if (method === 'HEAD') return 0;
  return Number(sentHeader(res, 'content-length') ?? 0);
}

/** The whole object's size for object reads and writes. */
function objectSize(operation: string | undefined, req: IncomingMessage, res: ServerResponse): number {
  if (operation === 'GetObject' || operation === 'HeadObject' || operation === 'Website') {
    const range = /\/(\d+)$/.exec(sentHeader(res, 'content-range') ?? '');
    return range ? Number(range[1]) : Number(sentHeader(res, 'content-length') ?? 0);
  }
  if (operation === 'PutObject' || operation === 'UploadPart') {
    return Number(req.headers['x-amz-decoded-content-length'] ?? req.headers['content-length'] ?? 0);
  }
  return 0;
}

function authOf(req: IncomingMessage, trace: RequestTrace): { signatureVersion: string; type: string } {
  if (trace.requesterId === undefined) return { signatureVersion: '-', type: '-' };
  const authorization = req.headers.authorization;
  if (authorization) return { signatureVersion: authorization.startsWith('AWS4-') ? 'SigV4' : 'SigV2', type: 'AuthHeader' };
  const url = req.url ?? '';
  if (/[?&]X-Amz-Algorithm=/i.test(url)) return { signatureVersion: 'SigV4', type: 'QueryString' };
  if (/[?&]Signature=/.test(url)) return { signatureVersion: 'SigV2', type: 'QueryString' };
  return { signatureVersion: 'SigV4', type: 'HtmlForm' };
}

function tlsOf(req: IncomingMessage): { cipher: string; version: string } | undefined {
  const socket = req.socket as TLSSocket;
  if (socket.encrypted !== true) return undefined;
  const cipher = socket.getCipher();
  return { cipher: cipher.name, version: socket.getProtocol() ?? '-' };
}

function dash(count: number): string {
  return Number.isFinite(count) && count > 0 ? String(count) : '-';
}

const NEEDS_ESCAPE = /["\\]/;

function quoted(text: string): string {
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"` : `"${text}"`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The last second formatted: the requests of one second share it. */
let lastTime = { second: NaN, text: '' };

/** 06/Feb/2019:00:00:38 +0000 */
export function logTime(time: Date): string {
  const second = Math.floor(time.getTime() / 1000);
  if (second === lastTime.second) return lastTime.text;
  const two = (n: number) => String(n).padStart(2, '0');
  const text = `${two(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:` +
    `${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000`;
  lastTime = { second, text };
  return text;
}
