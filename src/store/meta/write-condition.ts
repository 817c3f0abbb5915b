import { StoreError, type ObjectAttributes, type StoreErrorCode, type WriteCondition } from './metadata-store.js';

/** The current version's fields a WriteCondition looks at. */
export type ConditionSubject = Pick<ObjectAttributes, 'etag' | 'size' | 'lastModified'>;

/** What a conditional write is decided on: the key's latest version, if any. */
export interface LatestState extends ConditionSubject {
  readonly isDeleteMarker: boolean;
}

/** Whether a condition needs the key's latest version read (and, in a shared store, locked). */
export function isConditional(condition: WriteCondition | undefined): condition is WriteCondition {
  return (
    condition !== undefined &&
    (condition.ifNoneMatch !== undefined || condition.ifMatch !== undefined || condition.ifMatchLastModified !== undefined || condition.ifMatchSize !== undefined)
  );
}

/**
 * Why `condition` does not hold for `current` (undefined: it holds). Every store calls this inside
 * the transaction that makes the write, with the current version as that transaction sees it.
 * An absent current version fails any If-Match or x-amz-if-match-* condition with 'ObjectNotFound'.
 */
export function conditionFailure(condition: WriteCondition | undefined, current: ConditionSubject | undefined): StoreErrorCode | undefined {
  if (!condition) return undefined;
  const { ifNoneMatch, ifMatch, ifMatchLastModified, ifMatchSize } = condition;
  if (ifNoneMatch !== undefined && current && (ifNoneMatch === '*' || ifNoneMatch === current.etag)) return 'PreconditionFailed';
  if (ifMatch === undefined && ifMatchLastModified === undefined && ifMatchSize === undefined) return undefined;
  if (!current) return 'ObjectNotFound';
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== current.etag) return 'PreconditionFailed';
  if (ifMatchSize !== undefined && ifMatchSize !== current.size) return 'PreconditionFailed';
  if (ifMatchLastModified !== undefined && Math.floor(ifMatchLastModified.getTime() / 1000) !== Math.floor(current.lastModified.getTime() / 1000)) {
    return 'PreconditionFailed';
  }
  return undefined;
}

/**
 * Decides a conditional write against the key's latest version (the same rules in every store):
 * a delete marker counts as no current version. Throws StoreError 'PreconditionFailed', or
 * 'ObjectNotFound' for If-Match on an absent key.
 */
export function decideCondition(condition: WriteCondition, latest: LatestState | undefined): void {
  const failure = conditionFailure(condition, latest && !latest.isDeleteMarker ? latest : undefined);
  if (failure) throw new StoreError(failure);
}
