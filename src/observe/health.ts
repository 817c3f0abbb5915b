import type { BlobStore } from '../store/blob/blob-store.js';
import type { MetadataStore } from '../store/meta/metadata-store.js';

/** A readiness check that has not answered in this long counts as failed. */
const CHECK_TIMEOUT_MS = 5_000;
/** No bucket can have this name (bucket names are lowercase): the lookup always misses. */
const PROBE_BUCKET = '_coffer_readiness_probe';

export interface Readiness {
  readonly ready: boolean;
  /** Each check and its outcome; failures carry no detail (the answer is unauthenticated). */
  readonly checks: { readonly metadata: 'ok' | 'failed'; readonly blobs: 'ok' | 'failed' };
}

/**
 * Ready means: the metadata store answers a lookup, and the blob store completes a durable write
 * (temp file, fsync, rename, directory fsync) and a delete — the path every PUT takes.
 */
export async function checkReadiness(meta: MetadataStore, blobs: BlobStore, onFailure: (check: string, error: unknown) => void): Promise<Readiness> {
  const run = async (check: string, probe: () => Promise<unknown>) => {
    try {
      await withTimeout(probe());
      return 'ok' as const;
    } catch (error) {
      onFailure(check, error);
      return 'failed' as const;
    }
  };
  const [metadata, blobCheck] = await Promise.all([
    run('metadata', () => meta.getBucket(PROBE_BUCKET)),
    run('blobs', async () => {
      const { blobId } = await blobs.write((async function* () { yield Buffer.from('ready?'); })());
      await blobs.delete([blobId]);
    }),
  ]);
  return { ready: metadata === 'ok' && blobCheck === 'ok', checks: { metadata, blobs: blobCheck } };
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
