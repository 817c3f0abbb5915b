/**
 * One-pass hashing of a byte stream: MD5 (for the ETag) plus any requested S3
 * checksum algorithms, computed while the data flows through. Chunks are passed
 * on untouched (no copies).
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import type { ChecksumAlgorithm } from './algorithms.js';
import { createHasher, type HashAlgorithm, type Hasher } from './hasher.js';

export interface HashingOptions {
  /** Compute MD5 too (default true). */
  md5?: boolean;
}

/** Shared accumulator used by both the Transform and `hashIterable`. */
export class MultiHasher {
  private readonly hashers: Array<[HashAlgorithm, Hasher]> = [];
  private result: Map<HashAlgorithm, Buffer> | undefined;
  bytes = 0;

  constructor(algorithms: Iterable<ChecksumAlgorithm> = [], opts: HashingOptions = {}) {
    const seen = new Set<HashAlgorithm>();
    if (opts.md5 !== false) seen.add('MD5');
    for (const a of algorithms) seen.add(a);
    for (const a of seen) this.hashers.push([a, createHasher(a)]);
  }

  update(chunk: Buffer): void {
    if (this.result) throw new Error('MultiHasher: update after finish');
    this.bytes += chunk.length;
    const hs = this.hashers;
    for (let i = 0; i < hs.length; i++) hs[i][1].update(chunk);
  }

  /** Finalizes (idempotent) and returns raw digests keyed by algorithm. */
  finish(): Map<HashAlgorithm, Buffer> {
    if (!this.result) {
      this.result = new Map();
      for (const [a, h] of this.hashers) this.result.set(a, h.digest());
    }
    return this.result;
  }

  get finished(): boolean {
    return this.result !== undefined;
  }
}

/**
 * PassThrough that hashes what flows through it. After 'end' (or 'finish'),
 * `bytes` is the byte count and `digests()` the raw digests, e.g.
 * `digests().get('MD5')`, `digests().get('CRC32C')`.
 */
export class HashingPassThrough extends Transform {
  private readonly mh: MultiHasher;

  constructor(algorithms: Iterable<ChecksumAlgorithm> = [], opts: HashingOptions & TransformOptions = {}) {
    const { md5, ...streamOpts } = opts;
    super({ ...streamOpts, objectMode: false, decodeStrings: true });
    this.mh = new MultiHasher(algorithms, { md5 });
  }

  get bytes(): number {
    return this.mh.bytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.mh.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.mh.finish();
    cb();
  }

  /** Raw digests; throws if the stream has not been fully consumed yet. */
  digests(): Map<HashAlgorithm, Buffer> {
    if (!this.mh.finished) throw new Error('HashingPassThrough: digests() before end of stream');
    return this.mh.finish();
  }

  /** Base64 of one digest (the x-amz-checksum-* header form); hex for MD5 is `digests().get('MD5').toString('hex')`. */
  digestBase64(a: HashAlgorithm): string | undefined {
    return this.digests().get(a)?.toString('base64');
  }
}

/**
 * Hashes an async iterable of chunks (e.g. a request stream) without a
 * Transform in between, optionally handing each chunk to `sink` as it goes.
 */
export async function hashIterable(
  source: AsyncIterable<Buffer | Uint8Array>,
  algorithms: Iterable<ChecksumAlgorithm> = [],
  opts: HashingOptions & { sink?: (chunk: Buffer) => void | Promise<void> } = {},
): Promise<{ bytes: number; digests: Map<HashAlgorithm, Buffer> }> {
  const mh = new MultiHasher(algorithms, opts);
  for await (const c of source) {
    const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    mh.update(chunk);
    if (opts.sink) await opts.sink(chunk);
  }
  return { bytes: mh.bytes, digests: mh.finish() };
}
