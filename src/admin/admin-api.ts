/**
 * The admin API's HTTP edge: JSON under `/_admin/v1/` on the S3 listener (a path starting with
 * `_` is never a bucket). Every request is SigV4-signed (Authorization header, service `s3`, the
 * body's SHA-256 in x-amz-content-sha256) and verified by the same authenticator as S3 requests;
 * what the caller may do is then asked of the one authorizer as an action `coffer-admin:<Name>`
 * on resource `*`: the root may do everything, a user whatever its identity policy allows.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authorize } from '../access/authorize.js';
import type { ConditionValues } from '../access/policy/index.js';
import { authenticate } from '../auth/authenticate.js';
import { IdentityError } from '../auth/identities.js';
import { S3Error } from '../errors.js';
import { sourceIp } from '../http/condition-values.js';
import { nextRequestId } from '../http/request-ids.js';
import { limits } from '../limits.js';
import { AdminError } from './admin-errors.js';
import { ADMIN_ENDPOINTS, adminErrorOf, type AdminEndpoint, type AdminServices } from './endpoints.js';

export const ADMIN_PREFIX = '/_admin/';
const API_ROOT = '/_admin/v1';

export interface AdminApiOptions {
  readonly services: AdminServices;
  readonly authorize: Authorize;
  readonly rootUserId: string;
  readonly logError: (requestId: string, error: unknown) => void;
  /** Told each answered request: the endpoint's method and path pattern (`-` when none matched) and status. */
  readonly recordRequest?: (endpoint: string, status: number) => void;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Answers path-style requests under /_admin/ and hands everything else to `next`. */
export function withAdminApi(options: AdminApiOptions, isVirtualHost: (host: string | undefined) => boolean, next: Handler): Handler {
  return (req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(ADMIN_PREFIX) || isVirtualHost(req.headers.host)) return next(req, res);
    const requestId = nextRequestId();
    const routed: { endpoint?: AdminEndpoint } = {};
    const record = (status: number) => options.recordRequest?.(routed.endpoint ? `${routed.endpoint.method} ${routed.endpoint.path}` : '-', status);
    answer(options, req, routed).then(
      (reply) => {
        record(reply.status);
        send(res, requestId, reply.status, reply.body);
      },
      (error: unknown) => {
        const known = asAdminError(error);
        if (!known) options.logError(requestId, error);
        const failure = known ?? { code: 'InternalError', status: 500, message: 'We encountered an internal error. Please try again.' };
        record(failure.status);
        send(res, requestId, failure.status, { code: failure.code, message: failure.message, requestId });
        // A body left unread (refused before it was read) is not drained: the connection closes.
        if (!req.complete) res.once('finish', () => req.destroy());
      },
    );
  };
}

async function answer(options: AdminApiOptions, req: IncomingMessage, routed: { endpoint?: AdminEndpoint }): Promise<{ status: number; body?: unknown }> {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
  const now = new Date();
  const headers = req.headers as Record<string, string | undefined>;
  const auth = authenticate(
    { method: req.method ?? 'GET', rawPath, rawQuery: queryAt < 0 ? '' : url.slice(queryAt + 1), headers, rawHeaders: req.rawHeaders, now, authorizationHeaderCount: countAuthorization(req) },
    options.services.identities,
    options.services.region,
  );
  if (auth.user === null || auth.method !== 'sigv4-header') {
    throw new AdminError('AccessDenied', 'Admin API requests must be signed with AWS Signature Version 4 in the Authorization header.');
  }
  if (auth.payload.kind !== 'sha256') {
    throw new AdminError('InvalidRequest', "x-amz-content-sha256 must be the hex SHA-256 of the request body (not UNSIGNED-PAYLOAD or aws-chunked).");
  }
  const { endpoint, params } = route(req.method ?? 'GET', rawPath);
  routed.endpoint = endpoint;
  const body = await readBody(req, auth.payload.expectedHex);
  const user = auth.user;
  const context = { time: now, values: conditionValues(req, headers) };
  const allowed = (action: string) => options.authorize(user, `coffer-admin:${action}`, {}, context).then(() => true, (error: unknown) => {
    if (error instanceof S3Error && error.code === 'AccessDenied') return false;
    throw error;
  });
  if (endpoint.action !== undefined && !(await allowed(endpoint.action))) {
    throw new AdminError('AccessDenied', `User ${user.displayName} is not allowed coffer-admin:${endpoint.action}.`);
  }
  return endpoint.handle({
    services: options.services,
    params,
    body,
    caller: async () => ({
      userName: user.displayName,
      accessKeyId: user.accessKeyId,
      canonicalId: user.id,
      root: user.id === options.rootUserId,
      admin: await allowed('ListUsers'),
    }),
  });
}

