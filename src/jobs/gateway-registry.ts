/**
 * This gateway's entry in the registry of blob writers (the `gateways` table), for gateways that
 * share a data dir. It is registered before it writes a blob, renews its heartbeat every
 * `heartbeatMs`, and leaves the registry when it closes. Every blob and temporary file it writes
 * carries its id (FsBlobStore's writer id), so the orphan collector can tell what a gateway whose
 * heartbeat expired left behind from another gateway's upload in flight — without a row, or a
 * statement, per upload.
 */
import type { MetadataStore } from '../store/meta/metadata-store.js';
import { newWriterId } from '../store/blob/fs-blob-store.js';

export interface GatewayRegistration {
  /** The writer id of this gateway's blob store. */
  readonly id: string;
  /** Stops the heartbeat and removes the entry (after the last blob write of this gateway). */
  leave(): Promise<void>;
}

/** Attempts at a free id (8 hex characters: a collision with a registered one is rare). */
const REGISTER_ATTEMPTS = 5;

export async function joinRegistry(meta: MetadataStore, heartbeatMs: number, logError: (error: unknown) => void): Promise<GatewayRegistration> {
  let id: string | undefined;
  for (let attempt = 0; attempt < REGISTER_ATTEMPTS && id === undefined; attempt++) {
    const candidate = newWriterId();
    if (await meta.registerGateway(candidate, new Date())) id = candidate;
  }
  if (id === undefined) throw new Error(`no free gateway id after ${REGISTER_ATTEMPTS} attempts`);
  const self = id;

  let beating: Promise<void> | undefined;
  const beat = async () => {
    const now = new Date();
    if (await meta.renewGateway(self, now)) return;
    // Forgotten: another gateway judged this one dead (no heartbeat for the expiry: a pause or a
    // lost database longer than that) and may have collected blobs it was writing then. Uploads
    // from now on are covered again; the ones in flight then may fail to read back.
    logError(new Error(`gateway ${self} was judged dead by the orphan collector (heartbeat older than the expiry); registering again`));
    await meta.registerGateway(self, now);
  };
  const timer = setInterval(() => {
    // One at a time: a slow database does not pile renewals up.
    beating ??= beat().catch(logError).finally(() => (beating = undefined));
  }, heartbeatMs);
  timer.unref();

  return {
    id: self,
    async leave() {
      clearInterval(timer);
      await beating;
      await meta.forgetGateway(self);
    },
  };
}
