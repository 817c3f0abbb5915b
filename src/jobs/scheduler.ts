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

export const LIFECYCLE_LEASE = 'lifecycle';

export interface SchedulerOptions {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  readonly masterKeys: MasterKeyRing;
  /** Reports and log objects are encrypted as their bucket's default says (SSE-KMS: its key). */
  readonly kms: KmsKeyRing;
  readonly region: string;
  readonly dayMs: number;
  readonly logError: (error: unknown) => void;
  /** Server access logs: spooled lines are written into log objects every `flushMs`. */
  readonly accessLogs: { readonly flushMs: number; readonly accountId: string; readonly region: string };
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

/** How often the lease is renewed and run requests are looked for. */
const POLL_MS = 1000;
/** A holder that stops renewing loses the lease after this. */
export const LEASE_MS = 30_000;
/** A pass at least this often (and four times a lifecycle day when days are shortened). */
const PASS_INTERVAL_MS_MAX = 60_000;
/** The executor's share of the time while a pass writes: it sleeps 1/share − 1 times each such page's work. */
const BUSY_SHARE = 0.1;

class StopPass extends Error {}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const holder = `gateway-${randomUUID()}`;
  const intervalMs = Math.max(100, Math.min(PASS_INTERVAL_MS_MAX, options.dayMs / 4));
  const pollMs = Math.min(POLL_MS, intervalMs, options.accessLogs.flushMs);
  let stopped = false;
  let nextPassAt = 0;
  let nextDeliveryAt = Date.now() + options.accessLogs.flushMs;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
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
    if (stopped) throw new StopPass();
    // Reading an index range that holds nothing due costs the foreground little; writes are paced.
    if (wrote) await sleep(busyMs * (1 / BUSY_SHARE - 1), (w) => (wake = w));
    if (Date.now() - lastRenewal > LEASE_MS / 3 && !(await renew())) throw new StopPass();
  };

  const tick = async (): Promise<void> => {
    if (!(await renew())) return;
    if (Date.now() >= nextDeliveryAt) {
      nextDeliveryAt = Date.now() + options.accessLogs.flushMs;
      const { meta, blobs, masterKeys, kms } = options;
      await deliverAccessLogs({ meta, blobs, masterKeys, kms, accountId: options.accessLogs.accountId, region: options.accessLogs.region });
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
    const { meta, blobs, masterKeys, kms, region, dayMs } = options;
    await runInventoryPass({ meta, blobs, masterKeys, kms, region, dayMs, betweenPages });
  };

  const loop: Promise<void> = (async () => {
    while (!stopped) {
      try {
        await tick();
      } catch (error) {
        if (!(error instanceof StopPass)) options.logError(error);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, pollMs);
        timer.unref();
      });
    }
  })();

  return {
    state: () => ({ leaseHeld, passing, lastPassStartedAt, lastPassEndedAt, lastPass, intervalMs }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await loop;
      await options.meta.releaseLease(LIFECYCLE_LEASE, holder).catch(options.logError);
    },
  };
}

/** Sleeps `ms`; `onWake` receives a function that ends the sleep early (stop). */
function sleep(ms: number, onWake: (wake: () => void) => void): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    onWake(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
