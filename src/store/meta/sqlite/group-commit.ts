import type { Database } from 'better-sqlite3';
import type { IoProbe } from '../../io-probe.js';
import { CommitUncertainError } from '../metadata-store.js';
import type { WalSyncer } from './wal-sync.js';

interface PendingWrite {
  readonly write: () => unknown;
  readonly resolve: (value: any) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: writes issued while the event loop is busy are run together in one transaction,
 * so N concurrent requests cost one WAL fsync instead of N. Each write runs in its own savepoint:
 * a write that throws is rolled back alone and its caller gets the error; the others commit.
 * With a WalSyncer (synchronous = NORMAL), callers are answered only once the batch's WAL frames
 * are fsynced, off the event loop; without one the commit itself is durable (synchronous = FULL).
 */
export class GroupCommitter {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  private syncing = 0;
  private synced: Promise<void> = Promise.resolve();
  private markSynced: () => void = () => {};

  /** Runs a write in a savepoint of the batch's transaction (made once: better-sqlite3 builds a wrapper per call of `transaction`). */
  private readonly inSavepoint: (write: () => unknown) => unknown;

  /** `hold` calls in progress: batches wait (in memory, the loop free) until none is left. */
  private holds = 0;
  /** A flush came due while held. */
  private deferred = false;

  constructor(
    private readonly db: Database,
    private readonly syncer?: WalSyncer,
    private readonly probe?: IoProbe,
    /** Told the number of writes of each committed batch (the WAL checkpointer counts them). */
    private readonly onCommit?: (writes: number) => void,
  ) {
    this.inSavepoint = db.transaction((write: () => unknown) => write());
  }

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.idle = new Promise((done) => (this.markIdle = done));
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Runs `work` with no batch committed meanwhile (writes queue up and are committed together
   * afterwards): the WAL checkpointer's last pass, which must find no frame being added.
   */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    this.holds++;
    try {
      return await work();
    } finally {
      if (--this.holds === 0 && this.deferred) {
        this.deferred = false;
        setImmediate(() => this.flush());
      }
    }
  }

  /** Resolves once every queued write has been committed. */
  async drain(): Promise<void> {
    if (this.scheduled) await this.idle;
    if (this.syncing > 0) await this.synced;
  }

  private flush(): void {
    if (this.holds > 0) {
      this.deferred = true;
      return;
    }
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.transaction(() => {
        for (const item of batch) {
          try {
            this.probe?.('meta.write');
            outcomes.push({ ok: true, value: this.inSavepoint(item.write) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
        this.probe?.('meta.commit');
      }).immediate();
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
      for (const item of batch) item.reject(error);
      this.markIdle();
      return;
    }
    const settle = () =>
      batch.forEach((item, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    this.markIdle();
    this.onCommit?.(batch.length);
    if (!this.syncer) {
      settle();
      return;
    }
    if (this.syncing++ === 0) this.synced = new Promise((done) => (this.markSynced = done));
    this.syncer.durable().then(settle, (error: unknown) => {
      // Committed but not known durable; a write that had failed was rolled back and keeps its error.
      batch.forEach((item, i) => {
        const outcome = outcomes[i]!;
        item.reject(outcome.ok ? new CommitUncertainError(error) : outcome.error);
      });
    }).finally(() => {
      if (--this.syncing === 0) this.markSynced();
    });
  }
}
