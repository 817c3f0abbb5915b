import { S3Error } from '../errors.js';
import { limits } from '../limits.js';
import { NULL_VERSION_ID } from '../ops/versioning/version-ids.js';

const INT32_MAX = 2 ** 31 - 1;
const VERSION_ID = /^[A-Za-z0-9_-]{32}$/;

/**
 * A request's query parameters, read by name with AWS's validation and errors — the one place
 * each is parsed. Built once per request at the edge; an operation reads only the parameters it
 * takes (AWS ignores the others).
 */
export class RequestParameters {
  constructor(private readonly query: URLSearchParams) {}

  /** A plain string parameter (`prefix`, `delimiter`, `key-marker`, …), undefined when absent. */
  string(name: string): string | undefined {
    return this.query.get(name) ?? undefined;
  }

  /** `encoding-type`: absent or `url` (any case); anything else → InvalidArgument. */
  encodingType(): 'url' | undefined {
    const value = this.query.get('encoding-type');
    if (value === null) return undefined;
    if (value.toLowerCase() === 'url') return 'url';
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: value });
  }

  /** `max-keys`: an int32 ≥ 0, capped at the page limit (default), with AWS's two wordings of a refusal. */
  maxKeys(): number {
    const text = this.query.get('max-keys');
    if (text === null) return limits.listKeysMax;
    const trimmed = text.trim();
    if (!/^[+-]?\d+$/.test(trimmed) || Math.abs(Number(trimmed)) > INT32_MAX + (trimmed.startsWith('-') ? 1 : 0)) {
      throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: text });
    }
    const value = Number(trimmed);
    if (value < 0) {
      throw new S3Error('InvalidArgument', 'Argument maxKeys must be an integer between 0 and 2147483647', { ArgumentName: 'maxKeys', ArgumentValue: text });
    }
    return Math.min(value, limits.listKeysMax);
  }

  /** `max-uploads` (ListMultipartUploads): 0 … int32, capped at the page limit. */
  maxUploads(): number {
    return this.boundedInteger('max-uploads', limits.listUploadsMax, limits.listUploadsMax, 'Provided max-uploads not an integer or within integer range');
  }

  /** `max-parts` (ListParts): 0 … int32, capped at the page limit. */
  maxParts(): number {
    return this.boundedInteger('max-parts', limits.listPartsMax, limits.listPartsMax, 'Provided max-parts not an integer or within integer range');
  }

  /** `part-number-marker` (ListParts): 0 … int32. */
  partNumberMarker(): number {
    return this.boundedInteger('part-number-marker', 0, INT32_MAX, 'Argument partNumberMarker must be an integer.');
  }

  /** `partNumber` (UploadPart, and GetObject/HeadObject by part): 1 … 10,000. */
  partNumber(): number | undefined {
    const text = this.query.get('partNumber');
    if (text === null) return undefined;
    if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > limits.partNumberMax) {
      throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${limits.partNumberMax}, inclusive`, { ArgumentName: 'partNumber', ArgumentValue: text });
    }
    return Number(text);
  }

  /** `uploadId`: the upload named ('' when the parameter is empty or absent). */
  uploadId(): string {
    return this.query.get('uploadId') ?? '';
  }

  /** `versionId`: 'null' or an id of ours; anything else → InvalidArgument. */
  versionId(): string | undefined {
    return this.versionIdNamed('versionId');
  }

  /** `version-id-marker` (ListObjectVersions), validated like a version id. */
  versionIdMarker(): string | undefined {
    return this.versionIdNamed('version-id-marker');
  }

  private versionIdNamed(name: string): string | undefined {
    const value = this.query.get(name);
    if (value === null) return undefined;
    if (value === NULL_VERSION_ID || VERSION_ID.test(value)) return value;
    throw new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: name, ArgumentValue: value });
  }

  private boundedInteger(name: string, fallback: number, max: number, message: string): number {
    const text = this.query.get(name);
    if (text === null || text === '') return fallback;
    if (!/^\d{1,10}$/.test(text) || Number(text) > INT32_MAX) throw new S3Error('InvalidArgument', message, { ArgumentName: name, ArgumentValue: text });
    return Math.min(Number(text), max);
  }
}

/**
 * `encoding-type=url`, the one encoder of every listing: UTF-8 bytes percent-encoded with
 * uppercase hex, except letters, digits, `- _ . * /`; a space is `%20` and `+` is `%2B`, so
 * that `decodeURIComponent` and `unquote_plus` both recover the key.
 */
const UNRESERVED = /^[0-9A-Za-z\-_.*/]*$/;

export function urlEncode(value: string): string {
  if (UNRESERVED.test(value)) return value; // most keys: nothing to encode, no byte loop
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const keep = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2d || byte === 0x5f || byte === 0x2e || byte === 0x2a || byte === 0x2f;
    out += keep ? String.fromCharCode(byte) : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The encoder a listing applies to keys, prefixes and markers: urlEncode under `encoding-type=url`. */
export function listingEncoder(encodingType: 'url' | undefined): (value: string) => string {
  return encodingType === 'url' ? urlEncode : (value) => value;
}
