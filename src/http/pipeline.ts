import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { authenticate } from '../auth/authenticate.js';
import { verifiedBody } from '../auth/payload.js';
import type { PayloadMode } from '../auth/types.js';
import { S3Error } from '../errors.js';
import { actionFor, OPERATIONS } from '../api/operations.js';
import { RequestParameters } from '../api/parameters.js';
import { refuseUnimplementedHeaders } from '../api/unimplemented-headers.js';
import { checkExpectedOwner } from '../access/expected-owner.js';
import { needsObjectAcl, objectAclOf, type ObjectAclContext } from '../access/acl-source.js';
import { isAccessDenied, isMissingObject, missingObjectError } from '../access/missing-object.js';
import type { MetadataStore } from '../store/meta/metadata-store.js';
import { handlers, serviceHandlers } from '../ops/index.js';
import type { ServiceOperationContext, Services } from '../ops/types.js';
import { parseXmlOffLoop } from '../xml/off-loop.js';
import { resolveTarget } from './addressing.js';
import { trustConnection } from './client-fairness.js';
import { sendDeferred } from './keep-alive.js';
import { HOST_ID, nextRequestId } from './request-ids.js';
import { sendError, sendResult } from './respond.js';
import { failureResponse, toS3Error } from '../ops/translate-error.js';
import { route, type Route } from '../api/router.js';
import { objectTags } from '../access/object-tags.js';
import { conditionValues } from './condition-values.js';
import type { RequestObserver } from '../observe/request-observer.js';

export interface PipelineOptions {
  readonly services: Services;
  readonly domain: string;
  /** Called for errors that are not S3 errors (answered as InternalError). */
  readonly logError: (requestId: string, error: unknown) => void;
  /** Told of every request at its start; fills in the trace it returns (metrics, request log). */
  readonly observe?: RequestObserver;
}

/**
 * A request's way through: addressing → routing → authentication → bucket (loaded once) →
 * authorization → operation → response.
 * This is the one place that turns failures into S3 error responses.
 */
export function createPipeline(options: PipelineOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(options, req, res);
  };
}

