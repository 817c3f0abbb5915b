/**
 * Lifecycle rules as Coffer stores them (the bucket's 'lifecycle' configuration, JSON) and the
 * questions both the executor and the object operations ask of them: does a rule apply to this
 * object, and when is its work due. Pure: no store, no HTTP.
 *
 * Days follow AWS's rounding: an action N days after time t is due at the first midnight UTC at
 * or after t + N days. A "day" is `dayMs` long (86,400,000 unless COFFER_LIFECYCLE_DAY_SECONDS
 * shortens it for tests and demos); midnights are the multiples of `dayMs` since the epoch.
 */
import type { Tag } from '../../store/meta/metadata-store.js';

export interface LifecycleFilter {
  /** How the rule was written, so that a read answers the same shape: a rule-level <Prefix>
   * (the legacy form), <Filter> with one condition, <Filter><And>, or neither. */
  readonly form: 'legacy-prefix' | 'filter' | 'and' | 'none';
  readonly prefix?: string;
  readonly tags: readonly Tag[];
  readonly objectSizeGreaterThan?: number;
  readonly objectSizeLessThan?: number;
}

/** Days after an event, or (expiration and transitions) a date at midnight UTC. */
export interface DaysOrDate {
  readonly days?: number;
  /** ISO 8601, midnight UTC. */
  readonly date?: string;
}

export interface Transition extends DaysOrDate {
  readonly storageClass: string;
}

export interface NoncurrentAction {
  readonly noncurrentDays: number;
  readonly newerNoncurrentVersions?: number;
}

export interface NoncurrentTransition extends NoncurrentAction {
  readonly storageClass: string;
}

export interface LifecycleRule {
  readonly id: string;
  readonly status: 'Enabled' | 'Disabled';
  readonly filter: LifecycleFilter;
  readonly expiration?: DaysOrDate & { readonly expiredObjectDeleteMarker?: boolean };
  readonly transitions: readonly Transition[];
  readonly noncurrentVersionExpiration?: NoncurrentAction;
  readonly noncurrentVersionTransitions: readonly NoncurrentTransition[];
  readonly abortIncompleteMultipartUpload?: { readonly daysAfterInitiation: number };
}

export interface LifecycleConfiguration {
  readonly rules: readonly LifecycleRule[];
}

export const DAY_MS = 86_400_000;

export function parseLifecycleDocument(document: string): LifecycleConfiguration {
  return JSON.parse(document) as LifecycleConfiguration;
}

/** The key prefix a rule is limited to ('' for every key). */
export function rulePrefix(rule: LifecycleRule): string {
  return rule.filter.prefix ?? '';
}

/** Whether a rule's filter selects an object (prefix, every tag, strict size bounds). */
export function filterMatches(filter: LifecycleFilter, key: string, size: number, tags: readonly Tag[]): boolean {
  if (filter.prefix !== undefined && !key.startsWith(filter.prefix)) return false;
  if (filter.objectSizeGreaterThan !== undefined && !(size > filter.objectSizeGreaterThan)) return false;
  if (filter.objectSizeLessThan !== undefined && !(size < filter.objectSizeLessThan)) return false;
  return filter.tags.every((wanted) => tags.some((t) => t.key === wanted.key && t.value === wanted.value));
}

/** When an action `days` after `from` is due: the next midnight (UTC, in lifecycle days) at or after from + days. */
export function dueDate(from: Date, days: number, dayMs: number): Date {
  return new Date(Math.ceil((from.getTime() + days * dayMs) / dayMs) * dayMs);
}

/**
 * The latest event time whose action `days` later is due at `now`: t is due exactly when
 * t ≤ (⌊now / day⌋ − days) · day (the inverse of dueDate), so stores can seek on an index.
 */
export function dueCutoff(now: Date, days: number, dayMs: number): Date {
  return new Date((Math.floor(now.getTime() / dayMs) - days) * dayMs);
}

/** A days-or-date action's cutoff on the event time at `now` (undefined: nothing is due yet). */
export function actionCutoff(action: DaysOrDate, now: Date, dayMs: number): Date | undefined {
  if (action.days !== undefined) return dueCutoff(now, action.days, dayMs);
  if (action.date !== undefined) return Date.parse(action.date) <= now.getTime() ? now : undefined;
  return undefined;
}

/** When a current version expires under a rule's Expiration (undefined: the rule does not expire it). */
export function expirationDate(rule: LifecycleRule, lastModified: Date, dayMs: number): Date | undefined {
  const expiration = rule.expiration;
  if (!expiration) return undefined;
  if (expiration.days !== undefined) return dueDate(lastModified, expiration.days, dayMs);
  if (expiration.date !== undefined) return new Date(expiration.date);
  return undefined;
}

/** The enabled rule that expires an object first, and when (x-amz-expiration). */
export function earliestExpiration(
  config: LifecycleConfiguration, key: string, size: number, tags: readonly Tag[], lastModified: Date, dayMs: number,
): { readonly date: Date; readonly ruleId: string } | undefined {
  let found: { date: Date; ruleId: string } | undefined;
  for (const rule of config.rules) {
    if (rule.status !== 'Enabled' || !filterMatches(rule.filter, key, size, tags)) continue;
    const date = expirationDate(rule, lastModified, dayMs);
    if (date && (!found || date < found.date)) found = { date, ruleId: rule.id };
  }
  return found;
}

/** The enabled rule that aborts an upload first, and when (x-amz-abort-date). Abort rules filter by prefix only. */
export function earliestAbort(config: LifecycleConfiguration, key: string, initiated: Date, dayMs: number): { readonly date: Date; readonly ruleId: string } | undefined {
  let found: { date: Date; ruleId: string } | undefined;
  for (const rule of config.rules) {
    const abort = rule.abortIncompleteMultipartUpload;
    if (rule.status !== 'Enabled' || !abort || !key.startsWith(rulePrefix(rule))) continue;
    const date = dueDate(initiated, abort.daysAfterInitiation, dayMs);
    if (!found || date < found.date) found = { date, ruleId: rule.id };
  }
  return found;
}
