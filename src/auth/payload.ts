/**
 * The request body after authentication: how `x-amz-content-sha256` selects a PayloadMode,
 * and the stream that checks the body against it.
 */
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { S3Error } from '../errors.js';
import type { ChunkSigningContext, PayloadMode } from './types.js';
import { decodeAwsChunked } from './sigv4/chunked-reader.js';
import { joinSource, prematureClose } from './join-source.js';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

type Headers = Readonly<Record<string, string | undefined>>;

/** `x-amz-decoded-content-length` for a streaming mode: required, a non-negative integer. */
function decodedLength(headers: Headers): number {
  const raw = headers['x-amz-decoded-content-length'];
  if (raw === undefined) throw new S3Error('MissingContentLength');
  const value = raw.trim();
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new S3Error('InvalidArgument', 'x-amz-decoded-content-length must be a non-negative integer', {
      ArgumentName: 'x-amz-decoded-content-length',
      ArgumentValue: raw,
    });
  }
  return Number(value);
}

/**
 * The payload mode a SigV4-signed request declares. `contentSha256` is the header value
 * (already known to be present); `signing` is the chunk-signing context for signed streaming.
 * Throws InvalidArgument for an unknown value.
 */
export function payloadModeForSigV4(contentSha256: string, headers: Headers, signing: ChunkSigningContext): PayloadMode {
  // The empty body's hash (every GET and HEAD an SDK signs) is recognised without the pattern.
  if (contentSha256 === EMPTY_SHA256 || SHA256_HEX.test(contentSha256)) return { kind: 'sha256', expectedHex: contentSha256.toLowerCase() };
  switch (contentSha256) {
    case UNSIGNED_PAYLOAD:
      return { kind: 'unsigned' };
    case STREAMING_SIGNED:
      return { kind: 'chunked', signedChunks: true, trailer: false, signing, decodedLength: decodedLength(headers) };
    case STREAMING_SIGNED_TRAILER:
      return { kind: 'chunked', signedChunks: true, trailer: true, signing, decodedLength: decodedLength(headers) };
    case STREAMING_UNSIGNED_TRAILER:
      return { kind: 'chunked', signedChunks: false, trailer: true, decodedLength: decodedLength(headers) };
    default:
      throw new S3Error(
        'InvalidArgument',
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.',
        { ArgumentName: 'x-amz-content-sha256', ArgumentValue: contentSha256 },
      );
  }
}

/**
 * The payload mode of a request without SigV4 signing (anonymous or SigV2): a hex
 * `x-amz-content-sha256` is still checked, and aws-chunked framing is still decoded (chunk
 * signatures cannot be checked without a seed, so they are ignored). Anything else: unsigned.
 */
export function payloadModeWithoutSigV4(headers: Headers): PayloadMode {
  const value = headers['x-amz-content-sha256'];
  if (value === undefined) return { kind: 'unsigned' };
  if (SHA256_HEX.test(value)) return { kind: 'sha256', expectedHex: value.toLowerCase() };
  switch (value) {
    case STREAMING_SIGNED:
      return { kind: 'chunked', signedChunks: false, trailer: false, decodedLength: decodedLength(headers) };
    case STREAMING_SIGNED_TRAILER:
    case STREAMING_UNSIGNED_TRAILER:
      return { kind: 'chunked', signedChunks: false, trailer: true, decodedLength: decodedLength(headers) };
    default:
      return { kind: 'unsigned' };
  }
}

/**
 * The body of a request that signed its payload's SHA-256, checked against it as it is read: a
 * Transform joined to the raw body only when first read, not at once by `stream.pipeline` (whose
 * per-request AbortController, end-of-stream listeners and DOMException at the end were a
 * measurable share of a small PUT). `readWhole` takes a small body into one buffer straight from
 * the raw body instead, and hashes it there, in the same pass as the reader's own hashing of it.
 */
