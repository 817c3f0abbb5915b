import { closeSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BlobNotFoundError } from '../store/blob/blob-store.js';
import { SegmentAuthenticationError, type SegmentLayout } from './segments.js';
import type { WorkerReadAnswer, WorkerReadRequest } from './sealed-read-worker.js';

/**
 * Large sealed reads opened on worker threads. On the event loop alone a 64 MiB GET costs ≥ ~50 ms
 * of CPU, 27 of them opening segments (docs/performance.md, "Large GETs … (session 6)"): at most
 * ~1,300 MiB/s. Here a worker opens the segments into shared memory and the loop only sends them.
 *
 * How the plaintext crosses decides the gain (session 6 measured all three): buffers transferred
 * from the worker count as external memory until a full collection of the server's heap; copies
 * out of shared memory cost the loop 20 ms per 64 MiB and fell into a slow mode in half the runs;
 * views of the shared memory ("lent") cost ~1 ms. So a read streamed into a response pushes views
 * of its slots, and a slot is filled again only once the response has sent what it holds. Any
 * other consumer (an async iterator, a copy) gets copies, and the slot is free at once.
 */

/** Reads of at least this many plaintext bytes are opened on a worker (smaller ones: on the loop). */
export const WORKER_READ_BYTES_MIN = 8 * 1024 * 1024;
/** Plaintext per slot (whole segments), and slots per read: one being sent, one buffered, two being filled. */
const SLOT_BYTES = 1024 * 1024;
const SLOTS = 4;
/** Reads one worker serves at a time; past that (every worker busy) reads are opened on the loop. */
const READS_PER_WORKER = 2;
/**
 * The worker's young generation: small, so that the scavenges that free its dead segment buffers
 * come every few MiB opened (sealed-read-worker.ts). V8 sizes the semi-spaces from it.
 */
const WORKER_YOUNG_MB = 1;
/**
 * A worker that has served no read for this long is stopped: its isolate, lanes and read buffer
 * (after three 64 MiB GETs: 18 MiB of RSS) are given back, and the next large read starts another.
 */
let workerIdleMs = 30_000;
/** A read whose slots are all still being sent checks again this soon (a response that did not ask to be drained). */
const SENT_POLL_MS = 2;

/** One worker thread, its lanes of shared memory (one per read it may serve), and the reads it serves. */
class ReadWorker {
  readonly worker: Worker;
  readonly reads = new Map<number, WorkerReadStream>();
  /** Lanes not lent to a read; a lane comes back once its read's last slot is sent (or the response is gone). */
  readonly freeLanes: SharedArrayBuffer[] = [];
  /**
   * Lanes of reads that are over but whose response may still be sending their last views: free
   * once it has sent everything (writableFinished: its socket's writes are done) or is destroyed
   * (its socket is closed: nothing more goes out). Looked at when a lane is wanted, so no listener
   * is added to the response (it has ten already).
   */
  readonly lentLanes: Array<{ lane: SharedArrayBuffer; holder: Writable }> = [];
  dead = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly onExit: (self: ReadWorker) => void) {
    for (let i = 0; i < READS_PER_WORKER; i++) this.freeLanes.push(new SharedArrayBuffer(SLOTS * SLOT_BYTES));
    this.worker = spawnReadWorker();
    this.worker.unref();
    this.worker.on('message', (answer: WorkerReadAnswer) => this.reads.get(answer.id)?.answer(answer));
    const fail = (reason: unknown) => {
      if (this.dead) return;
      this.dead = true;
      onExit(this);
      const failure = new Error(`the sealed-read worker stopped: ${String(reason)}`);
      for (const read of [...this.reads.values()]) read.workerDied(failure);
      this.reads.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(`exit code ${code}`));
  }

  /** A free lane, or undefined. */
  takeLane(): SharedArrayBuffer | undefined {
    for (let i = this.lentLanes.length - 1; i >= 0; i--) {
      const { lane, holder } = this.lentLanes[i]!;
      if (holder.writableFinished || holder.destroyed) {
        this.lentLanes.splice(i, 1);
        this.freeLanes.push(lane);
      }
    }
    return this.freeLanes.pop();
  }

  post(request: WorkerReadRequest): void {
    if (!this.dead) this.worker.postMessage(request);
  }

  attach(id: number, read: WorkerReadStream): void {
    if (this.reads.size === 0) this.worker.ref();
    clearTimeout(this.idleTimer);
    this.reads.set(id, read);
  }

  detach(id: number): void {
    this.reads.delete(id);
    if (this.reads.size > 0) return;
    this.worker.unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.retire(), workerIdleMs).unref();
  }

  /** Stops an idle worker; it is taken out of the pool first, so that no read is handed to it meanwhile. */
  private retire(): void {
    if (this.dead || this.reads.size > 0) return;
    this.dead = true;
    this.onExit(this);
    workerReadCounts.retired++;
    void this.worker.terminate();
  }
}

