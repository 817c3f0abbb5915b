import { S3Error } from '../../errors.js';
import { httpDate } from './object-headers.js';

type Headers = Readonly<Record<string, string | undefined>>;

export interface Validators {
  /** Unquoted ETag. */
  readonly etag: string;
  readonly lastModified: Date;
}

/** `"a", W/"b", *` → ['a', 'b', '*'] */
function etagList(header: string): string[] {
  return header.split(',').map((s) => s.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')).filter((s) => s !== '');
}

function matches(header: string, etag: string): boolean {
  return etagList(header).some((candidate) => candidate === '*' || candidate === etag);
}

/** HTTP dates compare at one-second resolution; an unparsable date is ignored, as S3 does. */
function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

interface ConditionHeaders {
  readonly ifMatch: string;
  readonly ifNoneMatch: string;
  readonly ifModifiedSince: string;
  readonly ifUnmodifiedSince: string;
}

/** The four condition headers' names under each prefix, made once (not four strings per read). */
const conditionHeaderNames = new Map<string, ConditionHeaders>();

function conditionHeaders(prefix: string): ConditionHeaders {
  let names = conditionHeaderNames.get(prefix);
  if (!names) {
    names = { ifMatch: `${prefix}if-match`, ifNoneMatch: `${prefix}if-none-match`, ifModifiedSince: `${prefix}if-modified-since`, ifUnmodifiedSince: `${prefix}if-unmodified-since` };
    conditionHeaderNames.set(prefix, names);
  }
  return names;
}

/**
 * GET/HEAD preconditions with S3's precedence: If-Match decides alone over If-Unmodified-Since,
 * If-None-Match decides alone over If-Modified-Since. Failures: 412 PreconditionFailed, or
 * 304 NotModified (which carries ETag and Last-Modified).
 */
export function checkReadPreconditions(headers: Headers, object: Validators, prefix = ''): void {
  const names = conditionHeaders(prefix);
  const ifMatch = headers[names.ifMatch];
  const ifNoneMatch = headers[names.ifNoneMatch];
  const ifModifiedSinceText = headers[names.ifModifiedSince];
  const ifUnmodifiedSinceText = headers[names.ifUnmodifiedSince];
  // Most reads carry no condition.
  if (ifMatch === undefined && ifNoneMatch === undefined && ifModifiedSinceText === undefined && ifUnmodifiedSinceText === undefined) return;
  const ifModifiedSince = parseHttpDate(ifModifiedSinceText);
  const ifUnmodifiedSince = parseHttpDate(ifUnmodifiedSinceText);
  const modified = seconds(object.lastModified.getTime());

  if (ifMatch !== undefined) {
    if (!matches(ifMatch, object.etag)) throw preconditionFailed(prefix ? `${prefix}If-Match` : 'If-Match');
  } else if (ifUnmodifiedSince !== undefined && modified > seconds(ifUnmodifiedSince)) {
    throw preconditionFailed(prefix ? `${prefix}If-Unmodified-Since` : 'If-Unmodified-Since');
  }
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch, object.etag)) throw notModified(object, prefix, 'If-None-Match');
  } else if (ifModifiedSince !== undefined && modified <= seconds(ifModifiedSince)) {
    throw notModified(object, prefix, 'If-Modified-Since');
  }
}

function preconditionFailed(condition: string): S3Error {
  return new S3Error('PreconditionFailed', undefined, { Condition: condition });
}

function notModified(object: Validators, prefix: string, condition: string): S3Error {
  // Copy-source conditions answer 412 (naming the condition that failed) where a plain read answers 304.
  if (prefix) return preconditionFailed(`${prefix}${condition}`);
  return new S3Error('NotModified', undefined, {}, { etag: `"${object.etag}"`, 'last-modified': httpDate(object.lastModified) });
}