async function handle(options: PipelineOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = nextRequestId();
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', HOST_ID);
  res.setHeader('server', 'Coffer');
  const trace = options.observe?.(req, res, requestId);
  let routed: Partial<Route> | undefined;
  let resourcePath: string | undefined;
  try {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    let rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const rawQuery = queryAt < 0 ? '' : url.slice(queryAt + 1);
    if (!rawPath.startsWith('/')) rawPath = absoluteFormPath(rawPath);
    const target = resolveTarget(rawPath, req.headers.host, options.domain);
    resourcePath = target.virtualHost ? `/${target.bucket}/${target.key ?? ''}` : safeDecode(rawPath);
    const query = new URLSearchParams(rawQuery);
    const headers = req.headers as Record<string, string | undefined>;
    const decision = route(req.method ?? '', target, query, (name) => headers[name] !== undefined);
    routed = decision;
    const now = new Date();
    if (trace) trace.operation = decision.operation;
    const auth = authenticate(
      {
        method: req.method ?? '',
        rawPath,
        rawQuery,
        headers,
        virtualHostBucket: target.virtualHost ? target.bucket : undefined,
        authorizationHeaderCount: countHeader(req.rawHeaders, 'authorization'),
        now,
      },
      options.services.credentials,
      options.services.region,
    );
    if (trace) trace.accessKeyId = auth.user?.accessKeyId;
    if (auth.user) trustConnection(req.socket);
    if (decision.operation === undefined) throw new S3Error('MethodNotAllowed', undefined, { Method: req.method, ResourceType: target.key ? 'OBJECT' : 'BUCKET' });
    const operation = decision.operation;
    const spec = OPERATIONS[operation];
    const contentLength = headers['content-length'];
    const { authorize } = options.services;
    // The bucket, read once: NoSuchBucket comes before AccessDenied, as today's clients expect.
    const loadsBucket = spec.scope !== 'service' && !('bucketMayNotExist' in spec);
    const bucket = loadsBucket ? await options.services.meta.getBucket(decision.bucket) : undefined;
    if (loadsBucket && !bucket) throw new S3Error('NoSuchBucket');
    const resource = { bucket: decision.bucket || undefined, key: spec.scope === 'object' ? decision.key : undefined };
    const action = actionFor(operation, query);
    const values = conditionValues(req, headers, query, operation, auth, now);
    const { meta } = options.services;
    const versionId = query.get('versionId') ?? undefined;
    const object = bucket && spec.scope === 'object' && needsObjectAcl(auth.user, action, bucket)
      ? await objectAclContext(meta, bucket.name, decision.key, versionId)
      : undefined;
    const loadObjectTags = bucket && resource.key !== undefined ? () => objectTags(meta, bucket.name, resource.key!, versionId) : undefined;
    // A read of a missing object answers 404 only to a caller allowed to list the bucket
    // (access/missing-object.ts): asked when the read is refused or its handler finds nothing.
    const hidesMissing = bucket && 'hidesMissingObject' in spec;
    const mayList = () => authorize(auth.user, 's3:ListBucket', { bucket: decision.bucket }, { bucket, values, time: now });
    try {
      await authorize(auth.user, action, resource, { bucket, object, values, time: now, loadObjectTags });
    } catch (denied) {
      const notFound = hidesMissing && isAccessDenied(denied)
        ? missingObjectError(await meta.getVersion(decision.bucket, decision.key, versionId), decision.key, versionId)
        : undefined;
      if (!notFound) throw denied;
      await mayList();
      throw notFound;
    }
    if (bucket) checkExpectedOwner(headers['x-amz-expected-bucket-owner'], bucket);
    const bucketHandler = bucket ? handlers[operation] : undefined;
    const serviceHandler = bucket ? undefined : serviceHandlers[operation];
    if (!bucketHandler && !serviceHandler) throw new S3Error('NotImplemented', `${operation} is not implemented by Coffer yet.`);
    refuseUnimplementedHeaders(headers, operation);
    // `Expect: 100-continue`: the client sends its body only once told to, and only a request that
    // proved who it is is told to (an anonymous or failed one gets its error without the body).
    if (auth.user !== null && /^\s*100-continue\s*$/i.test(headers['expect'] ?? '')) res.writeContinue();
    const knownEmpty = (contentLength === undefined || contentLength === '0') && headers['transfer-encoding'] === undefined;
    const body = verifiedBody(knownEmpty ? req : shielded(req), auth.payload, knownEmpty);
    const ctx: ServiceOperationContext = {
      requestId,
      hostId: HOST_ID,
      sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      route: decision,
      query,
      params: new RequestParameters(query),
      headers,
      body: { stream: body.body, declaredLength: declaredLength(auth.payload, contentLength), trailers: body.trailers, parseXml: parseXmlOffLoop },
      user: auth.user,
      secure: (req.socket as TLSSocket).encrypted === true,
      services: options.services,
      logError: (error) => options.logError(requestId, error),
      authorize: (action, resource, context) => authorize(auth.user, action, resource, { values, time: now, ...context }),
    };
    const result = bucketHandler && bucket
      ? await bucketHandler({ ...ctx, bucket }).catch(async (error: unknown) => {
        if (hidesMissing && isMissingObject(error)) await mayList();
        throw error;
      })
      : await serviceHandler!(ctx);
    if (result.deferred) {
      await sendDeferred(req, res, result.deferred, (failure) => {
        const known = toS3Error(failure);
        if (!known) options.logError(requestId, failure);
        return { error: known ?? failureResponse(failure), requestId, hostId: HOST_ID };
      });
    } else {
      await sendResult(req, res, result);
    }
  } catch (error) {
    const s3Error = toS3Error(error);
    if (trace && !isClientGone(req, error)) trace.errorCode = (s3Error ?? failureResponse(error)).code;
    if (s3Error) {
      sendError(req, res, s3Error, requestId, HOST_ID, routed, resourcePath);
    } else if (isClientGone(req, error)) {
      res.destroy();
    } else {
      options.logError(requestId, error);
      sendError(req, res, failureResponse(error), requestId, HOST_ID, routed, resourcePath);
    }
  } finally {
    // A body the operation did not read to its end (it failed, or never needed it) is drained, so
    // that the connection can carry the next request.
    if (!req.complete) {
      req.unpipe();
      req.resume();
    }
  }
}

/** The named version's owner and ACL for the authorizer; none for a missing version or a delete marker. */
async function objectAclContext(meta: MetadataStore, bucket: string, key: string, versionId: string | undefined): Promise<ObjectAclContext | undefined> {
  const version = await meta.getVersion(bucket, key, versionId);
  return version && !version.isDeleteMarker ? objectAclOf(version) : undefined;
}

function countHeader(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) count++;
  return count;
}

/**
 * The request body as operations read it. Destroying it (an operation giving up halfway, e.g. on
 * a full disk) would destroy the request and with it the socket, leaving the client without an
 * answer: a piped copy is destroyed instead, and the request is left to be drained. A client
 * that goes away errors the copy.
 */
function shielded(req: IncomingMessage): Readable {
  const body = new PassThrough();
  // An operation that never reads the body never listens to it: without a listener of its own, the
  // error that a departing client puts on it would be an uncaught exception and end the process.
  // Readers still get the error through their own listeners.
  body.on('error', () => {});
  req.pipe(body);
  const gone = () => {
    if (!req.complete) body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
  };
  req.once('close', gone);
  req.once('error', gone);
  return body;
}

/** The decoded body length: aws-chunked's x-amz-decoded-content-length (parsed by auth), else Content-Length. */
function declaredLength(payload: PayloadMode, contentLength: string | undefined): number | undefined {
  if (payload.kind === 'chunked') return payload.decodedLength;
  return contentLength !== undefined && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined;
}

/** `GET http://host/path HTTP/1.1` (absolute form, sent through proxies): keep only the path. */
function absoluteFormPath(target: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(target);
  if (!match) throw new S3Error('InvalidURI');
  return match[1] ?? '/';
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The client closed the connection: nothing to answer, nothing to log. (Not `req.destroyed`,
 * which Node also sets once a request's body has been read.)
 */
function isClientGone(req: IncomingMessage, error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return req.socket.destroyed || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}
