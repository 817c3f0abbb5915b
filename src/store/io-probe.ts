/**
 * The I/O call sites of the embedded stores, by name. A probe, when given, is called just before
 * each call at a site: it may throw (the call fails with that error, as a disk or database would
 * fail it), return a promise (the call waits: a slow or stalled disk), or, at `blob.write`, ask
 * for a short write. The fault matrix (test/faults) injects its faults through it; a server
 * runs without one.
 */
export type IoSite =
  /** Creating a blob's temporary file. */
  | 'blob.create'
  | 'blob.write'
  | 'blob.fsync'
  /** Moving a written blob into place (and making its folder). */
  | 'blob.rename'
  /** Syncing the folder the blob was renamed into. */
  | 'blob.dirSync'
  | 'blob.read'
  | 'blob.delete'
  /** One metadata write, inside its savepoint of the group commit. */
  | 'meta.write'
  /** The group commit's COMMIT (after its writes ran): a failure undoes the whole batch. */
  | 'meta.commit'
  /** The fsync of SQLite's WAL that makes committed writes durable. */
  | 'meta.walSync';

export type IoProbe = (site: IoSite) => void | 'short-write' | Promise<void>;

/** Runs the probe at an asynchronous call site: its errors and delays apply. */
export async function probeAsync(probe: IoProbe | undefined, site: IoSite): Promise<void | 'short-write'> {
  return probe?.(site);
}
