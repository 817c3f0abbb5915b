import type { Readable } from 'node:stream';
import type { RequestParameters } from '../api/parameters.js';
import type { Authorize, RequestContext, Resource } from '../access/authorize.js';
import type { CredentialStore, User } from '../auth/credentials.js';
import type { MasterKeyRing } from '../crypto/key-ring.js';
import type { KmsKeyRing } from '../crypto/kms-keys.js';
import type { Route } from '../api/router.js';
import type { RemoteDestination } from '../replication/destinations.js';
import type { BlobStore } from '../store/blob/blob-store.js';
import type { BucketRecord, MetadataStore } from '../store/meta/metadata-store.js';
import type { ListedObject, XmlObject, XmlValue } from '../xml/codec.js';

export type { ListedObject, XmlObject, XmlValue };

export type BucketDefaults = 'current' | 'legacy';

/** What every operation can reach: the stores and the server's settings. */
export interface Services {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  readonly credentials: CredentialStore;
  readonly region: string;
  /** The 12-digit id of the one account every user belongs to (ARNs, x-amz-expected-bucket-owner). */
  readonly accountId: string;
  /** The one authorizer (access/authorize.ts); the pipeline asks it before any operation runs. */
  readonly authorize: Authorize;
  /** New buckets' access settings: AWS's of today (`current`) or its pre-2023 ones (`legacy`). */
  readonly bucketDefaults?: BucketDefaults;
  /** Buckets one user may own (limits.bucketsPerUserMax when unset; never more). */
  readonly bucketsPerUserMax?: number;
  /** The master keys that wrap SSE-S3 data keys. */
  readonly masterKeys: MasterKeyRing;
  /** The local key ring that stands in for KMS (SSE-KMS). */
  readonly kms: KmsKeyRing;
  /** SSE-C over plain HTTP (refused otherwise, as AWS refuses it; Coffer serves plain HTTP only). */
  readonly allowInsecureSseC: boolean;
  /** ARNs of the event notification targets the server declares (`--notify-config`). */
  readonly notificationTargets: ReadonlySet<string>;
  /** Remote replication destinations the server declares (`--replication-config`), by bucket ARN. */
  readonly replicationDestinations: ReadonlyMap<string, RemoteDestination>;
  /** Length of a lifecycle day in ms (COFFER_LIFECYCLE_DAY_SECONDS; x-amz-expiration dates). */
  readonly lifecycleDayMs: number;
}

/** The request body, already authenticated: signature/SHA-256 checks happen as it is read. */
export interface RequestBody {
  /** Decoded bytes (aws-chunked framing removed). Errors with an S3Error on a failed check. */
  readonly stream: Readable;
  /** The decoded length the client declared, if any. */
  readonly declaredLength?: number;
  /** Trailing headers of an aws-chunked body (e.g. x-amz-checksum-crc32), once it is read. */
  trailers(): Readonly<Record<string, string>>;
  /**
   * The XML parser for request documents (src/xml/off-loop.ts's parseXmlOffLoop, supplied by the
   * HTTP edge so that ops never import src/xml): entities off, malformed → MalformedXML; large
   * documents are parsed off the event loop. A Buffer is UTF-8, and is handed over: the caller
   * must not use it afterwards.
   */
  parseXml(document: string | Buffer): Promise<Record<string, unknown>>;
}

/** One request as a service-level operation (or CreateBucket) sees it: no sockets, no HTTP objects. */
export interface ServiceOperationContext {
  readonly requestId: string;
  /** `x-amz-id-2` of the response. */
  readonly hostId: string;
  /** The client's address (event notifications' sourceIPAddress). */
  readonly sourceIp: string;
  readonly route: Route;
  readonly query: URLSearchParams;
  /** The query parameters by name, parsed and validated as AWS does (api/parameters.ts). */
  readonly params: RequestParameters;
  /** Header names lowercased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: RequestBody;
  /** null for an anonymous request. */
  readonly user: User | null;
  /** The request came over TLS (SSE-C and aws:SecureTransport need to know). */
  readonly secure: boolean;
  readonly services: Services;
  /** For an unexpected error an operation absorbs (e.g. one key's failure in DeleteObjects). */
  logError(error: unknown): void;
  /**
   * Authorizes the caller for a further action (CopyObject's source read): AccessDenied unless
   * allowed. The request's own operation was authorized before the handler ran.
   */
  authorize(action: string, resource: Resource, context: HandlerRequestContext): Promise<void>;
  /**
   * Operations authenticated by their form (PostObject, `authenticatedByForm` in the operation
   * table): authenticates the form's signature fields (lowercased names) — SignatureDoesNotMatch,
   * InvalidAccessKeyId… as for headers. `objectHeaders` are the fields as the headers they stand
   * for (acl → x-amz-acl), for the policy engine's condition keys. Nothing was authorized yet.
   */
  readonly authenticateForm?: (fields: ReadonlyMap<string, string>, objectHeaders: Readonly<Record<string, string | undefined>>) => FormCaller;
}

/** PostObject's caller, as the form's fields name it (auth/post-form.ts). */
export interface FormCaller {
  /** null: anonymous. */
  readonly user: User | null;
  /** The base64 policy document the signature covers; absent for an anonymous form. */
  readonly policy?: string;
  /** ctx.authorize for this caller, with the form's condition keys (s3:x-amz-acl from its `acl` field…). */
  authorize(action: string, resource: Resource, context: HandlerRequestContext): Promise<void>;
}

/** What a handler tells the authorizer of a further action: the request's condition values and time are the pipeline's. */
export type HandlerRequestContext = Omit<RequestContext, 'values' | 'time'>;

/** One request on a bucket or object: the bucket was loaded (once) and access to it authorized. */
export interface OperationContext extends ServiceOperationContext {
  readonly bucket: BucketRecord;
}

/** What an operation returns; http/respond.ts turns it into status, headers and body. */
export interface OperationResult {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string | number | undefined>>;
  /** An XML document: root element and its content (serialized with S3's namespace). */
  readonly xml?: { readonly root: string; readonly body: XmlObject; readonly namespace?: string | null };
  /** A streamed body (object data). */
  readonly stream?: Readable;
  /** A small body already in memory (e.g. a JSON policy). */
  readonly payload?: string | Buffer;
  /** Slow work answered with S3's keep-alive (only `xml` results). */
  readonly deferred?: DeferredResult;
}

/**
 * Work that may be slow (CompleteMultipartUpload, CopyObject of a multipart object). If it has not
 * settled after `firstByteMs`, the edge answers 200 at once and keeps the connection alive with
 * whitespace every `intervalMs` until the XML result — or an <Error> document — follows
 * (http/keep-alive.ts).
 */
export interface DeferredResult {
  readonly work: Promise<OperationResult>;
  /**
   * Headers known before the work ends (e.g. x-amz-version-id): sent with an early 200, which the
   * work's own headers can no longer join. A fast result sends its own headers only.
   */
  readonly headers?: Readonly<Record<string, string | number | undefined>>;
  readonly firstByteMs: number;
  readonly intervalMs: number;
}

export type OperationHandler = (ctx: OperationContext) => Promise<OperationResult>;
export type ServiceOperationHandler = (ctx: ServiceOperationContext) => Promise<OperationResult>;
