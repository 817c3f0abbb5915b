/**
 * The fault layer: an IoProbe (src/store/io-probe.ts) that fails, slows or shortens the next call
 * at one I/O call site of the stores, the way a full, failing or busy disk or database would.
 * One fault at a time: `arm` it, run an operation, read `fired`.
 */
import type { IoProbe, IoSite } from '../../src/store/io-probe.js';

export type FaultKind =
  | 'ENOSPC' | 'EIO' | 'EMFILE' | 'EACCES' | 'EROFS'
  | 'short-write' | 'slow'
  | 'SQLITE_FULL' | 'SQLITE_IOERR' | 'SQLITE_BUSY';

/** Which faults each call site can meet (a rename cannot be short, a COMMIT cannot run out of file descriptors). */
export const FAULTS_BY_SITE: Readonly<Record<IoSite, readonly FaultKind[]>> = {
  'blob.create': ['ENOSPC', 'EIO', 'EMFILE', 'EACCES', 'slow'],
  'blob.write': ['ENOSPC', 'EIO', 'short-write', 'slow'],
  'blob.fsync': ['EIO', 'ENOSPC'],
  'blob.rename': ['EACCES', 'EROFS', 'ENOSPC'],
  'blob.dirSync': ['EIO'],
  'blob.read': ['EIO', 'EMFILE', 'EACCES', 'slow'],
  'blob.delete': ['EIO', 'EACCES'],
  'meta.write': ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_BUSY'],
  'meta.commit': ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_BUSY'],
  'meta.walSync': ['EIO', 'ENOSPC'],
};

/** How long a `slow` fault holds its call (a slow disk, not one stalled past the client's patience). */
const SLOW_MS = 150;

export class FaultInjector {
  private armed: { site: IoSite; kind: FaultKind } | undefined;
  /** Whether the armed fault met its call site. */
  fired = false;
  /** Every site called since `record()`. */
  readonly reached = new Set<IoSite>();

  readonly probe: IoProbe = (site) => {
    this.reached.add(site);
    const armed = this.armed;
    if (!armed || armed.site !== site) return;
    this.armed = undefined;
    this.fired = true;
    switch (armed.kind) {
      case 'short-write':
        return 'short-write';
      case 'slow':
        return new Promise((resolve) => setTimeout(resolve, SLOW_MS));
      case 'SQLITE_FULL':
      case 'SQLITE_IOERR':
      case 'SQLITE_BUSY':
        throw Object.assign(new Error(`${armed.kind}: injected at ${site}`), { name: 'SqliteError', code: armed.kind });
      default:
        throw Object.assign(new Error(`${armed.kind}: injected at ${site}`), { code: armed.kind, syscall: site });
    }
  };

  /** The next call at `site` meets `kind` (once). */
  arm(site: IoSite, kind: FaultKind): void {
    this.armed = { site, kind };
    this.fired = false;
  }

  disarm(): void {
    this.armed = undefined;
  }

  /** Starts recording the sites called (in `reached`), e.g. to learn which ones an operation uses. */
  record(): void {
    this.reached.clear();
  }
}
