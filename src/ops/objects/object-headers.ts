import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { ObjectHeaders, ObjectVersion } from '../../store/meta/metadata-store.js';

type Headers = Readonly<Record<string, string | undefined>>;

export const STORAGE_CLASSES = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER',
  'DEEP_ARCHIVE', 'OUTPOSTS', 'GLACIER_IR', 'SNOW', 'EXPRESS_ONEZONE',
]);

const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
const USER_METADATA_PREFIX = 'x-amz-meta-';

/** The representation headers PutObject / CreateMultipartUpload store with the object. */
export function objectHeadersFrom(headers: Headers): ObjectHeaders {
  return {
    contentType: headers['content-type'] || DEFAULT_CONTENT_TYPE,
    cacheControl: headers['cache-control'],
    contentDisposition: headers['content-disposition'],
    contentEncoding: stripAwsChunked(headers['content-encoding']),
    contentLanguage: headers['content-language'],
    expires: headers['expires'],
    websiteRedirectLocation: websiteRedirectLocationFrom(headers),
  };
}

/** `x-amz-website-redirect-location`: a path or an http(s) URL the website endpoint redirects to (301). */
export function websiteRedirectLocationFrom(headers: Headers): string | undefined {
  const location = headers['x-amz-website-redirect-location'];
  if (location === undefined) return undefined;
  if (!/^(\/|https?:\/\/)/.test(location)) throw new S3Error('InvalidRedirectLocation');
  if (location.length > limits.websiteRedirectLocationCharsMax) {
    throw new S3Error('InvalidRedirectLocation', 'The length of website redirect location cannot exceed 2,048 characters.');
  }
  return location;
}

/**
 * `aws-chunked` is transfer framing, not a property of the object: it is dropped, and a value
 * without it is kept as sent (`deflate, gzip` stays `deflate, gzip`).
 */
function stripAwsChunked(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const codings = value.split(',').map((s) => s.trim());
  if (!codings.some((coding) => coding.toLowerCase() === 'aws-chunked')) return value.trim() === '' ? undefined : value;
  const rest = codings.filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked');
  return rest.length === 0 ? undefined : rest.join(', ');
}

/** `x-amz-meta-*` headers (names lowercased, as S3 returns them); over 2 KB → MetadataTooLarge. */
export function userMetadataFrom(headers: Headers): Record<string, string> {
  const metadata: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(USER_METADATA_PREFIX) || value === undefined) continue;
    const key = name.slice(USER_METADATA_PREFIX.length);
    metadata[key] = value;
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (bytes > limits.userMetadataBytesMax) {
    throw new S3Error('MetadataTooLarge', undefined, { Size: bytes, MaxSizeAllowed: limits.userMetadataBytesMax });
  }
  return metadata;
}

export function storageClassFrom(headers: Headers): string {
  const value = headers['x-amz-storage-class'];
  if (value === undefined || value === '') return 'STANDARD';
  if (!STORAGE_CLASSES.has(value)) throw new S3Error('InvalidStorageClass', undefined, { StorageClassRequested: value });
  return value;
}

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/** The headers GET and HEAD answer with for a stored version (without length/range headers). */
export function objectResponseHeaders(version: ObjectVersion, showVersionId: boolean): Record<string, string | number | undefined> {
  const h = version.headers;
  const out: Record<string, string | number | undefined> = {
    'last-modified': httpDate(version.lastModified),
    etag: quoteEtag(version.etag),
    'content-type': h.contentType,
    'cache-control': h.cacheControl,
    'content-disposition': h.contentDisposition,
    'content-encoding': h.contentEncoding,
    'content-language': h.contentLanguage,
    expires: h.expires,
    'x-amz-website-redirect-location': h.websiteRedirectLocation,
    'x-amz-storage-class': version.storageClass === 'STANDARD' ? undefined : version.storageClass,
    'x-amz-version-id': showVersionId ? version.versionId : undefined,
    'x-amz-tagging-count': version.tags.length > 0 ? version.tags.length : undefined,
    'x-amz-replication-status': version.replicationStatus,
    'accept-ranges': 'bytes',
  };
  for (const [key, value] of Object.entries(version.userMetadata)) out[USER_METADATA_PREFIX + key] = value;
  return out;
}

/** HTTP dates by whole second, for the most recent seconds asked: see httpDate. */
const httpDates = new Map<number, string>();
const HTTP_DATES_MAX = 4096;

/**
 * `date.toUTCString()` (Last-Modified's form), remembered: on a busy server the call cost ~4 µs,
 * a fifth of a small GET's operation (docs/performance.md), and hot objects repeat their dates.
 * The text names whole seconds, so the second is the key.
 */
export function httpDate(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  let text = httpDates.get(second);
  if (text === undefined) {
    if (httpDates.size >= HTTP_DATES_MAX) httpDates.clear();
    text = date.toUTCString();
    httpDates.set(second, text);
  }
  return text;
}

const RESPONSE_OVERRIDES: ReadonlyArray<readonly [string, string]> = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
];

/** What an HTTP header value may hold: tab, visible ASCII, space and ISO-8859-1's upper half (no DEL). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Characters an error document could carry only as references XML 1.0 parsers refuse. */
const XML_UNSAFE = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;

/** GetObject's `response-*` query parameters override the stored headers (signed requests only). */
export function applyResponseOverrides(headers: Record<string, string | number | undefined>, query: URLSearchParams, anonymous: boolean): void {
  for (const [param, header] of RESPONSE_OVERRIDES) {
    const value = query.get(param);
    if (value === null) continue;
    if (anonymous) throw new S3Error('InvalidRequest', 'Request specific response headers cannot be used for anonymous GET requests.');
    // The value becomes a response header: control characters (CR, LF, NUL…) and characters beyond
    // ISO-8859-1 (U+2028…) cannot be one.
    if (!HEADER_VALUE.test(value)) {
      throw new S3Error('InvalidArgument', 'Header value cannot be represented using ISO-8859-1.', { ArgumentName: param, ArgumentValue: XML_UNSAFE.test(value) ? undefined : value });
    }
    headers[header] = value;
  }
}
