import type { VersionLock } from './metadata-store.js';

/**
 * Whether a version's object lock keeps it from being removed or replaced at `now`: a legal hold
 * always does, a retention until its date has passed — GOVERNANCE retention not when the caller
 * may bypass it (x-amz-bypass-governance-retention with s3:BypassGovernanceRetention). Both
 * stores decide deletions with this inside their transaction; lifecycle asks it before trying.
 */
export function lockProtects(lock: VersionLock | undefined, now: Date, bypassGovernance = false): boolean {
  if (!lock) return false;
  if (lock.legalHold) return true;
  const retention = lock.retention;
  if (!retention || retention.retainUntil.getTime() <= now.getTime()) return false;
  return !(retention.mode === 'GOVERNANCE' && bypassGovernance);
}

/** The `object_lock` column of a version row (both stores): JSON, the date in epoch milliseconds; null when unset. */
export function encodeVersionLock(lock: VersionLock | undefined): string | null {
  if (!lock || (!lock.retention && lock.legalHold === undefined)) return null;
  return JSON.stringify({
    ...(lock.retention ? { mode: lock.retention.mode, until: lock.retention.retainUntil.getTime() } : {}),
    ...(lock.legalHold === undefined ? {} : { hold: lock.legalHold }),
  });
}

export function decodeVersionLock(text: string | null | undefined): VersionLock | undefined {
  if (!text) return undefined;
  const stored = JSON.parse(text) as { mode?: 'GOVERNANCE' | 'COMPLIANCE'; until?: number; hold?: boolean };
  return {
    ...(stored.mode ? { retention: { mode: stored.mode, retainUntil: new Date(Number(stored.until)) } } : {}),
    ...(stored.hold === undefined ? {} : { legalHold: stored.hold }),
  };
}
