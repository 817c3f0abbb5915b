import { eventMessage } from '../events/message.js';
import type { EventTarget } from '../events/targets/target.js';
import type { EventDelivery, MetadataStore, OutboxRecord } from '../store/meta/metadata-store.js';

export interface OutboxDispatcherOptions {
  readonly meta: MetadataStore;
  /** By ARN: the server's notify config. */
  readonly targets: ReadonlyMap<string, EventTarget>;
  /** Takes the deliveries of kind 'replication' (src/jobs/replicator.ts): rejects to be retried. */
  readonly replicator?: { replicate(record: OutboxRecord, delivery: EventDelivery): Promise<void> };
  /** This gateway, as lease holder: unique per gateway sharing the database (an embedded data dir has one). */
  readonly holder: string;
  /** How often the outbox is read when nothing woke the dispatcher (other gateways' writes). */
  readonly pollMs?: number;
  readonly leaseTtlMs?: number;
  /** First retry delay; each failure doubles it, up to retryMaxMs. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Records held in memory at once; the rest wait in the outbox. */
  readonly recordsInMemoryMax?: number;
  readonly log?: (message: string, error?: unknown) => void;
}

/** Counters since start: records taken from the outbox, and delivery attempts by outcome. */
export interface DispatchCounters {
  /** Outbox records taken up for delivery. */
  queued: number;
  /** Deliveries acknowledged by their target. */
  delivered: number;
  /** Delivery attempts repeated after a failure. */
  retried: number;
  /** Delivery attempts that failed (each is retried), and deliveries to an ARN no longer declared (dropped). */
  failed: number;
}

export const OUTBOX_LEASE = 'outbox-dispatcher';
const WAKE_DELAY_MS = 5;
/**
 * Delivered records are deleted this long after the first of a batch was acknowledged: one store
 * write for every record delivered meanwhile, rather than one beside nearly every PUT's commit.
 * A crash in between only delivers them again (at least once).
 */
const DELETE_DELAY_MS = 50;
/**
 * How long the cursor waits at a seq not seen (an uncommitted or rolled-back transaction's).
 * Waiting delays no delivery (records are taken as they are read), it only keeps rereading from
 * the gap, so it is long enough for a write stalled on a loaded machine to commit.
 */
const OUTBOX_GAP_MS = 10_000;
/** An expired gap this long or shorter is stepped over seq by seq; a longer one by a set scan. */
const GAP_STEP_MAX = 1024;
/** Every this many polls, the outbox is read from its start (records of gaps given up on). */
const SWEEP_EVERY_POLLS = 10;

/**
 * Drains the event outbox to the targets: at least once, in order per key, with exponential
 * back-off. A record leaves the outbox only when every one of its deliveries was acknowledged;
 * a crash before that redelivers it after the restart (so a consumer may see an event twice, never
 * one whose write did not commit). Records of one key go one at a time; different keys in
 * parallel. When several gateways share the database, the one holding the lease dispatches.
 */
export class OutboxDispatcher {
  readonly counters: DispatchCounters = { queued: 0, delivered: 0, retried: 0, failed: 0 };
  private readonly meta: MetadataStore;
  private readonly pollMs: number;
  private readonly leaseTtlMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly recordsInMemoryMax: number;
  private readonly log: (message: string, error?: unknown) => void;

  private leader = false;

  /** This gateway holds the dispatch lease. */
  get leading(): boolean {
    return this.leader;
  }
  /** Bumped when the lease is lost or the dispatcher stops: work of an older epoch stops. */
  private epoch = 0;
  private stopped = false;
  /**
   * Reads start after this seq: every record at or below it was taken, or belongs to a gap given
   * up on. A gap (a seq not seen while higher ones were) is a transaction that took its seq but
   * had not committed when read (PostgreSQL assigns seqs before commit), or rolled back: the
   * cursor waits for it up to OUTBOX_GAP_MS after it was first seen missing, so that a key's
   * later record is never taken before its earlier one. Records of a gap given up on are found by
   * the periodic sweep from seq 0. A new leader starts at 0: the seqs below the first record it
   * reads were delivered (deleted) or are still in flight, which it cannot tell apart, so it
   * waits at them as at any gap.
   */
  private cursor = 0;
  /** Seqs above the cursor already taken. */
  private readonly takenAbove = new Set<number>();
  /**
   * Runs of seqs seen missing (higher ones were read), in seq order, each with the time it was
   * first seen missing: every gap waits from its own first sighting, so gaps one after another
   * do not add up their waits.
   */
  private gaps: Array<{ from: number; to: number; since: number }> = [];
  /** Every seq up to this one was read or recorded in a gap. */
  private scannedUpTo = 0;
  private polls = 0;
  private inMemory = 0;
  /** Seqs in memory or delivered and awaiting deletion: never taken twice. */
  private readonly known = new Set<number>();
  /**
   * Seqs deleted from the outbox, to forget (from `known`) before the next read: a read already
   * running when they were deleted may still return them.
   */
  private deleted: number[] = [];
  private readonly queues = new Map<string, OutboxRecord[]>();
  private filling = false;
  /**
   * The last read stopped because memory was full: records may wait in the outbox that no wake-up
   * will announce again, so the next drained key reads on. Otherwise a drained key reads nothing:
   * new records announce themselves (wake) and other gateways' are polled.
   */
  private backlogged = false;
  private fillAgain = false;
  private fillFromStart = false;
  private deletions: number[] = [];
  private deleting: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();
  private timers: NodeJS.Timeout[] = [];
  private wakeTimer: NodeJS.Timeout | undefined;
  private deleteTimer: NodeJS.Timeout | undefined;
  private unwatch: () => void = () => {};

