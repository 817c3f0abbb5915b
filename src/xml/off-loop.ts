import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { S3Error } from '../errors.js';
import { parseXml, type XmlParseError } from './codec.js';
import type { ArrayPlaceholder, ParseAnswer, ParseRequest } from './parse-worker.js';

/**
 * Documents up to this size are parsed on the event loop (a few milliseconds at most); larger ones
 * in a worker thread, because parsing costs ~0.25 ms per KiB: a 10,000-part CompleteMultipartUpload
 * (1.3 MB) takes ~250 ms, which every other client would wait for.
 */
const INLINE_PARSE_BYTES_MAX = 16 * 1024;

/** A document on its way back from the worker: the skeleton, then its long arrays' batches. */
interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: unknown): void;
  skeleton?: Record<string, unknown>;
  batchesLeft: number;
  readonly arrays: unknown[][];
}

/**
 * One worker, started at the first large document. It keeps the process alive only while it has
 * work; if it dies, the documents it held fail (InternalError) and the next one starts a new one.
 */
class ParseWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  parse(document: string | Buffer, error: XmlParseError): Promise<Record<string, unknown>> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, batchesLeft: 0, arrays: [] });
      if (this.pending.size === 1) worker.ref();
      // Cloning 10 MiB costs the loop tens of milliseconds; a Buffer that owns its whole memory
      // (not a slice of Node's shared pool) is moved instead.
      const owned = typeof document !== 'string' && document.byteOffset === 0 && document.byteLength === document.buffer.byteLength;
      worker.postMessage({ id, document, error } satisfies ParseRequest, owned ? [document.buffer as ArrayBuffer] : []);
    });
  }

  private start(): Worker {
    const worker = spawnParseWorker();
    worker.unref();
    worker.on('message', (answer: ParseAnswer) => this.answer(worker, answer));
    const fail = (reason: unknown) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const failure = new Error(`the XML parse worker stopped: ${String(reason)}`);
      for (const job of this.pending.values()) job.reject(failure);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private answer(worker: Worker, answer: ParseAnswer): void {
    const job = this.pending.get(answer.id);
    if (!job) return;
    if ('skeleton' in answer) {
      job.skeleton = answer.skeleton;
      job.batchesLeft = answer.batches;
    } else if ('items' in answer) {
      (job.arrays[answer.array] ??= []).push(...answer.items.map((item) => filledIn(item, job.arrays)));
      job.batchesLeft--;
    } else {
      this.settle(answer.id);
      job.reject('code' in answer ? new S3Error(answer.code) : new Error(answer.failure));
      return;
    }
    if (job.batchesLeft > 0) {
      worker.postMessage({ id: answer.id, next: true } satisfies ParseRequest);
      return;
    }
    this.settle(answer.id);
    job.resolve(filledIn(job.skeleton, job.arrays) as Record<string, unknown>);
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }
}

function isPlaceholder(value: object): value is ArrayPlaceholder {
  return '#batchedArray' in value;
}

/** The value with each placeholder replaced by its (already complete) array; arrays are not walked again. */
function filledIn(value: unknown, arrays: unknown[][]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => filledIn(item, arrays));
  if (isPlaceholder(value)) return arrays[value['#batchedArray']];
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) out[name] = filledIn(child, arrays);
  return out;
}

function spawnParseWorker(): Worker {
  const extension = extname(fileURLToPath(import.meta.url));
  const file = new URL(`./parse-worker${extension}`, import.meta.url);
  if (extension !== '.ts') return new Worker(file);
  // From the TypeScript sources (tests, development, through tsx): Node 20 does not apply tsx's
  // loader hooks to a worker's entry module, so the worker loads it through tsx's own API.
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(file.href)}, ${JSON.stringify(file.href)}))`;
  return new Worker(bootstrap, { eval: true });
}

const offLoop = new ParseWorker();

/**
 * parseXml (src/xml/codec.ts) without holding the event loop: small documents at once, large ones
 * in a worker thread. A Buffer is UTF-8 and may be moved to the worker (unusable afterwards).
 * Long element lists come back in batches, each in its own task (./parse-worker.ts).
 */
export function parseXmlOffLoop(document: string | Buffer, error: XmlParseError = 'MalformedXML'): Promise<Record<string, unknown>> {
  if (document.length <= INLINE_PARSE_BYTES_MAX) {
    try {
      return Promise.resolve(parseXml(typeof document === 'string' ? document : document.toString('utf8'), error));
    } catch (failure) {
      return Promise.reject(failure);
    }
  }
  return offLoop.parse(document, error);
}
