/**
 * Server access log delivery: takes the spooled lines (src/observe/access-log.ts) and writes them,
 * grouped by source bucket, as log objects into each bucket's target bucket with AWS's key names:
 *   SimplePrefix       TargetPrefix + YYYY-mm-DD-HH-MM-SS-UniqueString
 *   PartitionedPrefix  TargetPrefix + AccountId/Region/SourceBucket/YYYY/MM/DD/YYYY-mm-DD-HH-MM-SS-UniqueString
 *                      (the date of the requests with EventTime, of the delivery with DeliveryTime)
 * Objects are written through the stores, not HTTP, so they are never logged themselves (a bucket
 * may log into itself). Lines are deleted from the spool after their objects are written: a crash
 * in between delivers them twice, never not at all. Lines of a bucket whose logging was turned off,
 * or whose target is gone, changed owner or has a default encryption key that is disabled or gone,
 * are dropped, as AWS delivers nothing then (the other buckets' lines are delivered).
 */
import { randomBytes } from 'node:crypto';
import { limits } from '../limits.js';
import type { LoggingTarget } from '../ops/config/logging.js';
import type { AccessLogRecord, BucketRecord, Grant } from '../store/meta/metadata-store.js';
import { isKmsRefusal, putObject, type ObjectWriterStores } from './write-object.js';

/** The stores, and the account and region that partitioned keys name. */
export type AccessLogDeliveryOptions = ObjectWriterStores;

/** Spooled lines read per round. */
const ROUND_LINES = 10_000;

export async function deliverAccessLogs(options: AccessLogDeliveryOptions): Promise<{ objects: number; lines: number }> {
  let objects = 0;
  let lines = 0;
  for (;;) {
    const records = await options.meta.listAccessLog(0, ROUND_LINES);
    if (records.length === 0) break;
    const bySource = new Map<string, AccessLogRecord[]>();
    for (const record of records) {
      const list = bySource.get(record.bucket);
      if (list) list.push(record);
      else bySource.set(record.bucket, [record]);
    }
    for (const [source, sourceRecords] of bySource) {
      const written = await deliverBucket(options, source, sourceRecords);
      objects += written;
      if (written > 0) lines += sourceRecords.length;
    }
    await options.meta.deleteAccessLog(records.map((record) => record.seq));
    if (records.length < ROUND_LINES) break;
  }
  return { objects, lines };
}

/** Writes one source bucket's lines; returns the number of objects written (0: dropped). */
async function deliverBucket(options: AccessLogDeliveryOptions, sourceName: string, records: readonly AccessLogRecord[]): Promise<number> {
  const source = await options.meta.getBucket(sourceName);
  const stored = source && (await options.meta.getBucketConfig(sourceName, 'logging'));
  if (!source || !stored) return 0;
  const config = JSON.parse(stored) as LoggingTarget;
  const target = await options.meta.getBucket(config.TargetBucket);
  if (!target || target.ownerId !== source.ownerId) return 0;
  const deliveredAt = new Date();
  const partitioned = config.TargetObjectKeyFormat?.PartitionedPrefix;
  const byEventDay = partitioned?.PartitionDateSource === 'EventTime';
  // Objects hold lines of one UTC day when partitioned by event time, so that each sits in its day's folder.
  const groups = new Map<string, AccessLogRecord[]>();
  for (const record of records) {
    const day = byEventDay ? record.time.toISOString().slice(0, 10) : '';
    const group = groups.get(day);
    if (group) group.push(record);
    else groups.set(day, [record]);
  }
  // The configuration's TargetGrants, beside the target owner's full control, are each log object's ACL.
  const acl: readonly Grant[] | undefined = config.TargetGrants && [{ grantee: { type: 'CanonicalUser', id: target.ownerId }, permission: 'FULL_CONTROL' }, ...config.TargetGrants];
  let written = 0;
  for (const group of groups.values()) {
    for (let at = 0; at < group.length; at += limits.accessLogLinesPerObjectMax) {
      const chunk = group.slice(at, at + limits.accessLogLinesPerObjectMax);
      const partitionDate = byEventDay ? chunk[0]!.time : deliveredAt;
      const key = logObjectKey(config, partitioned ? { accountId: options.accountId, region: options.region, source, date: partitionDate } : undefined, deliveredAt);
      try {
        await putObject(options, target, key, Buffer.from(chunk.map((record) => `${record.line}\n`).join('')), 'text/plain', acl);
      } catch (error) {
        if (isKmsRefusal(error)) return written;
        throw error;
      }
      written++;
    }
  }
  return written;
}

function logObjectKey(
  config: LoggingTarget,
  partition: { accountId: string; region: string; source: BucketRecord; date: Date } | undefined,
  deliveredAt: Date,
): string {
  const stamp = deliveredAt.toISOString().slice(0, 19).replace(/[T:]/g, '-'); // YYYY-mm-DD-HH-MM-SS
  const unique = randomBytes(8).toString('hex').toUpperCase();
  const folder = partition
    ? `${partition.accountId}/${partition.region}/${partition.source.name}/${partition.date.toISOString().slice(0, 10).replace(/-/g, '/')}/`
    : '';
  return `${config.TargetPrefix}${folder}${stamp}-${unique}`;
}