  constructor(private readonly options: OutboxDispatcherOptions) {
    this.meta = options.meta;
    this.pollMs = options.pollMs ?? 1000;
    this.leaseTtlMs = options.leaseTtlMs ?? 15_000;
    this.retryBaseMs = options.retryBaseMs ?? 200;
    this.retryMaxMs = options.retryMaxMs ?? 60_000;
    this.recordsInMemoryMax = options.recordsInMemoryMax ?? 1000;
    this.log = options.log ?? ((message, error) => console.error(`outbox: ${message}`, error ?? ''));
  }

  start(): void {
    this.unwatch = this.meta.watchOutbox(() => this.wake());
    this.timers = [
      setInterval(() => void this.holdLease(), Math.max(1, Math.floor(this.leaseTtlMs / 3))),
      setInterval(() => void this.fill(++this.polls % SWEEP_EVERY_POLLS === 0), this.pollMs),
    ];
    for (const timer of this.timers) timer.unref();
    void this.holdLease();
  }

  /** Stops taking records, waits for acknowledged ones to leave the outbox, gives the lease up. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.epoch++;
    this.unwatch();
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.wakeTimer);
    clearTimeout(this.deleteTimer);
    for (const wake of this.sleepers) wake();
    await this.flushDeletions();
    if (this.leader) await this.meta.releaseLease(OUTBOX_LEASE, this.options.holder).catch((error: unknown) => this.log('releasing the lease failed', error));
  }

  /**
   * New records were appended: read them shortly. Wake-ups within WAKE_DELAY_MS share one read,
   * so a burst of writes costs a few outbox reads, not one each.
   */
  private wake(): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      void this.fill();
    }, WAKE_DELAY_MS);
  }

  private async holdLease(): Promise<void> {
    if (this.stopped) return;
    let held: boolean;
    try {
      const now = new Date();
      held = (await this.meta.acquireLease(OUTBOX_LEASE, this.options.holder, now, new Date(now.getTime() + this.leaseTtlMs))).held;
    } catch (error) {
      this.log('renewing the lease failed', error);
      held = false;
    }
    if (this.stopped) return;
    if (held && !this.leader) {
      this.leader = true;
      void this.fill(true);
    } else if (!held && this.leader) {
      // Another gateway may take over: drop what is in memory; it stays in the outbox.
      this.leader = false;
      this.epoch++;
      this.queues.clear();
      this.known.clear();
      this.inMemory = 0;
      this.cursor = 0;
      this.takenAbove.clear();
      this.deleted = [];
      this.gaps = [];
      this.scannedUpTo = 0;
    }
  }

  /**
   * Reads new outbox records into the per-key queues, while there is room: after the cursor, or
   * (`fromStart`, a periodic sweep) from the beginning, skipping the records already taken.
   * One key's records commit in seq order (its writes are serialized), and the cursor never
   * passes a seq that may still commit, so a key's records are taken in order.
   */
  private async fill(fromStart = false): Promise<void> {
    if (!this.leader || this.stopped) return;
    if (this.filling) {
      this.fillAgain = true;
      this.fillFromStart ||= fromStart;
      return;
    }
    this.filling = true;
    try {
      do {
        this.fillAgain = false;
        const epoch = this.epoch;
        while (this.leader && !this.stopped && this.inMemory < this.recordsInMemoryMax) {
          const wanted = this.recordsInMemoryMax - this.inMemory;
          for (const seq of this.deleted) this.known.delete(seq);
          this.deleted = [];
          const after = fromStart ? 0 : this.cursor;
          // The records a read returns that were taken already are all in `known` (a deleted
          // record leaves it only before the next read): at most that many beside the new ones.
          const limit = wanted + (fromStart ? this.known.size : Math.min(this.takenAbove.size, this.known.size));
          const records = await this.meta.listOutbox(after, limit);
          if (epoch !== this.epoch) break;
          // Taken in seq order up to the memory bound; the rest is read again later.
          let read = 0;
          for (const record of records) {
            if (!this.known.has(record.seq)) {
              if (this.inMemory >= this.recordsInMemoryMax) break;
              if (record.seq > this.cursor || fromStart) this.enqueue(record);
            }
            if (record.seq > this.cursor) this.takenAbove.add(record.seq);
            read++;
          }
          this.recordGaps(read === records.length ? records : records.slice(0, read));
          this.advanceCursor();
          if (read < records.length || records.length < limit) break;
          fromStart = false;
        }
        this.backlogged = this.inMemory >= this.recordsInMemoryMax;
        fromStart = this.fillFromStart;
        this.fillFromStart = false;
      } while (this.fillAgain && this.leader && !this.stopped);
    } catch (error) {
      this.log('reading the outbox failed', error);
    } finally {
      this.filling = false;
    }
  }

  /** Records the seqs a read (in seq order) skipped above those already scanned as gaps. */
  private recordGaps(records: readonly OutboxRecord[]): void {
    const now = Date.now();
    for (const { seq } of records) {
      if (seq <= this.scannedUpTo) continue;
      if (seq > this.scannedUpTo + 1) this.gaps.push({ from: this.scannedUpTo + 1, to: seq - 1, since: now });
      this.scannedUpTo = seq;
    }
  }

  /** Moves the cursor over taken seqs; over a gap's seqs only once it has waited OUTBOX_GAP_MS. */
  private advanceCursor(): void {
    const now = Date.now();
    for (;;) {
      while (this.gaps.length > 0 && this.gaps[0]!.to <= this.cursor) this.gaps.shift();
      const next = this.cursor + 1;
      if (this.takenAbove.delete(next)) {
        this.cursor = next;
        continue;
      }
      const gap = this.gaps[0];
      if (!gap || gap.from > next || now - gap.since < OUTBOX_GAP_MS) return;
      // Given up on: what of it was taken meanwhile is below the cursor now.
      if (gap.to - next < GAP_STEP_MAX) {
        for (let seq = next; seq <= gap.to; seq++) this.takenAbove.delete(seq);
      } else {
        for (const seq of this.takenAbove) if (seq <= gap.to) this.takenAbove.delete(seq);
      }
      this.cursor = gap.to;
    }
  }

  private enqueue(record: OutboxRecord): void {
    this.known.add(record.seq);
    this.inMemory++;
    this.counters.queued++;
    const key = `${record.bucket}/${record.key}`;
    const queue = this.queues.get(key);
    if (queue) {
      queue.push(record);
      return;
    }
    this.queues.set(key, [record]);
    void this.drainKey(key, this.epoch);
  }

  private async drainKey(key: string, epoch: number): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const record = queue[0]!;
      await this.deliver(record, epoch);
      if (epoch !== this.epoch) return;
      queue.shift();
      this.inMemory--;
      this.deletions.push(record.seq);
      this.deleteSoon();
    }
    this.queues.delete(key);
    if (this.backlogged && this.inMemory < this.recordsInMemoryMax) void this.fill();
  }

  /** Resolves once every delivery of the record was acknowledged, or its epoch ended. */
  private async deliver(record: OutboxRecord, epoch: number): Promise<void> {
    let pending: readonly EventDelivery[] = record.deliveries;
    for (let attempt = 0; ; attempt++) {
      const outcomes = await Promise.allSettled(pending.map((delivery) => this.send(record, delivery)));
      const failures = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [{ delivery: pending[i]!, reason: outcome.reason as unknown }] : []));
      if (failures.length === 0) return;
      this.counters.failed += failures.length;
      const delayMs = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** attempt);
      this.log(`delivery of event ${record.seq} to ${failures[0]!.delivery.targetArn} failed; retrying in ${delayMs} ms`, failures[0]!.reason);
      await this.sleep(delayMs * (0.5 + Math.random() / 2));
      if (epoch !== this.epoch) return;
      pending = failures.map((f) => f.delivery);
      this.counters.retried += pending.length;
    }
  }

  private async send(record: OutboxRecord, delivery: EventDelivery): Promise<void> {
    if (delivery.kind === 'replication' && this.options.replicator) {
      await this.options.replicator.replicate(record, delivery);
      this.counters.delivered++;
      return;
    }
    const target = this.options.targets.get(delivery.targetArn);
    if (!target) {
      // The ARN was removed from the notify config after the event was recorded: nothing can
      // ever deliver it, and keeping it would hold back every later event of the key.
      this.counters.failed++;
      this.log(`event ${record.seq} dropped for ${delivery.targetArn}: no such target in the notify config`);
      return;
    }
    await target.send(eventMessage(record, delivery.configurationId), { bucket: record.bucket, key: record.key, name: record.name });
    this.counters.delivered++;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private deleteSoon(): void {
    if (this.deleteTimer) return;
    this.deleteTimer = setTimeout(() => {
      this.deleteTimer = undefined;
      void this.flushDeletions();
    }, DELETE_DELAY_MS);
    this.deleteTimer.unref();
  }

  /** Deletes delivered records, batched: one store write for all the records acknowledged meanwhile. */
  private flushDeletions(): Promise<void> {
    if (this.deleting) return this.deleting;
    if (this.deletions.length === 0) return Promise.resolve();
    this.deleting = (async () => {
      while (this.deletions.length > 0) {
        const batch = this.deletions;
        this.deletions = [];
        // A failure leaves the records in the outbox: they are delivered again after a restart.
        await this.meta.deleteOutbox(batch).then(
          () => this.deleted.push(...batch),
          (error: unknown) => this.log('deleting delivered records failed', error),
        );
      }
    })().finally(() => (this.deleting = undefined));
    return this.deleting;
  }
}
