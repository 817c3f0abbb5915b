/** SigV4 strings to sign (request, chunk, trailer) and the date formats they use. */
import { hash } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function sha256Hex(data: string | Uint8Array): string {
  // One-shot: a canonical request is hashed on every request, and a Hash object costs more than the hash.
  return hash('sha256', data, 'hex');
}

/** `AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hex sha256(canonical request)>`. */
export function buildStringToSign(amzDate: string, scope: string, canonicalRequest: string): string {
  return `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
}

/** String to sign for one aws-chunked chunk. */
export function chunkStringToSign(amzDate: string, scope: string, previousSignature: string, chunkSha256Hex: string): string {
  return `AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previousSignature}\n${EMPTY_SHA256}\n${chunkSha256Hex}`;
}

/** String to sign for the trailer section of a signed aws-chunked body. */
export function trailerStringToSign(amzDate: string, scope: string, previousSignature: string, trailerSha256Hex: string): string {
  return `AWS4-HMAC-SHA256-TRAILER\n${amzDate}\n${scope}\n${previousSignature}\n${trailerSha256Hex}`;
}

/** `yyyymmdd/region/service/aws4_request`. */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

/** The last `x-amz-date` parsed: a client signs every request of a second with the same one. */
let lastAmzDate: { readonly value: string; readonly ms: number | undefined } = { value: '', ms: undefined };

/** Parses the ISO 8601 basic format `yyyyMMddTHHmmssZ` strictly; undefined when invalid. */
export function parseAmzDate(value: string): Date | undefined {
  if (value !== lastAmzDate.value) lastAmzDate = { value, ms: parseAmzDateMs(value) };
  const ms = lastAmzDate.ms;
  // A new Date each time: callers own what they are given.
  return ms === undefined ? undefined : new Date(ms);
}

function parseAmzDateMs(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const date = new Date(t);
  if (
    Number.isNaN(t) || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d ||
    date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s
  ) {
    return undefined;
  }
  return t;
}

/** Formats a date as `yyyyMMddTHHmmssZ`. */
export function toAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** `2013-05-24T00:00:00Z` (ISO 8601 without milliseconds), as AWS shows ServerTime / Expires. */
export function toIsoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
