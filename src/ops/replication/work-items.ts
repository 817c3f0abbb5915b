/**
 * What writes do for replication: a new version or delete marker that a rule of the bucket's
 * replication configuration selects is stored PENDING, and a replication work item — an outbox
 * record whose deliveries are of kind 'replication' — is appended in the same transaction, so
 * the durable outbox (jobs/outbox-dispatcher.ts) hands it to the replicator: in order per key,
 * retried with back-off, surviving restarts. A replica written here by another server's
 * replicator (x-coffer-replica-version-id) keeps its id, is stored REPLICA and never replicates on.
 */
import { S3Error } from '../../errors.js';
import type { EventType } from '../../events/event-types.js';
import { REPLICA_VERSION_HEADER } from '../../replication/replica-header.js';
import { rulesFor, type ReplicationConfiguration } from '../../replication/rules.js';
import type { BucketRecord, NewVersion, OutboxEvent } from '../../store/meta/metadata-store.js';
import { parsedConfigReader } from '../config/parsed-config.js';
import type { OperationContext } from '../types.js';
import { versionIdForWrite } from '../versioning/version-ids.js';

/** The id a write gives its version, and whether it is a replica another server sent. */
export interface WriteIdentity {
  readonly versionId: string;
  readonly replica: boolean;
}

/**
 * A new version's id: the replica header's (for a caller allowed s3:ReplicateObject — the bucket
 * owner, or whom a policy grants it — into a bucket with versioning enabled), or a new one.
 */
export async function writeIdentity(ctx: OperationContext, bucket: BucketRecord): Promise<WriteIdentity> {
  const given = ctx.headers[REPLICA_VERSION_HEADER];
  if (given === undefined) return { versionId: versionIdForWrite(bucket), replica: false };
  await ctx.authorize('s3:ReplicateObject', { bucket: bucket.name, key: ctx.route.key }, { bucket });
  if (bucket.versioning !== 'Enabled') throw new S3Error('InvalidRequest', `${REPLICA_VERSION_HEADER} needs versioning enabled on the bucket`);
  if (!/^[A-Za-z0-9._-]{1,1024}$/.test(given) || given === 'null') {
    throw new S3Error('InvalidArgument', `Invalid ${REPLICA_VERSION_HEADER}`, { ArgumentName: REPLICA_VERSION_HEADER, ArgumentValue: given });
  }
  return { versionId: given, replica: true };
}

/**
 * The version to store and the outbox records to append with it: `events` (notifications),
 * plus a replication work item when a rule selects the version (then stored PENDING); a
 * replica is stored REPLICA with no work item.
 */
export async function withReplication(
  ctx: OperationContext, bucket: BucketRecord, type: EventType, version: NewVersion, identity: WriteIdentity, events: OutboxEvent[] | undefined,
): Promise<{ version: NewVersion; events: OutboxEvent[] | undefined }> {
  if (identity.replica) return { version: { ...version, replicationStatus: 'REPLICA' }, events };
  if (bucket.versioning !== 'Enabled') return { version, events };
  const config = await replicationConfigOf(ctx.services.meta, bucket);
  const rules = config ? rulesFor(config, version) : [];
  if (rules.length === 0) return { version, events };
  const workItem: OutboxEvent = {
    name: type,
    bucket: bucket.name,
    key: version.key,
    time: version.lastModified,
    region: bucket.region,
    bucketOwnerId: bucket.ownerId,
    object: { versionId: version.versionId },
    request: { requestId: ctx.requestId, hostId: ctx.hostId, principalId: ctx.user?.id ?? 'Anonymous', sourceIp: ctx.sourceIp },
    deliveries: rules.map((rule) => ({ configurationId: rule.id, targetArn: rule.destination.bucketArn, kind: 'replication' as const })),
  };
  return { version: { ...version, replicationStatus: 'PENDING' }, events: [...(events ?? []), workItem] };
}

/** The bucket's replication configuration (stored as JSON), if any. */
export const replicationConfigOf = parsedConfigReader<ReplicationConfiguration>('replication');
