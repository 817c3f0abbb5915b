import { closeSync, fsync, open } from 'node:fs';
import { probeAsync, type IoProbe } from '../../io-probe.js';

/**
 * Makes committed WAL frames durable without blocking the event loop.
 *
 * The database runs with `synchronous = NORMAL` in WAL mode: a commit appends its frames to the
 * `-wal` file with write() but does not fsync it (SQLite still syncs the WAL before every
 * checkpoint, and its header when the file is reused). Before a write is acknowledged, its
 * caller awaits `durable()`, which resolves only after an fsync of the WAL file that *started
 * after* the commit returned — so a resolved write is on disk exactly as with `synchronous =
 * FULL`, but the fsync runs on libuv's thread pool while the event loop keeps serving (and
 * committing the next batch, whose frames the next fsync covers).
 *
 * A failed fsync fails the writes it was to cover, and the syncer does not trust the WAL again
 * until `recover` (a checkpoint that writes everything into the database file and syncs it) has
 * succeeded: after a failed fsync the kernel may have dropped the dirty pages, and a later fsync
 * that succeeds would not bring them back (PostgreSQL's "fsyncgate"). Until then every write fails.
 */
export class WalSyncer {
  private fd: number | undefined;
  /** Commits done so far / covered by a finished fsync. */
  private committed = 0;
  private synced = 0;
  private running = false;
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  /** An fsync failed: nothing is durable again before `recover` succeeds. */
  private failed = false;

  constructor(
    private readonly walPath: string,
    private readonly options: { readonly recover: () => void; readonly probe?: IoProbe },
  ) {}

  /** Call right after a commit returned; resolves once that commit's frames are durable. */
  durable(): Promise<void> {
    const upTo = ++this.committed;
    const promise = new Promise<void>((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
    if (!this.running) void this.loop();
    return promise;
  }

  private async loop(): Promise<void> {
    this.running = true;
    while (this.synced < this.committed) {
      const target = this.committed;
      try {
        await this.sync();
        this.synced = target;
        this.settle((w) => w.upTo <= target, (w) => w.resolve());
      } catch (error) {
        // Nothing up to `target` can be called durable; fail those writes (as a failed commit would).
        this.synced = target;
        this.settle((w) => w.upTo <= target, (w) => w.reject(error));
      }
    }
    this.running = false;
  }

  private settle(match: (w: WalSyncer['waiters'][number]) => boolean, act: (w: WalSyncer['waiters'][number]) => void): void {
    const done = this.waiters.filter(match);
    this.waiters = this.waiters.filter((w) => !match(w));
    for (const w of done) act(w);
  }

  /** After the last write has been awaited. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private async sync(): Promise<void> {
    if (this.failed) {
      this.options.recover();
      this.failed = false;
    }
    if (this.fd === undefined) {
      this.fd = await new Promise<number>((resolve, reject) => open(this.walPath, 'r', (error, fd) => (error ? reject(error) : resolve(fd))));
    }
    const fd = this.fd;
    try {
      await probeAsync(this.options.probe, 'meta.walSync');
      await new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }
}
