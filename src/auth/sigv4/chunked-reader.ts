/**
 * Streaming decoder for `Content-Encoding: aws-chunked` bodies:
 *   hex-size[;chunk-signature=sig]\r\n <data> \r\n ... 0[;chunk-signature=sig]\r\n
 *   then either \r\n (no trailer) or trailer lines `name:value\r\n`... and an empty line.
 * Works on any split of the input; never holds more than one header/trailer line.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { ChunkSigningContext, PayloadMode } from '../types.js';
import { safeEqual } from './canonical-request.js';
import { signHex } from './signing-key.js';
import { joinSource } from '../join-source.js';
import { EMPTY_SHA256, chunkStringToSign, sha256Hex, trailerStringToSign } from './string-to-sign.js';

type ChunkedMode = Extract<PayloadMode, { kind: 'chunked' }>;

const CR = 0x0d;
const LF = 0x0a;
const TRAILER_SIGNATURE = 'x-amz-trailer-signature';
/** Signed chunks other than the last must carry at least this many bytes. */
const SIGNED_CHUNK_BYTES_MIN = 8192;

type State = 'size' | 'data' | 'data-crlf' | 'final-crlf' | 'trailer' | 'done' | 'failed';

function malformed(message: string): S3Error {
  return new S3Error('InvalidRequest', `Malformed aws-chunked body: ${message}`);
}

function incomplete(): S3Error {
  return new S3Error('IncompleteBody', 'The request body terminated unexpectedly');
}

class AwsChunkedDecoder extends Transform {
  private state: State = 'size';
  /** Bytes of the current header / trailer line (without its line end) gathered so far. */
  private line: Buffer[] = [];
  private lineBytes = 0;
  /** The previous byte was a CR ending the line being gathered. */
  private lineSawCr = false;
  private remaining = 0;
  private crlfSeen = 0;
  private chunkHash: Hash | null = null;
  private chunkSignature = '';
  private chunkIndex = 0;
  private previousChunkSize = -1;
  private previousSignature: string;
  private decodedBytes = 0;
  private trailerBytes = 0;
  private readonly trailerLines: string[] = [];
  private trailerSignature: string | undefined;
  private readonly parsedTrailers: Record<string, string> = {};
  private finalTrailers: Readonly<Record<string, string>> = Object.freeze({});
  private readonly signing: ChunkSigningContext | undefined;

  constructor(private readonly mode: ChunkedMode) {
    super();
    this.signing = mode.signedChunks ? mode.signing : undefined;
    this.previousSignature = this.signing?.seedSignature ?? '';
  }

