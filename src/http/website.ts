/**
 * The static website endpoint: `BUCKET.s3-website[-.]REGION?.DOMAIN` on the main listener, and
 * every request of the website listener (--website-address), where Host may also be the bucket
 * name itself (a custom domain). Requests are anonymous GETs and HEADs: objects are read through
 * the REST endpoint's own authorization and read path (`read`), and failures are answered with
 * AWS's HTML pages, the error document, or a redirect.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { S3Error } from '../errors.js';
import type { BucketRecord, MetadataStore } from '../store/meta/metadata-store.js';
import type { OperationResult } from '../ops/types.js';
import { storedWebsiteConfig } from '../ops/website/config.js';
import { indexKey, redirectAll, ruleBeforeRead, ruleOnError, ruleRedirect, type Redirect } from '../ops/website/routing.js';
import { toS3Error } from '../ops/translate-error.js';
import { applyCorsHeaders, preflightHeaders } from './cors.js';
import { HOST_ID } from './request-ids.js';
import { sendResult } from './respond.js';

/** The bucket a website request names, or undefined for a request to the REST endpoint. */
export function websiteBucketOf(hostHeader: string | undefined, domain: string, websiteListener: boolean): string | undefined {
  const host = (hostHeader ?? '').toLowerCase().replace(/:\d+$/, '');
  const match = websiteHostPattern(domain).exec(host);
  if (match) return match[1];
  return websiteListener && host !== '' ? host : undefined;
}

/** The pattern of website hosts under each domain, compiled once (it was a RegExp per request). */
const websiteHostPatterns = new Map<string, RegExp>();

function websiteHostPattern(domain: string): RegExp {
  let pattern = websiteHostPatterns.get(domain);
  if (!pattern) {
    const escaped = domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`^(.+?)\\.s3-website(?:[.-][a-z0-9-]+)?\\.${escaped}$`);
    websiteHostPatterns.set(domain, pattern);
  }
  return pattern;
}

/** Request headers a website read passes on: conditional GETs and ranges work as on the REST endpoint. */
const READ_HEADERS = ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];

export interface WebsiteRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly bucketName: string;
  readonly meta: MetadataStore;
  /** An anonymous GetObject / HeadObject of `key`, authorized and run as on the REST endpoint. */
  read(operation: 'GetObject' | 'HeadObject', bucket: BucketRecord, key: string, headers: Record<string, string | undefined>): Promise<OperationResult>;
  logError(error: unknown): void;
  /** Told the error code of a request answered with an error page (metrics, request log). */
  recordError?(code: string): void;
  /** Told the bucket once loaded and the key read (the bucket's server access log). */
  recordTarget?(bucket: BucketRecord, key: string): void;
}

export async function serveWebsite(request: WebsiteRequest): Promise<void> {
  const { req, res } = request;
  try {
    await serve(request);
  } catch (error) {
    const known = toS3Error(error);
    if (!known) request.logError(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const answered = known ?? new S3Error('InternalError');
    request.recordError?.(answered.code);
    sendHtmlError(req, res, answered, request.requestId);
  }
}

async function serve(request: WebsiteRequest): Promise<void> {
  const { req, res, meta, bucketName } = request;
  const method = req.method ?? '';
  const headers = req.headers as Record<string, string | undefined>;
  // A site's pages, fonts and scripts are fetched cross-origin too: the bucket's CORS rules apply
  // on the website endpoint as on the REST one, preflight included.
  if (method === 'OPTIONS') return answerPreflight(request, headers);
  if (method !== 'GET' && method !== 'HEAD') throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'OBJECT' });
  const bucket = await meta.getBucket(bucketName);
  if (!bucket) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucketName });
  applyCorsHeaders(res, bucket, method, headers);
  const document = await meta.getBucketConfig(bucket.name, 'website');
  if (document === undefined) throw new S3Error('NoSuchWebsiteConfiguration', undefined, { BucketName: bucket.name });
  const config = storedWebsiteConfig(document);
  const url = req.url ?? '/';
  const path = url.split('?')[0]!;
  const protocol = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const host = req.headers.host ?? bucket.name;
  const everything = redirectAll(config, path, protocol);
  if (everything) return sendRedirect(res, everything);
  const key = decodePath(path).slice(1);
  const early = ruleBeforeRead(config, key);
  if (early) return sendRedirect(res, ruleRedirect(early, key, { protocol, host }));

  const operation = method === 'HEAD' ? 'HeadObject' : 'GetObject';
  const readHeaders = Object.fromEntries(READ_HEADERS.map((name) => [name, headers[name]]));
  const readKey = indexKey(key, config.indexSuffix ?? '');
  request.recordTarget?.(bucket, readKey);
  let failure: S3Error;
  try {
    const result = await request.read(operation, bucket, readKey, readHeaders);
    const location = result.headers?.['x-amz-website-redirect-location'];
    if (location !== undefined) {
      result.stream?.destroy();
      return sendRedirect(res, { status: 301, location: String(location) });
    }
    await sendResult(req, res, result);
    return;
  } catch (error) {
    const known = toS3Error(error);
    if (!known || (known.status !== 404 && known.status !== 403)) throw error;
    failure = known;
  }
  // `/docs` names a folder when `docs/<index>` exists: the browser is sent to `/docs/`.
  if (key !== '' && !key.endsWith('/') && config.indexSuffix !== undefined) {
    const folderIndex = await meta.getVersion(bucket.name, `${key}/${config.indexSuffix}`, undefined);
    if (folderIndex && !folderIndex.isDeleteMarker) return sendRedirect(res, { status: 302, location: `/${encodeURI(key)}/` });
  }
  const onError = ruleOnError(config, key, failure.status);
  if (onError) return sendRedirect(res, ruleRedirect(onError, key, { protocol, host }));
  if (config.errorKey === undefined) throw failure;
  const documentFailure = await sendErrorDocument(request, bucket, config.errorKey, operation, failure.status);
  if (documentFailure) {
    request.recordError?.(failure.code);
    sendHtmlError(req, res, failure, request.requestId, documentFailure);
  }
}