/** The endpoint a method and path name: 404 NotFound for no path, 405 for a path without this method. */
function route(method: string, rawPath: string): { endpoint: AdminEndpoint; params: string[] } {
  if (!rawPath.startsWith(`${API_ROOT}/`)) throw new AdminError('NotFound', `No admin endpoint at ${rawPath}; the API is under ${API_ROOT}/.`);
  const segments = rawPath.slice(API_ROOT.length + 1).split('/');
  let pathMatched = false;
  for (const endpoint of ADMIN_ENDPOINTS) {
    const pattern = endpoint.path.slice(1).split('/');
    if (pattern.length !== segments.length) continue;
    const params: string[] = [];
    if (!pattern.every((part, i) => (part === '{}' ? segments[i] !== '' && params.push(decodeSegment(segments[i]!)) > 0 : part === segments[i]))) continue;
    pathMatched = true;
    if (endpoint.method === method) return { endpoint, params };
  }
  if (pathMatched) throw new AdminError('MethodNotAllowed', `${method} is not allowed on ${rawPath}.`);
  throw new AdminError('NotFound', `No admin endpoint at ${rawPath}.`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AdminError('InvalidRequest', `The path segment '${segment}' is not valid percent-encoding.`);
  }
}

/** Reads the body (at most limits.adminBodyBytesMax), checks it against the signed hash, parses it as JSON. */
async function readBody(req: IncomingMessage, expectedHex: string): Promise<unknown> {
  const tooLarge = () => new AdminError('EntityTooLarge', `The request body exceeds ${limits.adminBodyBytesMax} bytes.`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.adminBodyBytesMax) throw tooLarge();
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limits.adminBodyBytesMax) throw tooLarge();
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  const actual = createHash('sha256').update(body).digest();
  if (!timingSafeEqual(actual, Buffer.from(expectedHex, 'hex'))) {
    throw new AdminError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new AdminError('MalformedJSON', 'The request body is not valid JSON.');
  }
}

/** The global condition keys an identity policy may test on an admin request. */
function conditionValues(req: IncomingMessage, headers: Record<string, string | undefined>): ConditionValues {
  return {
    'aws:SourceIp': () => sourceIp(req.socket.remoteAddress),
    'aws:SecureTransport': () => 'encrypted' in req.socket,
    'aws:UserAgent': () => headers['user-agent'],
  };
}

function countAuthorization(req: IncomingMessage): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'authorization') count++;
  return count;
}

/** Known refusals: the admin API's own, the identity directory's, and the authenticator's (S3's code and message). */
function asAdminError(error: unknown): { code: string; status: number; message: string } | undefined {
  if (error instanceof AdminError) return error;
  if (error instanceof IdentityError) return adminErrorOf(error);
  if (error instanceof S3Error) return { code: error.code, status: error.status, message: error.message };
  return undefined;
}

function send(res: ServerResponse, requestId: string, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = body === undefined ? '' : `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store',
    'x-amz-request-id': requestId, server: 'Coffer',
  });
  res.end(text);
}
