/**
 * SigV4 canonical request (S3 flavour): the raw path is not normalised, every segment is
 * percent-decoded then re-encoded exactly once; query names/values likewise, sorted.
 */
import { timingSafeEqual } from 'node:crypto';

const HEX = '0123456789ABCDEF';

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2d || b === 0x5f || b === 0x2e || b === 0x7e // - _ . ~
  );
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/**
 * Decodes `%XX` escapes into raw bytes. Lenient: a '%' not followed by two hex digits is kept
 * as a literal '%'. '+' is a literal '+' (S3 does not form-decode).
 */
export function percentDecode(s: string): Buffer {
  const src = Buffer.from(s, 'utf8');
  if (!src.includes(0x25)) return src;
  const out = Buffer.allocUnsafe(src.length);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i];
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]);
      const lo = hexValue(src[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[o++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[o++] = b;
  }
  return out.subarray(0, o);
}

/** SigV4 URI encoding of raw bytes: unreserved kept, everything else `%XX` (uppercase). */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash = false): string {
  let out = '';
  for (const b of bytes) {
    if (isUnreserved(b) || (keepSlash && b === 0x2f)) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/** A path of unreserved characters and slashes only: decoding then encoding it changes nothing. */
const CANONICAL_AS_IS = /^[A-Za-z0-9\-_.~/]+$/;

/** The canonical URI: each '/'-separated segment of the raw path decoded then encoded once. */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  if (CANONICAL_AS_IS.test(rawPath)) return rawPath;
  return rawPath
    .split('/')
    .map((segment) => uriEncodeBytes(percentDecode(segment)))
    .join('/');
}

export interface QueryParam {
  /** Decoded name / value (UTF-8, lossy for invalid sequences); value '' when no '='. */
  readonly name: string;
  readonly value: string;
  readonly rawName: string;
  readonly rawValue: string;
  readonly hasEquals: boolean;
}

/** Splits a raw query string into decoded parameters (empty pieces between '&' are skipped). */
export function parseRawQuery(rawQuery: string): QueryParam[] {
  const params: QueryParam[] = [];
  if (rawQuery === '') return params;
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const rawName = eq < 0 ? piece : piece.slice(0, eq);
    const rawValue = eq < 0 ? '' : piece.slice(eq + 1);
    params.push({
      name: percentDecode(rawName).toString('utf8'),
      value: percentDecode(rawValue).toString('utf8'),
      rawName,
      rawValue,
      hasEquals: eq >= 0,
    });
  }
  return params;
}

/** First value of each parameter name (names are case-sensitive, as S3 treats them). */
export function queryMap(params: readonly QueryParam[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const p of params) if (!map.has(p.name)) map.set(p.name, p.value);
  return map;
}

/** The canonical query string; `exclude` names (decoded) are left out (X-Amz-Signature for presigned). */
export function canonicalQuery(rawQuery: string, exclude?: ReadonlySet<string>): string {
  const pairs: Array<[string, string]> = [];
  for (const p of parseRawQuery(rawQuery)) {
    if (exclude?.has(p.name)) continue;
    pairs.push([uriEncodeBytes(percentDecode(p.rawName)), uriEncodeBytes(percentDecode(p.rawValue))]);
  }
  // Encoded strings are ASCII, so code-unit order is byte order.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** Trims a header value and collapses inner whitespace runs to one space. */
export function normalizeHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/**
 * The headers as SigV4 reads a name that came more than once: every value, trimmed, joined with
 * ',' (Node joins most repeats with ', ' and keeps only the first of some, Content-Type among
 * them). `headers` itself when no name repeats — told by counting, without a scan.
 */
export function withRepeatsJoined(
  headers: Readonly<Record<string, string | undefined>>,
  rawHeaders: readonly string[],
  signedHeaders: readonly string[],
): Readonly<Record<string, string | undefined>> {
  if (rawHeaders.length / 2 <= Object.keys(headers).length) return headers;
  const signed = new Set(signedHeaders);
  const values = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!signed.has(name)) continue;
    const list = values.get(name);
    if (list) list.push(rawHeaders[i + 1]!.trim());
    else values.set(name, [rawHeaders[i + 1]!.trim()]);
  }
  const joined: Record<string, string | undefined> = { ...headers };
  for (const [name, list] of values) if (list.length > 1) joined[name] = list.join(',');
  return joined;
}

/** `name:value\n` for each signed header, in the order given (SignedHeaders is sorted by the client). */
export function canonicalHeaders(
  headers: Readonly<Record<string, string | undefined>>,
  signedHeaders: readonly string[],
): string {
  let out = '';
  for (const name of signedHeaders) out += `${name}:${normalizeHeaderValue(headers[name] ?? '')}\n`;
  return out;
}

export interface CanonicalRequestInput {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
  readonly excludeQuery?: ReadonlySet<string>;
}

export function buildCanonicalRequest(input: CanonicalRequestInput): string {
  return [
    input.method,
    canonicalUri(input.rawPath),
    canonicalQuery(input.rawQuery, input.excludeQuery),
    canonicalHeaders(input.headers, input.signedHeaders),
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

/** UTF-8 bytes of `s` as space-separated two-digit lowercase hex (AWS's `StringToSignBytes`). */
export function hexBytes(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = bytes[i].toString(16).padStart(2, '0');
  return parts.join(' ');
}

/** Constant-time string comparison; different lengths are simply unequal. */
export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ba.length !== bb.length) return false;
  return timingSafeEqual(ba, bb);
}
