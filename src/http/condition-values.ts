/**
 * The condition-key values of one request (IAM's global keys and S3's service keys), as the
 * policy engine reads them. Each is a getter: a key no policy statement asks for costs nothing.
 */
import type { IncomingMessage } from 'node:http';
import type { OperationName } from '../api/operations.js';
import type { AuthResult } from '../auth/types.js';
import type { ConditionValues, TagSet } from '../access/policy/index.js';

/**
 * Operations whose x-amz-tagging header sets the new object's tags (s3:RequestObjectTag), and whose
 * x-amz-object-lock-* headers its lock (s3:object-lock-*).
 */
const OBJECT_WRITE_OPERATIONS: ReadonlySet<OperationName> = new Set(['PutObject', 'CopyObject', 'CreateMultipartUpload']);
const DAY_MS = 86_400_000;
/** Operations AWS evaluates the listing keys (s3:prefix, s3:delimiter, s3:max-keys) for. */
const LISTING_OPERATIONS: ReadonlySet<OperationName> = new Set(['ListObjects', 'ListObjectsV2', 'ListObjectVersions']);

const AUTH_TYPES = {
  'sigv4-header': 'REST-HEADER', 'sigv2-header': 'REST-HEADER', 'sigv4-query': 'REST-QUERY-STRING', 'sigv2-query': 'REST-QUERY-STRING', 'sigv4-post': 'POST', 'sigv2-post': 'POST',
} as const;

export function conditionValues(
  req: IncomingMessage,
  headers: Readonly<Record<string, string | undefined>>,
  query: URLSearchParams,
  operation: OperationName,
  auth: Pick<AuthResult, 'method' | 'signedAt'>,
  now: Date,
): ConditionValues {
  const listing = LISTING_OPERATIONS.has(operation);
  const writes = OBJECT_WRITE_OPERATIONS.has(operation);
  return {
    'aws:SourceIp': () => sourceIp(req.socket.remoteAddress),
    'aws:SecureTransport': () => 'encrypted' in req.socket,
    'aws:Referer': () => headers['referer'],
    'aws:UserAgent': () => headers['user-agent'],
    's3:prefix': () => (listing ? query.get('prefix') ?? undefined : undefined),
    's3:delimiter': () => (listing ? query.get('delimiter') ?? undefined : undefined),
    's3:max-keys': () => {
      const text = listing ? query.get('max-keys') : null;
      return text !== null && /^\d+$/.test(text) ? Number(text) : undefined;
    },
    's3:x-amz-acl': () => headers['x-amz-acl'],
    's3:x-amz-server-side-encryption': () => headers['x-amz-server-side-encryption'],
    's3:x-amz-server-side-encryption-aws-kms-key-id': () => headers['x-amz-server-side-encryption-aws-kms-key-id'],
    's3:x-amz-server-side-encryption-customer-algorithm': () => headers['x-amz-server-side-encryption-customer-algorithm'],
    's3:x-amz-content-sha256': () => headers['x-amz-content-sha256'],
    's3:x-amz-copy-source': () => copySource(headers['x-amz-copy-source']),
    's3:x-amz-metadata-directive': () => headers['x-amz-metadata-directive'],
    's3:x-amz-storage-class': () => headers['x-amz-storage-class'],
    's3:x-amz-website-redirect-location': () => headers['x-amz-website-redirect-location'],
    's3:x-amz-object-ownership': () => headers['x-amz-object-ownership'],
    's3:x-amz-grant-full-control': () => headers['x-amz-grant-full-control'],
    's3:x-amz-grant-read': () => headers['x-amz-grant-read'],
    's3:x-amz-grant-read-acp': () => headers['x-amz-grant-read-acp'],
    's3:x-amz-grant-write': () => headers['x-amz-grant-write'],
    's3:x-amz-grant-write-acp': () => headers['x-amz-grant-write-acp'],
    's3:if-match': () => headers['if-match'],
    's3:if-none-match': () => headers['if-none-match'],
    's3:VersionId': () => query.get('versionId') ?? undefined,
    's3:RequestObjectTag': () => (writes ? taggingHeader(headers['x-amz-tagging']) : undefined),
    's3:object-lock-mode': () => (writes ? headers['x-amz-object-lock-mode'] : undefined),
    's3:object-lock-legal-hold': () => (writes ? headers['x-amz-object-lock-legal-hold'] : undefined),
    's3:object-lock-retain-until-date': () => (writes ? retainUntil(headers) : undefined),
    's3:object-lock-remaining-retention-days': () => {
      const until = writes ? retainUntil(headers) : undefined;
      return until === undefined ? undefined : Math.max(0, Math.ceil((until.getTime() - now.getTime()) / DAY_MS));
    },
    's3:signatureversion': () => (auth.method.startsWith('sigv4') ? 'AWS4-HMAC-SHA256' : auth.method.startsWith('sigv2') ? 'AWS' : undefined),
    's3:authType': () => (auth.method === 'anonymous' ? undefined : AUTH_TYPES[auth.method]),
    's3:signatureAge': () => (auth.signedAt === undefined ? undefined : Math.max(0, now.getTime() - auth.signedAt.getTime())),
  };
}

/** The peer address as AWS reports it: an IPv4 client of a dual-stack socket without its `::ffff:` form. */
export function sourceIp(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

/** `x-amz-copy-source` as `bucket/key[?versionId=…]`: decoded, without a leading slash. */
function copySource(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const path = value.startsWith('/') ? value.slice(1) : value;
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // malformed: the operation refuses it
  }
}

/** `x-amz-object-lock-retain-until-date` as a date (an invalid one is refused by the operation). */
function retainUntil(headers: Readonly<Record<string, string | undefined>>): Date | undefined {
  const text = headers['x-amz-object-lock-retain-until-date'];
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** `x-amz-tagging: k1=v1&k2=v2` (URL query form) as a tag set. */
function taggingHeader(value: string | undefined): TagSet | undefined {
  if (value === undefined) return undefined;
  const tags = Object.create(null) as Record<string, string>; // `__proto__` is a tag key like any other
  for (const [key, tagValue] of new URLSearchParams(value)) tags[key] = tagValue;
  return tags;
}
