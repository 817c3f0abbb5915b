import { S3Error } from '../errors.js';
import { limits } from '../limits.js';
import type { RequestBody } from './types.js';
import { hashBuffer } from '../checksum/index.js';
import { checksumRequestFrom, verifyChecksums } from './objects/checksums.js';

/**
 * A small request body in memory, capped (over the cap → MaxMessageLengthExceeded). A refused
 * body is not cut off (that would close the connection before the client, still sending, could
 * read the error): up to limits.refusedBodyDrainBytesMax more is read and dropped, then the
 * stream is destroyed.
 */
export function readBodyBytes(body: RequestBody, maxBytes: number = limits.xmlBodyBytesMax): Promise<Buffer> {
  if (body.declaredLength !== undefined && body.declaredLength > maxBytes) return Promise.reject(new S3Error('MaxMessageLengthExceeded'));
  const stream = body.stream;
  return new Promise<Buffer>((resolve, reject) => {
    let bytes = new GatheredBytes(body.declaredLength);
    let size = 0;
    let refused = false;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > maxBytes + limits.refusedBodyDrainBytesMax) stream.destroy();
        return;
      }
      if (size > maxBytes) {
        refused = true;
        bytes = new GatheredBytes(undefined);
        reject(new S3Error('MaxMessageLengthExceeded'));
        return;
      }
      bytes.add(chunk);
    });
    stream.once('end', () => resolve(bytes.all()));
    // After a refusal this listener stays, so that a later failure is not an unhandled 'error'.
    stream.on('error', reject);
  });
}

/**
 * A body's bytes as they arrive: copied into one buffer of the declared length when there is one
 * (its own memory, so that it can be moved to the XML parse worker, and no 10 MiB copy happens at
 * the end, on the event loop), else concatenated at the end.
 */
class GatheredBytes {
  private readonly chunks: Buffer[] = [];
  private into: Buffer | undefined;
  private size = 0;

  constructor(declaredLength: number | undefined) {
    if (declaredLength) this.into = Buffer.allocUnsafeSlow(declaredLength);
  }

  add(chunk: Buffer): void {
    if (this.into && this.size + chunk.length <= this.into.length) {
      chunk.copy(this.into, this.size);
    } else {
      if (this.into) this.chunks.push(this.into.subarray(0, this.size));
      this.into = undefined;
      this.chunks.push(chunk);
    }
    this.size += chunk.length;
  }

  all(): Buffer {
    return this.into ? this.into.subarray(0, this.size) : Buffer.concat(this.chunks);
  }
}

/** What a small request body is read with: the body and the headers that may protect it. */
export interface BodyRequest {
  readonly body: RequestBody;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface CheckedBodyOptions {
  /** The cap (over it → MaxMessageLengthExceeded); limits.xmlBodyBytesMax by default. */
  readonly maxBytes?: number;
  /**
   * AWS requires this request's body to be protected (DeleteObjects, the object lock
   * configurations, PutBucketCors / Lifecycle / Tagging): without Content-MD5 or an
   * x-amz-checksum-* header or trailer → 400 InvalidRequest.
   */
  readonly integrityRequired?: boolean;
}

/**
 * A small request body in memory, checked against the Content-MD5 or x-amz-checksum-* header (or
 * trailer) the request carries, as AWS checks every body: a mismatch → BadDigest, nothing applied.
 */
export async function readCheckedBody(request: BodyRequest, options: CheckedBodyOptions = {}): Promise<Buffer> {
  const checksumRequest = checksumRequestFrom(request.headers);
  const protectedBody = checksumRequest.contentMd5 !== undefined || checksumRequest.algorithm !== undefined;
  if (!protectedBody && options.integrityRequired) throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
  const bytes = await readBodyBytes(request.body, options.maxBytes);
  if (protectedBody) {
    const computed = new Map<string, Buffer>();
    if (checksumRequest.algorithm) computed.set(checksumRequest.algorithm, hashBuffer(checksumRequest.algorithm, bytes));
    verifyChecksums(checksumRequest, hashBuffer('MD5', bytes), computed, request.body.trailers());
  }
  return bytes;
}

/**
 * Reads (readCheckedBody) and parses an XML document whose root must be `root`; empty →
 * MissingRequestBodyError (or undefined when `optional`), another root → MalformedXML.
 */
export async function readXmlDocument(
  request: BodyRequest, root: string, options: CheckedBodyOptions & { optional?: boolean } = {},
): Promise<Record<string, unknown> | undefined> {
  const text = (await readCheckedBody(request, options)).toString('utf8');
  if (text.trim() === '') {
    if (options.optional) return undefined;
    throw new S3Error('MissingRequestBodyError');
  }
  return elementOf(await request.body.parseXml(text), root);
}

function elementOf(parsed: Record<string, unknown>, root: string): Record<string, unknown> {
  const element = parsed[root];
  if (element === undefined) throw new S3Error('MalformedXML');
  return typeof element === 'object' && element !== null ? (element as Record<string, unknown>) : {};
}

/** An element that may appear once or repeated, as a list (of a parsed request document). */
export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** The text of a leaf element ('' for an empty element), or undefined when absent or not a leaf. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
