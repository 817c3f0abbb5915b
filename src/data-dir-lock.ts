import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file in a data dir that an embedded (SQLite) Coffer owns. */
export const LOCK_FILE = 'coffer.lock';

export interface DataDirLock {
  release(): void;
}

const TAKEOVER_ATTEMPTS_MAX = 3;

/**
 * Takes the data dir for this process: an embedded store assumes it is the only writer (its
 * start-up collector deletes every unreferenced blob and temp file). The lock file holds the
 * owner's pid, is created exclusively, and is removed on release or at process exit; a lock left
 * by a process that no longer runs (killed, machine restarted) is taken over. Another live owner
 * — another process, or another server in this one — is an error saying which pid holds it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  // The pid is written to a file of our own first, then linked into place (link fails if the
  // lock exists): a lock file is never seen empty, half-written.
  const ours = `${path}.${process.pid}`;
  writeFileSync(ours, `${process.pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(ours, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= TAKEOVER_ATTEMPTS_MAX) throw lockError(path, error);
      }
      takeOverIfStale(dataDir, path);
    }
  } finally {
    unlinkSync(ours);
  }
  const release = () => {
    process.off('exit', release);
    try {
      if (readOwner(path) === process.pid) unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.on('exit', release);
  return { release };
}

/** Removes the lock if its owner no longer runs; throws if it does. */
function takeOverIfStale(dataDir: string, path: string): void {
  const owner = readOwner(path);
  if (owner !== undefined && isRunning(owner)) {
    throw new Error(`data dir ${dataDir} is in use by process ${owner}${owner === process.pid ? ' (this one)' : ''} (lock file ${path})`);
  }
  // Stale (its process is gone, or it holds no pid: not ours to trust): take it over. Two
  // processes taking over the same stale lock at once: one wins the link, and the other,
  // re-reading the owner just before it unlinks, finds the winner alive (what is left is the
  // instant between that read and the unlink, and only ever after a crash).
  if (readOwner(path) !== owner) return;
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw lockError(path, error);
  }
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockError(path: string, error: unknown): Error {
  return new Error(`cannot take the data dir lock ${path}: ${(error as Error).message}`);
}
