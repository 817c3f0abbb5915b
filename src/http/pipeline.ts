import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { authenticate } from '../auth/authenticate.js';
import { authenticatePostForm } from '../auth/post-form.js';
import { verifiedBody } from '../auth/payload.js';
import type { AuthResult, PayloadMode } from '../auth/types.js';
import { S3Error } from '../errors.js';
import { actionFor, OPERATIONS, type OperationName } from '../api/operations.js';
import { RequestParameters } from '../api/parameters.js';
import { refuseUnimplementedHeaders } from '../api/unimplemented-headers.js';
import { checkExpectedOwner } from '../access/expected-owner.js';
import { needsObjectAcl, objectAclOf, type ObjectAclContext } from '../access/acl-source.js';
import { isAccessDenied, isMissingObject, missingObjectError } from '../access/missing-object.js';
import type { BucketRecord, MetadataStore } from '../store/meta/metadata-store.js';
import { handlers, serviceHandlers } from '../ops/index.js';
import type { FormCaller, OperationResult, ServiceOperationContext, Services } from '../ops/types.js';
import { parseXmlOffLoop } from '../xml/off-loop.js';
import { resolveTarget } from './addressing.js';
import { trustConnection } from './client-fairness.js';
import { sendDeferred } from './keep-alive.js';
import { HOST_ID, nextRequestId } from './request-ids.js';
import { sendError, sendResult, setRequestIds } from './respond.js';
import { failureResponse, toS3Error } from '../ops/translate-error.js';
import { route, type Route } from '../api/router.js';
import { objectTags } from '../access/object-tags.js';
import { conditionValues } from './condition-values.js';
import type { ConditionValues } from '../access/policy/index.js';
import { LazyValuesContext } from '../access/authorize.js';
import type { RequestObserver, RequestTrace } from '../observe/request-observer.js';
import { applyCorsHeaders, preflightHeaders } from './cors.js';
import { serveWebsite, websiteBucketOf } from './website.js';

export interface PipelineOptions {
  readonly services: Services;
  readonly domain: string;
  /** Called for errors that are not S3 errors (answered as InternalError). */
  readonly logError: (requestId: string, error: unknown) => void;
  /** Told of every request at its start; fills in the trace it returns (metrics, request log). */
  readonly observe?: RequestObserver;
  /** The website listener (--website-address): every request is a website request (http/website.ts). */
  readonly websiteOnly?: boolean;
}

