import { Worker } from 'node:worker_threads';

/**
 * The MD5 (ETag) of a large body, computed on a worker thread. MD5 is the largest cost of a
 * large PUT on the event loop (2.6× AES-GCM's in a 64 MiB PUT's profile) and cannot be sped up
 * in place; on the worker it runs beside the loop, which meanwhile receives, seals and writes.
 *
 * Memory stays bounded: the body is copied in batches of BATCH_BYTES into memory handed over to
 * the worker (transferred, not copied again), and a body has at most BATCHES_IN_FLIGHT_MAX
 * batches with the worker — past that `update` returns a promise to wait on, which holds the
 * body's reading back. A body thus holds at most (1 + BATCHES_IN_FLIGHT_MAX) × BATCH_BYTES here.
 * The worker hands each batch's memory back (transferred again) and it is reused: left to the
 * worker's garbage collector, which runs rarely, dead batches piled up there (the 1 GiB
 * multipart test's server peaked at 210 MiB RSS, over its 200 MiB bound; ~165 without the worker).
 */
const BATCH_BYTES = 256 * 1024;
const BATCHES_IN_FLIGHT_MAX = 2;
/** Batch memory back from the worker, kept for the next batches (of any body). */
const SPARES_MAX = 8;
const spares: ArrayBuffer[] = [];

/**
 * The worker's code, evaluated (CommonJS) rather than loaded from a file: the same source runs
 * from dist/ and, in tests, from src/ through tsx, where there is no .js file to point a Worker at.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.bytes) {
    let hash = hashes.get(m.id);
    if (!hash) hashes.set(m.id, (hash = createHash('md5')));
    hash.update(new Uint8Array(m.bytes, 0, m.length));
    parentPort.postMessage({ id: m.id, bytes: m.bytes }, [m.bytes]);
    return;
  }
  const hash = hashes.get(m.id) ?? createHash('md5');
  hashes.delete(m.id);
  if (m.digest) parentPort.postMessage({ id: m.id, digest: hash.digest() });
});
`;

interface Reply {
  readonly id: number;
  /** A batch's memory, given back. */
  readonly bytes?: ArrayBuffer;
  readonly digest?: Uint8Array;
}

let worker: Worker | undefined;
const open = new Map<number, OffThreadMd5>();
let nextId = 0;

function theWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (reply: Reply) => {
    if (reply.bytes && spares.length < SPARES_MAX) spares.push(reply.bytes);
    open.get(reply.id)?.answered(reply);
  });
  const failAll = (error: Error) => {
    if (worker !== w) return;
    worker = undefined;
    for (const md5 of [...open.values()]) md5.failed(error);
  };
  w.on('error', failAll);
  w.on('exit', (code) => failAll(new Error(`MD5 worker exited (${code})`)));
  worker = w;
  return w;
}

/** One body's MD5 on the worker: update() in order, then digest() once, or close() to drop it. */
export class OffThreadMd5 {
  private readonly id = nextId++;
  private readonly worker: Worker;
  private batch: Buffer | undefined;
  private filled = 0;
  private inFlight = 0;
  private resume: (() => void) | undefined;
  private digestReply: { resolve: (digest: Buffer) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor() {
    this.worker = theWorker();
    // Referenced while a body is being hashed (nothing else may keep the process alive for an
    // awaited digest); an idle worker does not keep the process alive.
    if (open.size === 0) this.worker.ref();
    open.set(this.id, this);
  }

  /** Adds `chunk` (copied: the caller keeps it). A promise when the worker is behind: wait for it before the next update. */
  update(chunk: Buffer): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    for (let at = 0; at < chunk.length; ) {
      if (!this.batch) {
        const spare = spares.pop();
        this.batch = spare ? Buffer.from(spare) : Buffer.allocUnsafeSlow(BATCH_BYTES);
      }
      const copied = chunk.copy(this.batch, this.filled, at);
      at += copied;
      this.filled += copied;
      if (this.filled === BATCH_BYTES) this.send();
    }
    if (this.inFlight < BATCHES_IN_FLIGHT_MAX) return undefined;
    return new Promise<void>((resolve) => (this.resume = resolve));
  }

  /** The MD5 of everything added; the instance is done with. */
  digest(): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.filled > 0) this.send();
    return new Promise<Buffer>((resolve, reject) => {
      this.digestReply = { resolve, reject };
      this.worker.postMessage({ id: this.id, digest: true });
    });
  }

  /** Drops the body's state (a failed upload); harmless after digest(). */
  close(): void {
    if (!open.has(this.id) || this.digestReply) return;
    this.worker.postMessage({ id: this.id, drop: true });
    this.done();
  }

  answered(reply: Reply): void {
    if (reply.digest) {
      this.done();
      this.digestReply?.resolve(Buffer.from(reply.digest.buffer, reply.digest.byteOffset, reply.digest.byteLength));
      return;
    }
    this.inFlight--;
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }

  failed(error: Error): void {
    this.failure = error;
    this.done();
    this.digestReply?.reject(error);
    this.resume?.();
  }

  private send(): void {
    const batch = this.batch!;
    const bytes = batch.buffer as ArrayBuffer; // a whole ArrayBuffer of its own (allocUnsafeSlow), never the shared pool
    this.worker.postMessage({ id: this.id, bytes, length: this.filled }, [bytes]);
    this.batch = undefined;
    this.filled = 0;
    this.inFlight++;
  }

  private done(): void {
    open.delete(this.id);
    if (open.size === 0) this.worker.unref();
  }
}
