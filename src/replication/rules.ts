/**
 * Replication rules as Coffer stores them (the bucket's 'replication' configuration, JSON), and
 * the one question writes and the replicator ask of them: which destinations does this version
 * go to. Pure: no store, no HTTP.
 */
import type { Tag } from '../store/meta/metadata-store.js';

export interface ReplicationFilter {
  /** How the rule was written, so that a read answers the same shape: a rule-level <Prefix>
   * (AWS's first schema), <Filter> with one condition, <Filter><And>, or an empty <Filter>. */
  readonly form: 'legacy-prefix' | 'filter' | 'and' | 'none';
  readonly prefix?: string;
  readonly tags: readonly Tag[];
}

export interface ReplicationDestination {
  /** `arn:aws:s3:::name`. */
  readonly bucketArn: string;
  /** The replicas' storage class; the source version's when absent. */
  readonly storageClass?: string;
  /** Echoed only: the destination bucket owner's account. */
  readonly account?: string;
}

export interface ReplicationRule {
  readonly id: string;
  /** Absent for a rule of the first schema (rule-level <Prefix>). */
  readonly priority?: number;
  readonly status: 'Enabled' | 'Disabled';
  readonly filter: ReplicationFilter;
  /**
   * Whether delete markers are replicated: <DeleteMarkerReplication><Status> of the current
   * schema; rules of the first schema always replicate them (AWS's backward compatibility).
   */
  readonly deleteMarkerReplication: boolean;
  /** Given as <ExistingObjectReplication><Status>Disabled</Status> (Enabled is refused). */
  readonly existingObjectReplication?: 'Disabled';
  readonly destination: ReplicationDestination;
}

export interface ReplicationConfiguration {
  readonly role: string;
  readonly rules: readonly ReplicationRule[];
}

/** What a write knows of the version it makes. */
export interface ReplicatedVersion {
  readonly key: string;
  readonly tags: readonly Tag[];
  readonly isDeleteMarker: boolean;
}

export const BUCKET_ARN_PREFIX = 'arn:aws:s3:::';

/** `arn:aws:s3:::name` → `name`; undefined for anything else. */
export function bucketOfArn(arn: string): string | undefined {
  if (!arn.startsWith(BUCKET_ARN_PREFIX)) return undefined;
  const name = arn.slice(BUCKET_ARN_PREFIX.length);
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) ? name : undefined;
}

/**
 * The rule that replicates a version to each destination: among the enabled rules whose filter
 * selects it, the one of highest priority (S3 resolves overlapping rules so). A delete marker
 * goes only if that rule replicates delete markers.
 */
export function rulesFor(config: ReplicationConfiguration, version: ReplicatedVersion): ReplicationRule[] {
  const chosen = new Map<string, ReplicationRule>();
  for (const rule of config.rules) {
    if (rule.status !== 'Enabled' || !filterSelects(rule.filter, version)) continue;
    const current = chosen.get(rule.destination.bucketArn);
    if (!current || (rule.priority ?? 0) > (current.priority ?? 0)) chosen.set(rule.destination.bucketArn, rule);
  }
  return [...chosen.values()].filter((rule) => !version.isDeleteMarker || rule.deleteMarkerReplication);
}

function filterSelects(filter: ReplicationFilter, version: ReplicatedVersion): boolean {
  if (filter.prefix !== undefined && !version.key.startsWith(filter.prefix)) return false;
  return filter.tags.every((wanted) => version.tags.some((t) => t.key === wanted.key && t.value === wanted.value));
}