/** Website requests are anonymous. */
const ANONYMOUS: AuthResult = { user: null, method: 'anonymous', payload: { kind: 'unsigned' } };

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
  // Success responses carry the request ids in sendResult's one writeHead; every other answer
  // has them set first (setRequestIds).
  const stampIds = () => setRequestIds(res, requestId, HOST_ID);
  const trace = options.observe?.(req, res, requestId);
  let routed: Partial<Route> | undefined;
  // What error documents name as the Resource: decoded only when an error is answered.
  let resourceOf: (() => string) | undefined;
  // The bucket whose CORS rules decorated the response (undefined: not loaded yet).
  let corsBucket: BucketRecord | undefined;
  try {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    let rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const rawQuery = queryAt < 0 ? '' : url.slice(queryAt + 1);
    if (!rawPath.startsWith('/')) rawPath = absoluteFormPath(rawPath);
    const websiteBucket = websiteBucketOf(req.headers.host, options.domain, options.websiteOnly === true);
    if (websiteBucket !== undefined) {
      if (trace) trace.operation = 'Website';
      stampIds();
      await serveWebsite({
        req,
        res,
        requestId,
        bucketName: websiteBucket,
        meta: options.services.meta,
        logError: (error) => options.logError(requestId, error),
        recordError: (code) => {
          if (trace) trace.errorCode = code;
        },
        recordTarget: (bucket, key) => {
          if (!trace) return;
          trace.bucket = bucket;
          trace.key = key;
        },
        read: (operation, bucket, key, headers) =>
          runOperation(options, req, res, requestId, { route: { operation, bucket: bucket.name, key }, query: new URLSearchParams(), headers, auth: ANONYMOUS, now: new Date(), bucket }),
      });
      return;
    }
    const target = resolveTarget(rawPath, req.headers.host, options.domain);
    resourceOf = () => (target.virtualHost ? `/${target.bucket}/${target.key ?? ''}` : safeDecode(rawPath));
    const query = new URLSearchParams(rawQuery);
    const headers = req.headers as Record<string, string | undefined>;
    if (req.method === 'OPTIONS') {
      if (trace) trace.operation = 'OptionsPreflight';
      routed = { bucket: target.bucket, key: target.key };
      stampIds();
      await answerPreflight(options.services.meta, res, target.bucket, target.key, headers);
      return;
    }
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
        rawHeaders: req.rawHeaders,
        virtualHostBucket: target.virtualHost ? target.bucket : undefined,
        authorizationHeaderCount: headers['authorization'] === undefined ? 0 : countHeader(req.rawHeaders, 'authorization'),
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
    // The bucket, read once: NoSuchBucket comes before AccessDenied, as today's clients expect.
    const loadsBucket = spec.scope !== 'service' && !('bucketMayNotExist' in spec);
    const bucket = loadsBucket ? await options.services.meta.getBucket(decision.bucket) : undefined;
    if (loadsBucket && !bucket) throw new S3Error('NoSuchBucket');
    if (trace && bucket) {
      trace.bucket = bucket;
      trace.key = spec.scope === 'object' ? decision.key : undefined;
      trace.requesterId = auth.user?.id;
    }
    if (bucket) {
      corsBucket = bucket;
      // A CORS answer's headers are set on the response: the ids go first, as on any other.
      if (headers.origin !== undefined) stampIds();
      applyCorsHeaders(res, bucket, req.method ?? '', headers);
    }
    const result = await runOperation(options, req, res, requestId, { route: decision as Route, query, headers, auth, now, bucket, trace });
    if (trace) trace.respondingAt = performance.now();
    if (result.deferred) {
      stampIds();
      await sendDeferred(req, res, result.deferred, (failure) => {
        const known = toS3Error(failure);
        if (!known) options.logError(requestId, failure);
        return { error: known ?? failureResponse(failure), requestId, hostId: HOST_ID };
      });
    } else {
      await sendResult(req, res, result, res.hasHeader('x-amz-request-id') ? undefined : { requestId, hostId: HOST_ID });
    }
  } catch (error) {
    stampIds();
    if (!corsBucket && req.headers.origin !== undefined && routed?.bucket) await corsForEarlyError(options.services.meta, req, res, routed.bucket);
    const s3Error = toS3Error(error);
    if (s3Error && routed?.operation === 'HeadBucket' && routed.bucket && s3Error.code !== 'NoSuchBucket') await regionForRefusedHead(options.services.meta, res, routed.bucket);
    if (trace && !isClientGone(req, error)) {
      trace.errorCode = (s3Error ?? failureResponse(error)).code;
      trace.respondingAt ??= performance.now();
    }
    if (s3Error) {
      sendError(req, res, s3Error, requestId, HOST_ID, routed, resourceOf?.());
    } else if (isClientGone(req, error)) {
      res.destroy();
    } else {
      options.logError(requestId, error);
      sendError(req, res, failureResponse(error), requestId, HOST_ID, routed, resourceOf?.());
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

/** A routed, authenticated request, its bucket loaded (undefined for the service and CreateBucket). */
interface RoutedRequest {
  readonly route: Route;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string | undefined>;
  readonly auth: AuthResult;
  readonly now: Date;
  readonly bucket: BucketRecord | undefined;
  /** The request's trace, told of a caller found later (a form upload's). */
  readonly trace?: RequestTrace;
}

/**
 * Authorization → handler: the one way an operation runs, for the REST endpoint and for the
 * website endpoint's anonymous reads alike.
 */
async function runOperation(options: PipelineOptions, req: IncomingMessage, res: ServerResponse, requestId: string, request: RoutedRequest): Promise<OperationResult> {
  const { route: decision, query, headers, auth, now, bucket, trace } = request;
  const { operation } = decision;
  const spec = OPERATIONS[operation];
  const contentLength = headers['content-length'];
  const { authorize } = options.services;
    const resource = { bucket: decision.bucket || undefined, key: spec.scope === 'object' ? decision.key : undefined };
    const action = actionFor(operation, query);
    // Condition values are read only by policies: made when one asks (a getter, not a field).
    let values: ConditionValues | undefined;
    const valuesOf = () => (values ??= conditionValues(req, headers, query, operation, auth, now));
    const { meta } = options.services;
    const versionId = query.get('versionId') ?? undefined;
    const object = bucket && spec.scope === 'object' && needsObjectAcl(auth.user, action, bucket)
      ? await objectAclContext(meta, bucket.name, decision.key, versionId)
      : undefined;
    const loadObjectTags = bucket && resource.key !== undefined ? () => objectTags(meta, bucket.name, resource.key!, versionId) : undefined;
    // A form upload names its caller in the body: the handler authenticates and authorizes it.
    // A read of a missing object answers 404 only to a caller allowed to list the bucket
    // (access/missing-object.ts): asked when the read is refused or its handler finds nothing.
    const hidesMissing = bucket && 'hidesMissingObject' in spec;
    const mayList = () => authorize(auth.user, 's3:ListBucket', { bucket: decision.bucket }, new LazyValuesContext(valuesOf, { bucket, time: now }));
    try {
      if (!spec.authenticatedByForm && !spec.authorizedPerObject) await authorize(auth.user, action, resource, new LazyValuesContext(valuesOf, { bucket, object, time: now, loadObjectTags }));
      if (spec.tagsNewObject && setsTags(operation, headers)) await authorize(auth.user, 's3:PutObjectTagging', resource, new LazyValuesContext(valuesOf, { bucket, object, time: now, loadObjectTags }));
    } catch (denied) {
      const notFound = hidesMissing && isAccessDenied(denied)
        ? missingObjectError(await meta.getVersion(decision.bucket, decision.key, versionId), decision.key, versionId)
        : undefined;
      if (!notFound) throw denied;
      await mayList();
      throw notFound;
    }
    // Requester Pays buckets take no anonymous requests (nobody could be charged for them).
    if (auth.user === null && !spec.authenticatedByForm && bucket?.requestConfigs?.['request-payment'] === 'Requester') throw new S3Error('AccessDenied');
    if (bucket) checkExpectedOwner(headers['x-amz-expected-bucket-owner'], bucket, options.services.accountId);
    const bucketHandler = bucket ? handlers[operation] : undefined;
    const serviceHandler = bucket ? undefined : serviceHandlers[operation];
    if (!bucketHandler && !serviceHandler) throw new S3Error('NotImplemented', `${operation} is not implemented by Coffer yet.`);
    refuseUnimplementedHeaders(headers, operation);
    // `Expect: 100-continue`: the client sends its body only once told to — here, once the request
    // is authorized (a refused one got its error above without the body), anonymous ones included
    // (a public-write bucket's uploads).
    const expect = headers['expect'];
    if (expect !== undefined && /^\s*100-continue\s*$/i.test(expect)) res.writeContinue();
    const knownEmpty = (contentLength === undefined || contentLength === '0') && headers['transfer-encoding'] === undefined;
    const body = verifiedBody(knownEmpty ? req : shielded(req), auth.payload, knownEmpty);
    const ctx: ServiceOperationContext = {
      requestId,
      hostId: HOST_ID,
      sourceIp: withoutV4Mapping(req.socket.remoteAddress ?? ''),
      route: decision,
      query,
      params: new RequestParameters(query),
      headers,
      body: { stream: body.body, declaredLength: declaredLength(auth.payload, contentLength), trailers: body.trailers, parseXml: parseXmlOffLoop },
      user: auth.user,
      secure: (req.socket as TLSSocket).encrypted === true,
      services: options.services,
      logError: (error) => options.logError(requestId, error),
      authorize: (action, resource, context) => authorize(auth.user, action, resource, new LazyValuesContext(valuesOf, { ...context, time: now })),
      authenticateForm: spec.authenticatedByForm
        ? (fields, objectHeaders): FormCaller => {
            const form = authenticatePostForm(fields, options.services.credentials, options.services.region);
            if (trace) {
              trace.accessKeyId = form.user?.accessKeyId;
              trace.requesterId = form.user?.id;
            }
            if (form.user) trustConnection(req.socket);
            const formValues = conditionValues(req, { ...headers, ...objectHeaders }, query, operation, form, now);
            return {
              user: form.user,
              policy: form.policy,
              authorize: (action, resource, context) => authorize(form.user, action, resource, { ...context, values: formValues, time: now }),
            };
          }
        : undefined,
    };
    if (!bucketHandler || !bucket) return serviceHandler!(ctx);
    // The context with its bucket made in one literal above would need a second type; a spread
    // copy of it costs every request an object of twenty fields.
    (ctx as { bucket?: BucketRecord }).bucket = bucket;
    const handled = bucketHandler(ctx as ServiceOperationContext & { bucket: BucketRecord });
    return hidesMissing
      ? handled.catch(async (error: unknown) => {
        if (isMissingObject(error)) await mayList();
        throw error;
      })
      : handled;
}

/** Whether a write that may tag its new object (OperationSpec.tagsNewObject) sets tags. */
function setsTags(operation: OperationName, headers: Record<string, string | undefined>): boolean {
  if (!headers['x-amz-tagging']) return false;
  return operation !== 'CopyObject' || headers['x-amz-tagging-directive']?.toUpperCase() === 'REPLACE';
}

/** OPTIONS: a CORS preflight, unauthenticated, answered from the bucket's CORS rules. */
async function answerPreflight(meta: MetadataStore, res: ServerResponse, bucketName: string | undefined, key: string | undefined, headers: Record<string, string | undefined>): Promise<void> {
  const bucket = bucketName && headers['origin'] !== undefined ? await meta.getBucket(bucketName) : undefined;
  const answer = preflightHeaders(bucketName, bucket, key, headers);
  res.statusCode = 200;
  for (const [name, value] of Object.entries(answer)) res.setHeader(name, value);
  res.setHeader('content-length', 0);
  res.end();
}

/**
 * An error before the bucket was loaded (a bad signature): the browser must still be able to read
 * it, so the CORS headers are added as for any response of the bucket. A bucket that cannot be
 * read leaves the error as it is.
 */
async function corsForEarlyError(meta: MetadataStore, req: IncomingMessage, res: ServerResponse, bucketName: string): Promise<void> {
  if (res.headersSent) return;
  const bucket = await meta.getBucket(bucketName).catch(() => undefined);
  applyCorsHeaders(res, bucket, req.method ?? '', req.headers as Record<string, string | undefined>);
}

/**
 * A refused HeadBucket still tells the bucket's region, as AWS's does ("whether access to the
 * bucket is authorized or not"): SDKs find a bucket's region with an anonymous HEAD.
 */
async function regionForRefusedHead(meta: MetadataStore, res: ServerResponse, bucketName: string): Promise<void> {
  if (res.headersSent) return;
  const bucket = await meta.getBucket(bucketName).catch(() => undefined);
  if (bucket) res.setHeader('x-amz-bucket-region', bucket.region);
}

/** The named version's owner and ACL for the authorizer; none for a missing version or a delete marker. */
async function objectAclContext(meta: MetadataStore, bucket: string, key: string, versionId: string | undefined): Promise<ObjectAclContext | undefined> {
  const version = await meta.getVersion(bucket, key, versionId);
  return version && !version.isDeleteMarker ? objectAclOf(version) : undefined;
}

function countHeader(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  // Only a name of the same length can match: most are passed over without lowercasing them.
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.length === name.length && rawHeaders[i]!.toLowerCase() === name) count++;
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

/** A peer address without the `::ffff:` of an IPv4 client on a dual-stack socket. */
function withoutV4Mapping(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
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
