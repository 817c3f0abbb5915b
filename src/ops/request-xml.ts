import { S3Error } from '../errors.js';
import { limits } from '../limits.js';
import type { RequestBody } from './types.js';
import { hashBuffer } from '../checksum/index.js';
import { checksumRequestFrom, verifyChecksums } from './objects/checksums.js';

/** Reads a (small) XML request body, capped; '' when the body is empty. */
export async function readBodyText(body: RequestBody, maxBytes: number = limits.xmlBodyBytesMax): Promise<string> {
  return (await readBodyBytes(body, maxBytes)).toString('utf8');
}

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

/** Reads and parses an XML document whose root must be `root`; empty or wrong → MalformedXML. */
export async function readXmlDocument(body: RequestBody, root: string, options: { optional?: boolean; maxBytes?: number } = {}): Promise<Record<string, unknown> | undefined> {
  const text = await readBodyText(body, options.maxBytes);
  if (text.trim() === '') {
    if (options.optional) return undefined;
    throw new S3Error('MissingRequestBodyError');
  }
  return elementOf(await body.parseXml(text), root);
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

/**
 * A small request body that AWS requires to be protected (DeleteObjects, the object lock
 * configurations): Content-MD5 or an x-amz-checksum-* header or trailer, checked once it is read.
 */
export async function readProtectedBody(body: RequestBody, headers: Readonly<Record<string, string | undefined>>): Promise<Buffer> {
  const checksumRequest = checksumRequestFrom(headers);
  if (checksumRequest.contentMd5 === undefined && checksumRequest.algorithm === undefined) {
    throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
  }
  const bytes = await readBodyBytes(body);
  const computed = new Map<string, Buffer>();
  if (checksumRequest.algorithm) computed.set(checksumRequest.algorithm, hashBuffer(checksumRequest.algorithm, bytes));
  verifyChecksums(checksumRequest, hashBuffer('MD5', bytes), computed, body.trailers());
  return bytes;
}

/** readXmlDocument for a body that must be protected (readProtectedBody). */
export async function readProtectedXmlDocument(
  body: RequestBody, headers: Readonly<Record<string, string | undefined>>, root: string,
): Promise<Record<string, unknown>> {
  const text = (await readProtectedBody(body, headers)).toString('utf8');
  if (text.trim() === '') throw new S3Error('MissingRequestBodyError');
  return elementOf(await body.parseXml(text), root);
}
