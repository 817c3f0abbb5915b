import type { EventType } from '../../events/event-types.js';
import { deliveriesFor, type NotificationConfiguration } from '../../events/notification-config.js';
import type { BucketRecord, EventDetail, MetadataStore, OutboxEvent } from '../../store/meta/metadata-store.js';
import { HOST_ID, nextRequestId } from '../../http/request-ids.js';
import { parsedConfigReader } from '../config/parsed-config.js';
import type { OperationContext } from '../types.js';
import { showsVersionIds } from '../versioning/version-ids.js';

/** What an event says of the object (AWS omits what does not apply: no size on a delete). */
export interface EventObject {
  readonly size?: number;
  readonly etag?: string;
  /** Shown only for buckets that show version ids (versioning ever enabled). */
  readonly versionId?: string;
}

/** Who caused an event: the request's identity, or S3 itself for lifecycle actions. */
export type EventRequest = OutboxEvent['request'];

/**
 * The events a mutation produces: to pass to the store call that makes the change, which appends
 * them to the outbox in the same transaction. Undefined (nothing to append, no cost) unless the
 * bucket has a notification configuration that this event type and key match.
 */
export function eventsFor(
  ctx: OperationContext, bucket: BucketRecord, type: EventType, key: string, object: EventObject, time = new Date(), detail?: EventDetail,
): Promise<OutboxEvent[] | undefined> {
  // Most buckets have no notification configuration, and their record says so: every PUT and
  // DELETE asks, and is answered without the three nested async calls below.
  if (bucket.requestConfigs && bucket.requestConfigs.notification === undefined) return NO_EVENTS;
  const request = { requestId: ctx.requestId, hostId: ctx.hostId, principalId: ctx.user?.id ?? 'Anonymous', sourceIp: ctx.sourceIp };
  return bucketEvents(ctx.services.meta, bucket, type, key, object, request, time, detail);
}

const NO_EVENTS: Promise<undefined> = Promise.resolve(undefined);

/** S3's own actions (lifecycle, replication): AWS names s3.amazonaws.com as the principal and the source. */
export function s3ServiceRequest(): EventRequest {
  return { requestId: nextRequestId(), hostId: HOST_ID, principalId: 's3.amazonaws.com', sourceIp: 's3.amazonaws.com' };
}

/** eventsFor without a request context (background jobs). */
export async function bucketEvents(
  meta: MetadataStore, bucket: BucketRecord, type: EventType, key: string, object: EventObject, request: EventRequest,
  time = new Date(), detail?: EventDetail,
): Promise<OutboxEvent[] | undefined> {
  const config = await notificationConfigOf(meta, bucket);
  if (!config) return undefined;
  const deliveries = deliveriesFor(config, type, key);
  if (deliveries.length === 0) return undefined;
  return [{
    name: type,
    bucket: bucket.name,
    key,
    time,
    region: bucket.region,
    bucketOwnerId: bucket.ownerId,
    object: { ...object, versionId: showsVersionIds(bucket) ? object.versionId : undefined },
    request,
    deliveries,
    ...(detail ? { detail } : {}),
  }];
}

/** The bucket's notification configuration (stored as JSON), if any. */
export const notificationConfigOf = parsedConfigReader<NotificationConfiguration>('notification');