function spawnReadWorker(): Worker {
  const extension = extname(fileURLToPath(import.meta.url));
  const file = new URL(`./sealed-read-worker${extension}`, import.meta.url);
  const resourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_MB, maxOldGenerationSizeMb: 64 };
  if (extension !== '.ts') return new Worker(file, { resourceLimits });
  // From the TypeScript sources (tests, through tsx): as src/xml/off-loop.ts does.
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(file.href)}, ${JSON.stringify(file.href)}))`;
  return new Worker(bootstrap, { eval: true, resourceLimits });
}

const workers: ReadWorker[] = [];
/** One core is the loop's. COFFER_READ_WORKERS overrides it (0: every read on the loop), for A/B runs of one build. */
let workerCount = Number(process.env.COFFER_READ_WORKERS ?? Math.max(1, availableParallelism() - 1));
let nextReadId = 0;

/** Sets how many worker threads may serve reads (0: none, every read on the loop); for tests and benchmarks. */
export function setReadWorkers(count: number): void {
  workerCount = count;
}

/** Sets how long a worker may stay idle before it is stopped; for tests. */
export function setReadWorkerIdleMs(ms: number): void {
  workerIdleMs = ms;
}

/** Stops every worker thread, as if it had died (for tests: its reads fail, the next read starts a new one). */
export async function terminateReadWorkers(): Promise<void> {
  await Promise.all(workers.map((read) => read.worker.terminate()));
}

/** A worker and a free lane of it (the worker started if there are fewer than allowed), or undefined when all are busy. */
function workerWithLane(): { worker: ReadWorker; lane: SharedArrayBuffer } | undefined {
  for (let i = 0; i < Math.min(workers.length, workerCount); i++) {
    const lane = workers[i]!.takeLane();
    if (lane) return { worker: workers[i]!, lane };
  }
  if (workers.length >= workerCount) return undefined;
  const worker = new ReadWorker((self) => workers.splice(workers.indexOf(self), 1));
  workers.push(worker);
  return { worker, lane: worker.takeLane()! };
}

export interface WorkerRead {
  readonly blobId: string;
  /** Opens the blob's file for reading (BlobNotFoundError when it is missing); the stream closes it. */
  readonly open: () => Promise<number>;
  readonly key: Buffer;
  readonly layout: SegmentLayout;
  readonly range: { readonly start: number; readonly end: number; readonly firstSegment: number };
  readonly from: number;
  readonly to: number;
}

/**
 * Large reads opened on a worker, left to the loop because every worker was busy, slots lent to
 * a response as views (not copied), and workers stopped for being idle: for tests.
 */
export const workerReadCounts = { onWorker: 0, busy: 0, lentSlots: 0, retired: 0 };

/** Plaintext [from, to) of a sealed single-layer blob opened on a worker, or undefined when every worker is busy. */
export function readOnWorker(read: WorkerRead): Readable | undefined {
  if (read.to - read.from < WORKER_READ_BYTES_MIN || read.layout.segmentBytes > SLOT_BYTES) return undefined;
  const taken = workerWithLane();
  if (!taken) {
    workerReadCounts.busy++;
    return undefined;
  }
  workerReadCounts.onWorker++;
  return new WorkerReadStream(taken.worker, taken.lane, read);
}

class WorkerReadStream extends Readable {
  private readonly id = nextReadId++;
  private fd: number | undefined;
  private readonly slots: Buffer;
  /** Per slot: undefined when free, 'filling', or the stream offset its lent bytes end at. */
  private readonly slotState: Array<undefined | 'filling' | number> = new Array(SLOTS).fill(undefined);
  /** Filled slots in order, not pushed yet. */
  private readonly ready: Array<{ slot: number; bytes: number }> = [];
  /** The next slot to ask the worker to fill (slots are filled and pushed in turn). */
  private nextSlot = 0;
  private pushedBytes = 0;
  /** The worker has read the whole range: no more fills are asked for. */
  private workerDone = false;
  private wanting = false;
  /** Where the views go: set when the stream is piped into a writable (the response). */
  private destination: Writable | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** The worker has let go of the read (or died): the lane is the response's alone, then free. */
  private workerClosed = false;

  constructor(
    private readonly worker: ReadWorker,
    private readonly lane: SharedArrayBuffer,
    private readonly request: WorkerRead,
  ) {
    // One slot may wait in the stream's buffer while the response sends another.
    super({ highWaterMark: SLOT_BYTES });
    this.slots = Buffer.from(lane);
    worker.attach(this.id, this);
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    // Views are lent only to an HTTP response piped from this stream: its writableLength counts
    // its socket's queued and in-flight bytes, so a slot is refilled only once the socket has
    // taken it. Any other writable (a transform, say) could hold a view on past its own
    // writableLength, and gets copies. A slot pushed before, to the first 'readable' listener,
    // was a copy too.
    if (this.destination === undefined && destination instanceof ServerResponse) this.destination = destination;
    return super.pipe(destination, options);
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.request.open().then((fd) => {
      this.fd = fd;
      const { key, layout, range, from, to } = this.request;
      this.worker.post({
        op: 'open', id: this.id, fd, start: range.start, end: range.end, firstSegment: range.firstSegment, from, to,
        key, nonceBase: layout.nonceBase, segmentBytes: layout.segmentBytes, lane: this.lane, slotBytes: SLOT_BYTES,
      });
      this.askFills();
      callback();
    }, callback);
  }

  override _read(): void {
    this.wanting = true;
    this.pump();
  }

  answer(answer: WorkerReadAnswer): void {
    if ('closed' in answer) {
      this.workerClosed = true;
      this.worker.detach(this.id);
      this.closeFile();
      return this.releaseLane();
    }
    if (this.destroyed) return;
    if ('failure' in answer) {
      const error = answer.failure === 'altered' ? new SegmentAuthenticationError() : answer.failure === 'short' ? new BlobNotFoundError(this.request.blobId) : new Error(answer.message);
      return void this.destroy(error);
    }
    this.slotState[answer.slot] = undefined;
    if (answer.done) this.workerDone = true;
    if (answer.bytes > 0) {
      this.slotState[answer.slot] = 'filling'; // taken until pushed (and, lent, sent)
      this.ready.push({ slot: answer.slot, bytes: answer.bytes });
    }
    this.pump();
  }

  /** Pushes filled slots while the consumer wants them, takes back the sent ones, asks for fills, ends. */
  private pump(): void {
    while (this.wanting && this.ready.length > 0) {
      const { slot, bytes } = this.ready.shift()!;
      const view = this.slots.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + bytes);
      this.pushedBytes += bytes;
      if (this.destination) {
        this.slotState[slot] = this.pushedBytes;
        workerReadCounts.lentSlots++;
      } else {
        this.slotState[slot] = undefined;
      }
      this.wanting = this.push(this.destination ? view : Buffer.from(view));
    }
    this.reclaimSent();
    this.askFills();
    if (this.workerDone && this.ready.length === 0 && !this.slotState.includes('filling')) {
      if (!this.readableEnded) this.push(null);
      return;
    }
    // Every slot lent and unsent, the consumer waiting: look again shortly (views are sent by the
    // socket as it drains, which this stream is not told of when the response did not ask for a drain).
    if (this.wanting && this.ready.length === 0 && !this.slotState.includes('filling') && !this.pollTimer) {
      this.pollTimer = setTimeout(() => {
        this.pollTimer = undefined;
        if (!this.destroyed) this.pump();
      }, SENT_POLL_MS);
    }
  }

  /** Lent slots whose bytes the response has sent are free again. */
  private reclaimSent(): void {
    if (!this.destination) return;
    const sent = this.pushedBytes - this.readableLength - this.destination.writableLength;
    for (let slot = 0; slot < SLOTS; slot++) {
      const state = this.slotState[slot];
      if (typeof state === 'number' && state <= sent) this.slotState[slot] = undefined;
    }
  }

  /** Asks the worker to fill free slots, in turn. */
  private askFills(): void {
    if (this.fd === undefined || this.destroyed) return;
    while (!this.workerDone && this.slotState[this.nextSlot] === undefined) {
      this.slotState[this.nextSlot] = 'filling';
      this.worker.post({ op: 'fill', id: this.id, slot: this.nextSlot });
      this.nextSlot = (this.nextSlot + 1) % SLOTS;
    }
  }

  workerDied(failure: Error): void {
    this.workerClosed = true;
    this.closeFile();
    this.destroy(failure);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    // The worker may be filling a slot: the file is closed once it says it has let go of the read.
    // (A worker that died while the file was being opened: closed here.)
    if (this.workerClosed || this.fd === undefined) {
      this.workerClosed = true;
      this.closeFile();
      this.worker.detach(this.id);
      this.releaseLane();
    } else {
      this.worker.post({ op: 'close', id: this.id });
    }
    callback(error);
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  /** Once the worker has let go, the lane is free — or, lent to a response, free once the response is done with it. */
  private releaseLane(): void {
    if (!this.workerClosed || this.worker.dead) return;
    if (this.destination) this.worker.lentLanes.push({ lane: this.lane, holder: this.destination });
    else this.worker.freeLanes.push(this.lane);
  }
}
