/**
 * SigV2 string to sign:
 *   METHOD\nContent-MD5\nContent-Type\nDate\nCanonicalizedAmzHeaders CanonicalizedResource
 */
import { createHmac } from 'node:crypto';
import { parseRawQuery } from '../sigv4/canonical-request.js';

/** Query parameters that are part of the SigV2 canonical resource. */
export const SIGV2_SUBRESOURCES: ReadonlySet<string> = new Set([
  'acl', 'accelerate', 'analytics', 'cors', 'delete', 'encryption', 'inventory', 'lifecycle', 'location',
  'logging', 'metrics', 'notification', 'partNumber', 'policy', 'requestPayment', 'replication', 'restore',
  'select', 'tagging', 'torrent', 'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'website',
  'object-lock', 'legal-hold', 'retention', 'publicAccessBlock', 'ownershipControls', 'intelligent-tiering',
  'attributes',
  'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding',
]);

type Headers = Readonly<Record<string, string | undefined>>;

/** `x-amz-*` headers, lowercased, sorted, whitespace folded, one `name:value\n` each. */
export function canonicalizedAmzHeaders(headers: Headers, options: { omitAmzDate?: boolean } = {}): string {
  const names = Object.keys(headers)
    .filter((n) => n.toLowerCase().startsWith('x-amz-') && headers[n] !== undefined)
    .filter((n) => !(options.omitAmzDate && n.toLowerCase() === 'x-amz-date'));
  const merged = new Map<string, string[]>();
  for (const name of names) {
    const lower = name.toLowerCase();
    const value = (headers[name] ?? '').replace(/\s+/g, ' ').trim();
    const list = merged.get(lower);
    if (list) list.push(value);
    else merged.set(lower, [value]);
  }
  return [...merged.keys()]
    .sort()
    .map((name) => `${name}:${(merged.get(name) ?? []).join(',')}\n`)
    .join('');
}

/** `/bucket` (virtual-hosted) + raw path + the sorted sub-resources (`?acl&versionId=x`). */
export function canonicalizedResource(rawPath: string, rawQuery: string, virtualHostBucket?: string): string {
  let resource = (virtualHostBucket ? `/${virtualHostBucket}` : '') + (rawPath === '' ? '/' : rawPath);
  const subresources = parseRawQuery(rawQuery)
    .filter((p) => SIGV2_SUBRESOURCES.has(p.name))
    .map((p) => (p.hasEquals ? `${p.name}=${p.value}` : p.name));
  // Stable sort on the name only (the part before '=').
  const keyOf = (s: string): string => {
    const eq = s.indexOf('=');
    return eq < 0 ? s : s.slice(0, eq);
  };
  subresources.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  if (subresources.length > 0) resource += '?' + subresources.join('&');
  return resource;
}

export interface SigV2StringToSignInput {
  readonly method: string;
  readonly headers: Headers;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly virtualHostBucket?: string;
  /** The Date line: the Date header, '' when x-amz-date is used, or Expires for query auth. */
  readonly dateLine: string;
  /** Leave x-amz-date out of the amz headers (the 2006 guide's alternative form). */
  readonly omitAmzDate?: boolean;
}

export function buildSigV2StringToSign(input: SigV2StringToSignInput): string {
  const md5 = (input.headers['content-md5'] ?? '').trim();
  const type = (input.headers['content-type'] ?? '').trim();
  return (
    `${input.method}\n${md5}\n${type}\n${input.dateLine}\n` +
    canonicalizedAmzHeaders(input.headers, { omitAmzDate: input.omitAmzDate }) +
    canonicalizedResource(input.rawPath, input.rawQuery, input.virtualHostBucket)
  );
}

/** base64(HMAC-SHA1(secret, stringToSign)). */
export function signV2(secretAccessKey: string, stringToSign: string): string {
  return createHmac('sha1', secretAccessKey).update(stringToSign, 'utf8').digest('base64');
}