  trailers(): Readonly<Record<string, string>> {
    return this.finalTrailers;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.state === 'failed') {
      callback();
      return;
    }
    try {
      this.consume(chunk);
      callback();
    } catch (err) {
      this.state = 'failed';
      callback(err instanceof S3Error ? err : new S3Error('InternalError'));
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state === 'failed') {
      callback();
      return;
    }
    if (this.state !== 'done') {
      callback(incomplete());
      return;
    }
    if (this.mode.decodedLength !== undefined && this.decodedBytes !== this.mode.decodedLength) {
      callback(incomplete());
      return;
    }
    this.finalTrailers = Object.freeze({ ...this.parsedTrailers });
    callback();
  }

  private consume(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case 'size':
        case 'final-crlf':
        case 'trailer': {
          const cap = this.state === 'trailer' ? limits.chunkTrailerBytesMax : limits.chunkHeaderBytesMax;
          const line = this.gatherLine(buf, pos, cap);
          pos = line.next;
          if (line.text === undefined) break;
          if (this.state === 'size') this.onChunkHeader(line.text);
          else if (this.state === 'final-crlf') {
            if (line.text !== '') throw malformed('unexpected data after the final chunk');
            this.state = 'done';
          } else this.onTrailerLine(line.text);
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, buf.length - pos);
          const slice = buf.subarray(pos, pos + take);
          pos += take;
          this.remaining -= take;
          this.decodedBytes += take;
          if (this.mode.decodedLength !== undefined && this.decodedBytes > this.mode.decodedLength) throw incomplete();
          this.chunkHash?.update(slice);
          this.push(slice);
          if (this.remaining === 0) {
            this.state = 'data-crlf';
            this.crlfSeen = 0;
          }
          break;
        }
        case 'data-crlf': {
          const expected = this.crlfSeen === 0 ? CR : LF;
          if (buf[pos] !== expected) throw malformed('chunk data is not followed by CRLF');
          pos++;
          if (++this.crlfSeen === 2) {
            this.verifyChunk(this.chunkHash ? this.chunkHash.digest('hex') : EMPTY_SHA256);
            this.chunkHash = null;
            this.state = 'size';
          }
          break;
        }
        case 'done':
          throw malformed('unexpected data after the end of the body');
        default:
          return;
      }
    }
  }

  /** Gathers bytes up to CRLF (split anywhere across packets); returns the line when complete. */
  private gatherLine(buf: Buffer, start: number, cap: number): { next: number; text?: string } {
    const segmentStart = start;
    for (let i = start; i < buf.length; i++) {
      const b = buf[i];
      if (this.lineSawCr) {
        if (b !== LF) throw malformed('a bare CR in a chunk header or trailer');
        const text = Buffer.concat(this.line).toString('utf8');
        this.line = [];
        this.lineBytes = 0;
        this.lineSawCr = false;
        return { next: i + 1, text };
      }
      if (b === CR) {
        this.line.push(buf.subarray(segmentStart, i));
        this.lineSawCr = true;
        continue;
      }
      if (b === LF) throw malformed('a line ends with LF instead of CRLF');
      if (++this.lineBytes > cap) {
        throw this.state === 'trailer'
          ? malformed('the trailer section is too large')
          : malformed('a chunk header is too long');
      }
    }
    if (!this.lineSawCr) this.line.push(buf.subarray(segmentStart));
    return { next: buf.length };
  }

  private onChunkHeader(text: string): void {
    const parts = text.split(';');
    const sizeText = parts[0].trim();
    if (!/^[0-9a-fA-F]{1,13}$/.test(sizeText)) throw malformed('invalid chunk size');
    const size = parseInt(sizeText, 16);
    let signature: string | undefined;
    for (const ext of parts.slice(1)) {
      const eq = ext.indexOf('=');
      const name = (eq < 0 ? ext : ext.slice(0, eq)).trim();
      if (name === 'chunk-signature') signature = eq < 0 ? '' : ext.slice(eq + 1).trim();
    }
    if (this.signing) {
      if (signature === undefined) {
        throw new S3Error('SignatureDoesNotMatch', 'The chunk-signature of an aws-chunked chunk is missing.');
      }
      if (size > 0 && this.previousChunkSize >= 0 && this.previousChunkSize < SIGNED_CHUNK_BYTES_MIN) {
        throw new S3Error('InvalidChunkSizeError', undefined, {
          Chunk: this.chunkIndex,
          BadChunkSize: this.previousChunkSize,
        });
      }
      this.chunkSignature = signature;
    }
    this.chunkIndex++;
    this.previousChunkSize = size;
    if (size === 0) {
      this.verifyChunk(EMPTY_SHA256);
      this.state = this.mode.trailer ? 'trailer' : 'final-crlf';
      return;
    }
    if (this.mode.decodedLength !== undefined && this.decodedBytes + size > this.mode.decodedLength) throw incomplete();
    this.remaining = size;
    this.chunkHash = this.signing ? createHash('sha256') : null;
    this.state = 'data';
  }

  private verifyChunk(dataSha256Hex: string): void {
    const signing = this.signing;
    if (!signing) return;
    const stringToSign = chunkStringToSign(signing.amzDate, signing.scope, this.previousSignature, dataSha256Hex);
    const expected = signHex(signing.signingKey, stringToSign);
    if (!safeEqual(expected, this.chunkSignature)) {
      throw new S3Error('SignatureDoesNotMatch', undefined, {
        StringToSign: stringToSign,
        SignatureProvided: this.chunkSignature,
      });
    }
    this.previousSignature = expected;
  }

  private onTrailerLine(text: string): void {
    this.trailerBytes += Buffer.byteLength(text) + 2;
    if (this.trailerBytes > limits.chunkTrailerBytesMax) throw malformed('the trailer section is too large');
    if (text === '') {
      this.finishTrailers();
      this.state = 'done';
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) throw malformed('invalid trailer line');
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === '' || /[\s]/.test(name)) throw malformed('invalid trailer name');
    if (name === TRAILER_SIGNATURE) {
      this.trailerSignature = value;
      return;
    }
    if (this.trailerSignature !== undefined) throw malformed('trailer lines after the trailer signature');
    this.trailerLines.push(`${name}:${value}\n`);
    this.parsedTrailers[name] = value;
  }

  private finishTrailers(): void {
    const signing = this.signing;
    if (!signing) return;
    const provided = this.trailerSignature ?? '';
    const stringToSign = trailerStringToSign(
      signing.amzDate,
      signing.scope,
      this.previousSignature,
      sha256Hex(this.trailerLines.join('')),
    );
    const expected = signHex(signing.signingKey, stringToSign);
    if (!safeEqual(expected, provided)) {
      throw new S3Error('SignatureDoesNotMatch', undefined, { StringToSign: stringToSign, SignatureProvided: provided });
    }
    this.previousSignature = expected;
  }
}

/**
 * Decodes an aws-chunked body, checking chunk (and trailer) signatures when the mode is signed.
 * Errors (S3Error) arrive as stream errors on `body`; `trailers()` holds the lowercased trailer
 * headers once `body` has ended.
 */
export function decodeAwsChunked(
  source: Readable,
  mode: ChunkedMode,
): { body: Readable; trailers: () => Readonly<Record<string, string>> } {
  const decoder = new AwsChunkedDecoder(mode);
  if (mode.signedChunks && !mode.signing) {
    decoder.destroy(new S3Error('InternalError', 'aws-chunked signed mode without a signing context'));
    return { body: decoder, trailers: () => decoder.trailers() };
  }
  joinSource(source, decoder);
  return { body: decoder, trailers: () => decoder.trailers() };
}
