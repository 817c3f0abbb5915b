/**
 * Orphan collection while gateways run, on a data dir several gateways share. Every gateway reads
 * the registry (src/jobs/gateway-registry.ts) every `checkMs`; when one is dead (its heartbeat
 * unchanged for `expiryMs`), or its own age sweep is due (at start, then every `ageMs`), it takes the
 * collector lease, marks the dead gateways dead in the database (one transaction), and only then
 * removes the temporary files and unreferenced blobs of every gateway marked dead, plus, on an age
 * sweep, whatever is older than `ageMs`; then it forgets the gateways it collected. The mark is the
 * fence: from its commit on, the store refuses any commit of a blob those gateways wrote, so a
 * paused gateway that resumes cannot make an orphan the collector deletes referenced (it gets
 * 'WriterFenced', its client a 503). A collector that dies after marking leaves the rows marked,
 * and the next pass finishes the job. A live gateway's upload is never a candidate: its blobs
 * carry a live writer id and are younger than any age bound. An idle check costs one statement
 * (the registry read).
 */
import type { BlobStore } from '../store/blob/blob-store.js';
import { collectOrphans } from '../store/collector.js';
import type { GatewayRecord, MetadataStore } from '../store/meta/metadata-store.js';
import { startPeriodic, StopPass } from './periodic.js';

export const COLLECTOR_LEASE = 'orphan-collector';
/** A collector that stops renewing (killed mid-pass) loses the lease after this. */
const LEASE_MS = 30_000;

export interface OrphanCollectorOptions {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  /** This gateway's registry id now (it changes if it was judged dead): never judged dead by itself; the lease holder. */
  readonly self: () => string;
  /** How often the registry is read (the heartbeat interval). */
  readonly checkMs: number;
  /** A gateway whose last heartbeat is older than this is dead. */
  readonly expiryMs: number;
  /** Blobs and temporary files older than this are collected whoever wrote them. */
  readonly ageMs: number;
  readonly logError: (error: unknown) => void;
  /** Told what each pass removed (the server logs it). */
  readonly onPass?: (pass: CollectionPass) => void;
}

export interface CollectionPass {
  /** The gateways marked dead, collected for, and forgotten. */
  readonly dead: readonly string[];
  /** Whether blobs older than the age bound were candidates too. */
  readonly ageSweep: boolean;
  readonly blobs: number;
  readonly temporary: number;
}

export interface OrphanCollector {
  /** Ends the current pass between two batches and gives the lease up. */
  stop(): Promise<void>;
}

export function startOrphanCollector(options: OrphanCollectorOptions): OrphanCollector {
  const { meta, blobs } = options;
  let nextAgeSweepAt = 0;
  /**
   * Each gateway's heartbeat as this collector last read it, and when (by this process's clock) it
   * first read that value. A gateway is dead when its heartbeat has not moved for `expiryMs` of
   * reads: clocks of other machines do not enter, and a read that fails (the database out of
   * reach, for this gateway and maybe for all) starts the watch over, so that gateways coming back
   * from an outage get a whole expiry to renew before anything of theirs is judged.
   */
  let watched = new Map<string, { heartbeatMs: number; since: number }>();

  /** The gateways found dead by this watch (marked dead: `marked`, or to mark: `judged`). */
  const deadGateways = async (self: string): Promise<{ judged: GatewayRecord[]; marked: GatewayRecord[] }> => {
    let gateways: GatewayRecord[];
    try {
      gateways = await meta.listGateways();
    } catch (error) {
      watched = new Map();
      throw error;
    }
    const now = Date.now();
    const seen = new Map<string, { heartbeatMs: number; since: number }>();
    for (const g of gateways) {
      const before = watched.get(g.id);
      const heartbeatMs = g.heartbeatAt.getTime();
      seen.set(g.id, before?.heartbeatMs === heartbeatMs ? before : { heartbeatMs, since: now });
    }
    watched = seen;
    const others = gateways.filter((g) => g.id !== self);
    return {
      judged: others.filter((g) => g.deadAt === undefined && now - seen.get(g.id)!.since >= options.expiryMs),
      marked: others.filter((g) => g.deadAt !== undefined),
    };
  };

  const takeLease = async (self: string): Promise<boolean> => {
    const now = Date.now();
    return (await meta.acquireLease(COLLECTOR_LEASE, self, new Date(now), new Date(now + LEASE_MS))).held;
  };

  const pass = async (): Promise<void> => {
    const self = options.self();
    const found = await deadGateways(self);
    const now = Date.now();
    const ageSweep = now >= nextAgeSweepAt;
    if (found.judged.length === 0 && found.marked.length === 0 && !ageSweep) return;
    if (!(await takeLease(self))) return; // another gateway is collecting: the dead leave the registry when it is done
    let renewedAt = now;
    try {
      // The fence first; then the dead are those whose mark committed (now or by an earlier pass).
      await meta.markGatewaysDead(found.judged, new Date());
      const dead = found.judged.length === 0 ? found.marked.map((g) => g.id) : await markedDead(meta, self);
      const removed = await collectOrphans(meta, blobs, {
        olderThanMs: ageSweep ? now - options.ageMs : 0,
        writers: new Set(dead),
        betweenBatches: async () => {
          if (job.stopped) throw new StopPass();
          if (Date.now() - renewedAt < LEASE_MS / 3) return;
          renewedAt = Date.now();
          if (!(await takeLease(self))) throw new StopPass();
        },
      });
      if (ageSweep) nextAgeSweepAt = now + options.ageMs;
      for (const id of dead) await meta.forgetGateway(id);
      options.onPass?.({ dead, ageSweep, ...removed });
    } finally {
      await meta.releaseLease(COLLECTOR_LEASE, self).catch(options.logError);
    }
  };

  const job = startPeriodic(pass, options.checkMs, options.logError);
  return { stop: () => job.stop() };
}

/** The gateways marked dead, read after the marking: one that renewed before it is not among them. */
async function markedDead(meta: MetadataStore, self: string): Promise<string[]> {
  return (await meta.listGateways()).filter((g) => g.deadAt !== undefined && g.id !== self).map((g) => g.id);
}
