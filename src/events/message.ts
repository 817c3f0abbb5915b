import type { EventDetail, OutboxRecord } from '../store/meta/metadata-store.js';

/**
 * The JSON S3 sends for an event (AWS "Event message structure"): for one delivery of an outbox
 * record, under the configuration that matched. TestEvent has its own, older shape.
 */
export function eventMessage(record: OutboxRecord, configurationId: string): string {
  if (record.name === 'TestEvent') {
    return JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: record.time.toISOString(),
      Bucket: record.bucket,
      RequestId: record.request.requestId,
      HostId: record.request.hostId,
    });
  }
  const object = record.object ?? {};
  return JSON.stringify({
    Records: [
      {
        eventVersion: eventVersionOf(record.name),
        eventSource: 'aws:s3',
        awsRegion: record.region,
        eventTime: record.time.toISOString(),
        eventName: record.name,
        userIdentity: { principalId: record.request.principalId },
        requestParameters: { sourceIPAddress: record.request.sourceIp },
        responseElements: { 'x-amz-request-id': record.request.requestId, 'x-amz-id-2': record.request.hostId },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId,
          bucket: { name: record.bucket, ownerIdentity: { principalId: record.bucketOwnerId }, arn: `arn:aws:s3:::${record.bucket}` },
          object: {
            key: encodeEventKey(record.key),
            ...(object.size !== undefined ? { size: object.size } : {}),
            ...(object.etag !== undefined ? { eTag: object.etag } : {}),
            ...(object.versionId !== undefined ? { versionId: object.versionId } : {}),
            sequencer: sequencerOf(record.seq),
          },
        },
        ...(record.detail ? detailSection(record.detail) : {}),
      },
    ],
  });
}

/** The record section an event's detail becomes, under AWS's names. */
function detailSection(detail: EventDetail): Record<string, unknown> {
  if ('restore' in detail) {
    const { expiryTime, storageClass } = detail.restore;
    return { glacierEventData: { restoreEventData: { lifecycleRestorationExpiryTime: expiryTime, lifecycleRestoreStorageClass: storageClass } } };
  }
  if ('transition' in detail) return { lifecycleEventData: { transitionEventData: detail.transition } };
  const { ruleId, destinationBucket, operation, requestTime, failureReason } = detail.replication;
  return {
    replicationEventData: {
      replicationRuleId: ruleId, destinationBucket, s3Operation: operation, requestTime, ...(failureReason !== undefined ? { failureReason } : {}),
    },
  };
}

/** S3 uses 2.1 for most events, 2.2 for replication events, and 2.3 for lifecycle, tagging, ACL and restore-delete events. */
function eventVersionOf(name: string): string {
  if (name.startsWith('Replication:')) return '2.2';
  return /^(LifecycleExpiration|LifecycleTransition|IntelligentTiering|ObjectTagging|ObjectAcl|ObjectRestore:Delete)/.test(name) ? '2.3' : '2.1';
}

/**
 * Keys are form-URL-encoded in events, as S3 does (and as `unquote_plus` in every Lambda
 * example expects): a space is '+', '/' stays, everything but [A-Za-z0-9._*-] is %XX of UTF-8.
 */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+');
}

/**
 * The order of events on one key: the outbox sequence, as fixed-width hex, so that sequencers
 * compare as strings as well as numbers.
 */
export function sequencerOf(seq: number): string {
  return seq.toString(16).toUpperCase().padStart(16, '0');
}