/**
 * The error document, with the status of the failure it stands for; when it cannot be read, why
 * (AWS's page then reports both).
 */
async function sendErrorDocument(request: WebsiteRequest, bucket: BucketRecord, errorKey: string, operation: 'GetObject' | 'HeadObject', status: number): Promise<S3Error | undefined> {
  let result: OperationResult;
  try {
    result = await request.read(operation, bucket, errorKey, {});
  } catch (error) {
    const known = toS3Error(error);
    if (known) return known;
    throw error;
  }
  await sendResult(request.req, request.res, { ...result, status });
  return undefined;
}

/** OPTIONS on a site: the REST endpoint's preflight answer, its refusals as HTML pages. */
async function answerPreflight(request: WebsiteRequest, headers: Record<string, string | undefined>): Promise<void> {
  const { res, meta, bucketName } = request;
  const bucket = headers['origin'] !== undefined ? await meta.getBucket(bucketName) : undefined;
  const key = decodePath((request.req.url ?? '/').split('?')[0]!).slice(1);
  const answer = preflightHeaders(bucketName, bucket, key === '' ? undefined : key, headers);
  res.statusCode = 200;
  for (const [name, value] of Object.entries(answer)) res.setHeader(name, value);
  res.setHeader('content-length', 0);
  res.end();
}

function sendRedirect(res: ServerResponse, redirect: Redirect): void {
  res.statusCode = redirect.status;
  res.setHeader('location', redirect.location);
  res.setHeader('content-length', 0);
  res.end();
}

/**
 * AWS's HTML error page of the website endpoint (a HEAD gets the status and headers only), with
 * the error document's own failure below when it could not be served.
 */
function sendHtmlError(req: IncomingMessage, res: ServerResponse, error: S3Error, requestId: string, documentFailure?: S3Error): void {
  res.statusCode = error.status;
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  if (error.status === 304) {
    res.end();
    return;
  }
  const title = `${error.status} ${STATUS_CODES[error.status] ?? ''}`;
  const items = htmlItems({ Code: error.code, Message: error.message, ...error.detail, RequestId: requestId, HostId: HOST_ID });
  const documentPart = documentFailure
    ? `<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n${htmlItems({ Code: documentFailure.code, Message: documentFailure.message, ...documentFailure.detail })}</ul>\n`
    : '';
  const page = `<html>\n<head><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n<ul>\n${items}</ul>\n${documentPart}<hr/>\n</body>\n</html>\n`;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(page));
  res.end(req.method === 'HEAD' ? undefined : page);
}

function htmlItems(fields: Record<string, string | number | undefined>): string {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `<li>${name}: ${escapeHtml(String(value))}</li>\n`)
    .join('');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw new S3Error('InvalidURI');
  }
}
