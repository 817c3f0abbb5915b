import type { EventDelivery } from '../store/meta/metadata-store.js';
import { expandEventPattern, type EventType } from './event-types.js';

/** QueueConfiguration, TopicConfiguration or CloudFunctionConfiguration. */
export type DestinationKind = 'Queue' | 'Topic' | 'CloudFunction';

/** One configuration of a bucket's NotificationConfiguration, as stored (JSON) and served back. */
export interface NotificationRule {
  readonly id: string;
  readonly kind: DestinationKind;
  /** QueueArn / TopicArn / LambdaFunctionArn: a target of the server's notify config. */
  readonly arn: string;
  /** As given, with the `s3:` prefix (`s3:ObjectCreated:*`). */
  readonly events: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
}

export interface NotificationConfiguration {
  readonly rules: readonly NotificationRule[];
}

/** The deliveries an event of `type` on `key` makes under `config` (none: no event at all). */
export function deliveriesFor(config: NotificationConfiguration, type: EventType, key: string): EventDelivery[] {
  const deliveries: EventDelivery[] = [];
  for (const rule of config.rules) {
    if (!rule.events.some((pattern) => expandEventPattern(pattern)?.includes(type))) continue;
    if (rule.prefix !== undefined && !key.startsWith(rule.prefix)) continue;
    if (rule.suffix !== undefined && !key.endsWith(rule.suffix)) continue;
    deliveries.push({ configurationId: rule.id, targetArn: rule.arn });
  }
  return deliveries;
}

/**
 * True when two rules could both fire for one event: they share an event type and some key
 * matches both their prefixes and both their suffixes. S3 refuses such a configuration
 * ("ambiguously defined"); a missing prefix or suffix matches every key.
 */
export function rulesOverlap(a: NotificationRule, b: NotificationRule): boolean {
  const typesOfA = new Set(a.events.flatMap((p) => expandEventPattern(p) ?? []));
  if (!b.events.flatMap((p) => expandEventPattern(p) ?? []).some((t) => typesOfA.has(t))) return false;
  const prefixesOverlap = (a.prefix ?? '').startsWith(b.prefix ?? '') || (b.prefix ?? '').startsWith(a.prefix ?? '');
  const suffixesOverlap = (a.suffix ?? '').endsWith(b.suffix ?? '') || (b.suffix ?? '').endsWith(a.suffix ?? '');
  return prefixesOverlap && suffixesOverlap;
}
