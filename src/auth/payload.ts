/**
 * The request body after authentication: how `x-amz-content-sha256` selects a PayloadMode,
 * and the stream that checks the body against it.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { S3Error } from '../errors.js';
import type { ChunkSigningContext, PayloadMode } from './types.js';
import { decodeAwsChunked } from './sigv4/chunked-reader.js';

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

class Sha256Verifier extends Transform {
  private readonly hash = createHash('sha256');

  constructor(private readonly expectedHex: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const computed = this.hash.digest('hex');
    if (computed !== this.expectedHex.toLowerCase()) {
      callback(
        new S3Error('XAmzContentSHA256Mismatch', undefined, {
          ClientComputedContentSHA256: this.expectedHex,
          S3ComputedContentSHA256: computed,
        }),
      );
      return;
    }
    callback();
  }
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
  const noTrailers = (): Readonly<Record<string, string>> => Object.freeze({});
  // Most requests (GET, HEAD, DELETE) have no body and sign the empty hash: nothing to verify.
  if (knownEmpty && payload.kind === 'sha256' && payload.expectedHex === EMPTY_SHA256) return { body: source, trailers: noTrailers };
  switch (payload.kind) {
    case 'unsigned':
      return { body: source, trailers: noTrailers };
    case 'sha256': {
      const verifier = new Sha256Verifier(payload.expectedHex);
      pipeline(source, verifier, () => {});
      return { body: verifier, trailers: noTrailers };
    }
    case 'chunked':
      return decodeAwsChunked(source, payload);
    default: {
      const body = new PassThrough();
      body.destroy(new S3Error('InternalError'));
      return { body, trailers: noTrailers };
    }
  }
}