class Sha256CheckedBody extends Transform {
  private mode: 'idle' | 'streaming' | 'whole' = 'idle';
  private hash: Hash | undefined;

  constructor(private readonly source: Readable, private readonly expectedHex: string) {
    super();
  }

  override _read(size: number): void {
    if (this.mode === 'whole') {
      this.destroy(new Error('the request body was already read whole'));
      return;
    }
    if (this.mode === 'idle') {
      this.mode = 'streaming';
      this.hash = createHash('sha256');
      joinSource(this.source, this);
    }
    super._read(size);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash!.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.mismatch(this.hash!.digest('hex')));
  }

  /** readWhole for this body: the bytes are hashed once they are all in, then checked. */
  async readWhole(maxBytes: number): Promise<Buffer | undefined> {
    if (this.mode !== 'idle') throw new Error('the request body is already being read');
    this.mode = 'whole';
    const body = await collectFrom(this.source, maxBytes);
    if (body) {
      const mismatch = this.mismatch(createHash('sha256').update(body).digest('hex'));
      if (mismatch) throw mismatch;
    }
    return body;
  }

  private mismatch(computed: string): S3Error | undefined {
    if (computed === this.expectedHex.toLowerCase()) return undefined;
    return new S3Error('XAmzContentSHA256Mismatch', undefined, {
      ClientComputedContentSHA256: this.expectedHex,
      S3ComputedContentSHA256: computed,
    });
  }
}

const NO_BYTES = Buffer.alloc(0);

/** The trailers of a body that has none: one frozen object for every request. */
const NO_TRAILERS: Readonly<Record<string, string>> = Object.freeze({});
const noTrailers = (): Readonly<Record<string, string>> => NO_TRAILERS;

/**
 * The whole of a (small) body in one buffer, checked as reading `body` would check it; undefined
 * when it is longer than `maxBytes` (it is then destroyed, not read further). No async iteration:
 * a small body usually arrives as one chunk, and is returned as it came.
 */
export function readWhole(body: Readable, maxBytes: number): Promise<Buffer | undefined> {
  return body instanceof Sha256CheckedBody ? body.readWhole(maxBytes) : collectFrom(body, maxBytes);
}

function collectFrom(stream: Readable, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let bytes = 0;
    let settled = false;
    const settle = (act: () => void) => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      act();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        settle(() => resolve(undefined));
        stream.destroy();
      } else if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    stream.on('data', onData);
    stream.once('end', () => settle(() => resolve(more ? Buffer.concat(more, bytes) : first ?? NO_BYTES)));
    // Listeners stay until the stream is gone: an error after the end must not go unheard.
    stream.on('error', (error) => settle(() => reject(error)));
    stream.once('close', () => settle(() => reject(prematureClose())));
  });
}

/**
 * Wraps the raw request body so that reading it checks it against the payload mode.
 * Failures surface as stream errors carrying an S3Error. `trailers()` is meaningful after the end.
 */
export function verifiedBody(
  source: Readable,
  payload: PayloadMode,
  /** True when the framing says there is no body (no Content-Length or 0, no Transfer-Encoding). */
  knownEmpty = false,
): { body: Readable; trailers: () => Readonly<Record<string, string>> } {
  // Most requests (GET, HEAD, DELETE) have no body and sign the empty hash: nothing to verify.
  if (knownEmpty && payload.kind === 'sha256' && payload.expectedHex === EMPTY_SHA256) return { body: source, trailers: noTrailers };
  switch (payload.kind) {
    case 'unsigned':
      return { body: source, trailers: noTrailers };
    case 'sha256':
      return { body: new Sha256CheckedBody(source, payload.expectedHex), trailers: noTrailers };
    case 'chunked':
      return decodeAwsChunked(source, payload);
    default: {
      const body = new PassThrough();
      body.destroy(new S3Error('InternalError'));
      return { body, trailers: noTrailers };
    }
  }
}
