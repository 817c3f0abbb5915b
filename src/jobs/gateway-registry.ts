/**
 * This gateway's entry in the registry of blob writers (the `gateways` table), for gateways that
 * share a data dir. It is registered before it writes a blob, renews its heartbeat every
 * `heartbeatMs`, and leaves the registry when it closes. Every blob and temporary file it writes
 * carries its id (FsBlobStore's writer id), so the orphan collector can tell what a gateway whose
 * heartbeat expired left behind from another gateway's upload in flight — without a row, or a
 * statement, per upload.
 *
 * A gateway judged dead (paused, or cut from the database, longer than the expiry) finds its
 * renewal refused: it registers under a new id and writes under that one from then on. Its id
 * is never reused — the collector may be deleting its blobs, and the store refuses any commit
 * of a blob it wrote (the fence, MetadataStore.markGatewaysDead).
 */
import type { MetadataStore } from '../store/meta/metadata-store.js';
import { newWriterId } from '../store/blob/fs-blob-store.js';

export interface GatewayRegistration {
  /** The writer id this gateway writes blobs under now (a new one after it was judged dead). */
  readonly id: string;
  /** Stops the heartbeat and removes the entry (after the last blob write of this gateway). */
  leave(): Promise<void>;
}

export interface RegistryOptions {
  readonly heartbeatMs: number;
  readonly logError: (error: unknown) => void;
  /** Told the new id after a re-registration (the blob store writes under it from then on). */
  readonly onNewId?: (id: string) => void;
}

/** Attempts at a free id (8 hex characters: a collision with a registered one is rare). */
const REGISTER_ATTEMPTS = 5;

async function register(meta: MetadataStore): Promise<string> {
  for (let attempt = 0; attempt < REGISTER_ATTEMPTS; attempt++) {
    const candidate = newWriterId();
    if (await meta.registerGateway(candidate, new Date())) return candidate;
  }
  throw new Error(`no free gateway id after ${REGISTER_ATTEMPTS} attempts`);
}

export async function joinRegistry(meta: MetadataStore, options: RegistryOptions): Promise<GatewayRegistration> {
  let id = await register(meta);

  let beating: Promise<void> | undefined;
  const beat = async () => {
    if (await meta.renewGateway(id, new Date())) return;
    // Judged dead by the orphan collector (no heartbeat for the expiry: a pause or a lost
    // database longer than that). Uploads in flight under the old id fail their commit.
    const judged = id;
    id = await register(meta);
    options.onNewId?.(id);
    options.logError(new Error(`gateway ${judged} was judged dead by the orphan collector (heartbeat older than the expiry); registered again as ${id}`));
  };
  const timer = setInterval(() => {
    // One at a time: a slow database does not pile renewals up.
    beating ??= beat().catch(options.logError).finally(() => (beating = undefined));
  }, options.heartbeatMs);
  timer.unref();

  return {
    get id() {
      return id;
    },
    async leave() {
      clearInterval(timer);
      await beating;
      await meta.forgetGateway(id);
    },
  };
}
