import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Runs SQLite's WAL checkpoints on a second connection in a worker thread, so that they never
 * block the event loop. SQLite's own auto-checkpoint runs inside the commit that crosses its
 * threshold: it copies the WAL into the database file and fsyncs both there, holding the loop for
 * 25–110 ms about every 300 small PUTs (docs/performance.md).
 *
 * A checkpoint is two passive passes. The first runs while writes go on. A WAL is only reused from
 * its start (instead of growing) when a write begins with every frame copied, which concurrent
 * writes prevent; so the second pass runs with the group commit holding its batches (`hold`: they
 * queue in memory, the loop keeps serving) and copies the few frames written during the first.
 * The next commit then starts the WAL over. Durability is SQLite's: a checkpoint only copies
 * committed frames, and syncs the database file before the WAL is reused.
 *
 * The owner calls `committed(writes)` after each commit; a checkpoint starts once
 * `CHECKPOINT_WRITES` writes have been committed since the last one began. If the worker fails,
 * checkpoints fall back to SQLite's auto-checkpoint on the writing connection (`fallBack`).
 */
export const CHECKPOINT_WRITES = 400;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
parentPort.on('message', (id) => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

interface CheckpointResult {
  readonly busy: number;
  /** Frames in the WAL, and frames copied into the database file (-1 each when not in WAL mode). */
  readonly log: number;
  readonly checkpointed: number;
}

export class WalCheckpointer {
  /** Started at the first checkpoint: a store that writes little never has one. */
  private worker: Worker | undefined;
  private sinceLast = 0;
  private running = false;
  private closed = false;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }>();
  /** Checkpoints completed (for tests and benches). */
  completed = 0;

  constructor(
    private readonly path: string,
    private readonly options: {
      /** Runs `work` with the group commit's batches held back. */
      readonly hold: <T>(work: () => Promise<T>) => Promise<T>;
      /** The worker cannot checkpoint: the writing connection must do it again itself. */
      readonly fallBack: (error: Error) => void;
      readonly threshold?: number;
    },
  ) {
  }

  /** After a commit of `writes` writes: starts a checkpoint when enough have piled up. */
  committed(writes: number): void {
    this.sinceLast += writes;
    if (this.running || this.closed || this.sinceLast < (this.options.threshold ?? CHECKPOINT_WRITES)) return;
    void this.checkpoint();
  }

  /** Both passes; resolves when done (a failure falls back to the auto-checkpoint). */
  async checkpoint(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    this.sinceLast = 0;
    try {
      await this.pass();
      await this.options.hold(() => this.pass());
      this.completed++;
    } catch (error) {
      this.fail(error as Error);
    } finally {
      this.running = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
    for (const waiter of this.waiting.values()) waiter.reject(new Error('the WAL checkpoint worker was closed'));
    this.waiting.clear();
  }

  private pass(): Promise<CheckpointResult> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<CheckpointResult>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.ref(); // a checkpoint in progress keeps the process up until it answers
      worker.postMessage(id);
    }).finally(() => {
      if (this.waiting.size === 0) worker.unref();
    });
  }

  private start(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path: this.path } });
    worker.on('message', (answer: { id: number; result?: CheckpointResult; error?: string }) => {
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (answer.error !== undefined) waiter?.reject(new Error(`WAL checkpoint: ${answer.error}`));
      else waiter?.resolve(answer.result!);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`the WAL checkpoint worker exited (${code})`));
    });
    return worker;
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker?.terminate();
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
    this.options.fallBack(error);
  }
}
