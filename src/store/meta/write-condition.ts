import { StoreError, type WriteCondition } from './metadata-store.js';

/** What a conditional write is decided on: the key's latest version, if any. */
export interface LatestState {
  readonly etag: string;
  readonly isDeleteMarker: boolean;
}

/** Whether a condition needs the key's latest version read (and, in a shared store, locked). */
export function isConditional(condition: WriteCondition | undefined): condition is WriteCondition {
  return condition !== undefined && (condition.ifNoneMatch === true || condition.ifMatch !== undefined);
}

/**
 * Decides a conditional write against the key's latest version (the same rules in every store):
 * a delete marker counts as no current version. Throws 'PreconditionFailed', or 'ObjectNotFound'
 * for If-Match on an absent key.
 */
export function decideCondition(condition: WriteCondition, latest: LatestState | undefined): void {
  const current = latest && !latest.isDeleteMarker ? latest : undefined;
  if (condition.ifNoneMatch && current) throw new StoreError('PreconditionFailed');
  if (condition.ifMatch !== undefined) {
    if (!current) throw new StoreError('ObjectNotFound');
    if (condition.ifMatch !== '*' && condition.ifMatch !== current.etag) throw new StoreError('PreconditionFailed');
  }
}
