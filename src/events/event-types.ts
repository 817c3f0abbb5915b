/**
 * S3's event notification types (AWS "Event notification types and destinations"), without the
 * `s3:` prefix. A configuration names them with the prefix, and a family with `:*`.
 */
const EVENT_TYPES = [
  'ObjectCreated:Put', 'ObjectCreated:Post', 'ObjectCreated:Copy', 'ObjectCreated:CompleteMultipartUpload',
  'ObjectRemoved:Delete', 'ObjectRemoved:DeleteMarkerCreated',
  'ObjectRestore:Post', 'ObjectRestore:Completed', 'ObjectRestore:Delete',
  'ReducedRedundancyLostObject',
  'Replication:OperationFailedReplication', 'Replication:OperationMissedThreshold',
  'Replication:OperationReplicatedAfterThreshold', 'Replication:OperationNotTracked',
  'LifecycleExpiration:Delete', 'LifecycleExpiration:DeleteMarkerCreated',
  'LifecycleTransition',
  'IntelligentTiering',
  'ObjectTagging:Put', 'ObjectTagging:Delete',
  'ObjectAcl:Put',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const FAMILIES = new Set(EVENT_TYPES.filter((t) => t.includes(':')).map((t) => t.slice(0, t.indexOf(':'))));

/**
 * The event types a configuration's `<Event>` value covers (`s3:ObjectCreated:*` → every
 * ObjectCreated type), or undefined when S3 does not know it.
 */
export function expandEventPattern(pattern: string): EventType[] | undefined {
  if (!pattern.startsWith('s3:')) return undefined;
  const name = pattern.slice(3);
  if (name.endsWith(':*')) {
    const family = name.slice(0, -2);
    return FAMILIES.has(family) ? EVENT_TYPES.filter((t) => t.startsWith(`${family}:`)) : undefined;
  }
  return (EVENT_TYPES as readonly string[]).includes(name) ? [name as EventType] : undefined;
}
