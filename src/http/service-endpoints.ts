import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { authenticate } from '../auth/authenticate.js';
import type { CredentialStore } from '../auth/credentials.js';
import type { Readiness } from '../observe/health.js';

/**
 * Coffer's own endpoints beside S3. Their paths start with `_`, which no bucket name may contain,
 * so they can never shadow a bucket (as `/_console/` and `/_admin/` will not).
 */
export const SERVICE_PATHS = { live: '/_health/live', ready: '/_health/ready', metrics: '/_metrics' } as const;

export interface ServiceEndpointOptions {
  readonly metrics: Registry;
  readonly readiness: () => Promise<Readiness>;
  /** Who may read metrics on this listener: loopback clients only, or anyone who reaches it. */
  readonly metricsAccess: 'loopback' | 'public';
  /** From elsewhere than loopback, a request this accepts may read metrics too (one signed by the root user). */
  readonly trusted?: (req: IncomingMessage) => boolean;
  /** Also answer `/metrics` and `/health/*` (the dedicated metrics listener, where no S3 is served). */
  readonly bareAliases?: boolean;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Answers GET/HEAD on the service paths (path-style requests only: on `bucket.<domain>` they are
 * keys) and hands everything else to `next` (the S3 pipeline, or a 404 on the metrics listener).
 */
export function withServiceEndpoints(options: ServiceEndpointOptions, isVirtualHost: (host: string | undefined) => boolean, next: Handler): Handler {
  return (req, res) => {
    const endpoint = req.method === 'GET' || req.method === 'HEAD' ? serviceEndpoint(req.url ?? '/', options.bareAliases === true) : undefined;
    if (endpoint === undefined || isVirtualHost(req.headers.host)) return next(req, res);
    void answer(endpoint, options, req, res).catch((error: unknown) => res.destroy(error as Error));
  };
}

type Endpoint = keyof typeof SERVICE_PATHS;

const SERVICE_ENDPOINTS = Object.entries(SERVICE_PATHS) as [Endpoint, string][];

function serviceEndpoint(url: string, bareAliases: boolean): Endpoint | undefined {
  // Every S3 request passes here: most are told apart by their first two characters.
  if (!bareAliases && !url.startsWith('/_')) return undefined;
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  for (const [endpoint, servicePath] of SERVICE_ENDPOINTS) {
    if (path === servicePath || (bareAliases && path === servicePath.replace('/_', '/'))) return endpoint;
  }
  return undefined;
}

async function answer(endpoint: Endpoint, options: ServiceEndpointOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (endpoint === 'live') return send(req, res, 200, 'application/json', '{"status":"live"}\n');
  if (endpoint === 'ready') {
    const readiness = await options.readiness();
    return send(req, res, readiness.ready ? 200 : 503, 'application/json', `${JSON.stringify({ status: readiness.ready ? 'ready' : 'unavailable', ...readiness.checks })}\n`);
  }
  if (options.metricsAccess === 'loopback' && !isLoopback(req.socket.remoteAddress) && !options.trusted?.(req)) {
    return send(req, res, 403, 'text/plain', 'Metrics are served to loopback clients and to requests signed by the root user (see --metrics-public and --metrics-address).\n');
  }
  return send(req, res, 200, options.metrics.contentType, await options.metrics.metrics());
}

function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', server: 'Coffer' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** True when the request carries a valid SigV4/SigV2 signature of `accessKeyId` (e.g. curl --aws-sigv4). */
export function signedBy(accessKeyId: string, credentials: CredentialStore, region: string): (req: IncomingMessage) => boolean {
  return (req) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    try {
      const auth = authenticate({
        method: req.method ?? 'GET', rawPath: queryAt < 0 ? url : url.slice(0, queryAt), rawQuery: queryAt < 0 ? '' : url.slice(queryAt + 1),
        headers: req.headers as Record<string, string | undefined>, rawHeaders: req.rawHeaders, virtualHostBucket: undefined, now: new Date(),
      }, credentials, region);
      return auth.user?.accessKeyId === accessKeyId;
    } catch {
      return false; // a bad signature is no more than no signature here
    }
  };
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
