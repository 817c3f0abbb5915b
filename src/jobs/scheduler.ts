/**
 * Runs the lifecycle executor, the inventory report writer and the access-log delivery in the server process. Several gateways may share one metadata
 * store: a lease row makes exactly one of them the runner at a time (another takes over when a
 * holder stops renewing). The holder runs a pass every `intervalMs`, or at once when asked
 * (`coffer lifecycle run` → requestJobRun), and throttles itself to a small share of the event
 * loop so foreground requests keep their latency.
 */
import { randomUUID } from 'node:crypto';
import type { MasterKeyRing } from '../crypto/key-ring.js';
import type { KmsKeyRing } from '../crypto/kms-keys.js';
import type { BlobStore } from '../store/blob/blob-store.js';
import type { MetadataStore } from '../store/meta/metadata-store.js';
import { deliverAccessLogs } from './access-log-delivery.js';
import { runInventoryPass } from './inventory.js';
import { runLifecyclePass, type LifecyclePassStats } from './lifecycle/executor.js';
import { startPeriodic, StopPass } from './periodic.js';

export const LIFECYCLE_LEASE = 'lifecycle';

export interface SchedulerOptions {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  readonly masterKeys: MasterKeyRing;
  /** Reports and log objects are encrypted as their bucket's default says (SSE-KMS: its key). */
  readonly kms: KmsKeyRing;
  /** The server's region and account: KMS ARNs, and the keys of partitioned access logs. */
  readonly region: string;
  readonly accountId: string;
  readonly dayMs: number;
  readonly logError: (error: unknown) => void;
  /** Server access logs: spooled lines are written into log objects every `flushMs`. */
  readonly accessLogs: { readonly flushMs: number };
  /** Called after each pass (observability, tests). */
  readonly onPass?: (stats: LifecyclePassStats) => void;
}

/** What the admin API shows of the scheduler (GET /_admin/v1/jobs). */
export interface SchedulerState {
  /** This gateway holds the lease (it is the one running passes). */
  readonly leaseHeld: boolean;
  /** A pass is running now. */
  readonly passing: boolean;
  readonly lastPassStartedAt?: Date;
  readonly lastPassEndedAt?: Date;
  readonly lastPass?: Readonly<LifecyclePassStats>;
  readonly intervalMs: number;
}

export interface Scheduler {
  state(): SchedulerState;
  /** Stops between two pages of the current pass and gives the lease up. */
  stop(): Promise<void>;
}

/**
 * How often the lease is looked at (one statement: peekLease): a run request is answered, and an
 * expired lease taken over, within this. The lease itself (a transaction) is renewed only every
 * LEASE_MS / 3, or before work.
 */
const POLL_MS = 1000;
/** A holder that stops renewing loses the lease after this. */
export const LEASE_MS = 30_000;
/** A pass at least this often (and four times a lifecycle day when days are shortened). */
const PASS_INTERVAL_MS_MAX = 60_000;
/** The executor's share of the time while a pass writes: it sleeps 1/share − 1 times each such page's work. */
const BUSY_SHARE = 0.1;

export function startScheduler(options: SchedulerOptions): Scheduler {
  const holder = `gateway-${randomUUID()}`;
  const intervalMs = Math.max(100, Math.min(PASS_INTERVAL_MS_MAX, options.dayMs / 4));
  const pollMs = Math.min(POLL_MS, intervalMs, options.accessLogs.flushMs);
  let nextPassAt = 0;
  let nextDeliveryAt = Date.now() + options.accessLogs.flushMs;
  let lastRenewal = 0;
  let leaseHeld = false;
  let passing = false;
  let lastPassStartedAt: Date | undefined;
  let lastPassEndedAt: Date | undefined;
  let lastPass: LifecyclePassStats | undefined;

  const renew = async (): Promise<boolean> => {
    const now = new Date();
    const lease = await options.meta.acquireLease(LIFECYCLE_LEASE, holder, now, new Date(now.getTime() + LEASE_MS));
    lastRenewal = now.getTime();
    if (lease.runRequested) nextPassAt = 0;
    leaseHeld = lease.held;
    return lease.held;
  };

  const betweenPages = async (busyMs: number, wrote: boolean): Promise<void> => {
    if (job.stopped) throw new StopPass();
    // Reading an index range that holds nothing due costs the foreground little; writes are paced.
    if (wrote) await job.sleep(busyMs * (1 / BUSY_SHARE - 1));
    if (Date.now() - lastRenewal > LEASE_MS / 3 && !(await renew())) throw new StopPass();
  };

  /** Whether to take or renew the lease now; when idle, a peek at it decides. */
  const wantsLease = async (): Promise<boolean> => {
    const now = Date.now();
    if (leaseHeld && now - lastRenewal >= LEASE_MS / 3) return true;
    const lease = await options.meta.peekLease(LIFECYCLE_LEASE);
    const taken = lease.holder !== undefined && lease.expiresAt.getTime() > now;
    if (!taken) return true;
    if (lease.holder !== holder) {
      leaseHeld = false;
      return false;
    }
    return lease.runRequested || now >= nextPassAt || now >= nextDeliveryAt;
  };

  const tick = async (): Promise<void> => {
    if (!(await wantsLease()) || !(await renew())) return;
    if (Date.now() >= nextDeliveryAt) {
      nextDeliveryAt = Date.now() + options.accessLogs.flushMs;
      const { meta, blobs, masterKeys, kms } = options;
      await deliverAccessLogs({ meta, blobs, masterKeys, kms, accountId: options.accountId, region: options.region });
    }
    if (Date.now() < nextPassAt) return;
    nextPassAt = Date.now() + intervalMs;
    passing = true;
    lastPassStartedAt = new Date();
    try {
      lastPass = await runLifecyclePass({ meta: options.meta, blobs: options.blobs, dayMs: options.dayMs, betweenPages });
      lastPassEndedAt = new Date();
    } finally {
      passing = false;
    }
    options.onPass?.(lastPass);
    const { meta, blobs, masterKeys, kms, region, accountId, dayMs } = options;
    await runInventoryPass({ meta, blobs, masterKeys, kms, region, accountId, dayMs, betweenPages });
  };

  const job = startPeriodic(tick, pollMs, options.logError);

  return {
    state: () => ({ leaseHeld, passing, lastPassStartedAt, lastPassEndedAt, lastPass, intervalMs }),
    async stop() {
      await job.stop();
      await options.meta.releaseLease(LIFECYCLE_LEASE, holder).catch(options.logError);
    },
  };
}
