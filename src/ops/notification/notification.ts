import { S3Error } from '../../errors.js';
import { randomUUID } from 'node:crypto';
import { expandEventPattern } from '../../events/event-types.js';
import { rulesOverlap, type DestinationKind, type NotificationConfiguration, type NotificationRule } from '../../events/notification-config.js';
import { limits } from '../../limits.js';
import type { OutboxEvent } from '../../store/meta/metadata-store.js';
import { notificationConfigOf } from './events.js';
import { asList, readXmlDocument, textOf } from '../request-xml.js';
import type { OperationContext, OperationResult, XmlObject } from '../types.js';

/** The element of each configuration kind, and the element naming its destination ARN. */
const KINDS: ReadonlyArray<{ kind: DestinationKind; element: string; arnElement: string; noun: string }> = [
  { kind: 'Topic', element: 'TopicConfiguration', arnElement: 'Topic', noun: 'topic' },
  { kind: 'Queue', element: 'QueueConfiguration', arnElement: 'Queue', noun: 'queue' },
  { kind: 'CloudFunction', element: 'CloudFunctionConfiguration', arnElement: 'CloudFunction', noun: 'Lambda function' },
];

/**
 * PutBucketNotificationConfiguration (and the legacy PutBucketNotification: the same
 * `?notification` resource and elements). Validated as S3 does — event types, filter rules,
 * no two configurations that could fire for the same event, and every destination an ARN the
 * server's notify config declares — then stored, with an s3:TestEvent to each destination
 * appended in the same transaction. An empty document removes the configuration.
 */
export async function putBucketNotificationConfiguration(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const document = (await readXmlDocument(ctx, 'NotificationConfiguration'))!;
  const rules = parseRules(document);
  checkOverlaps(rules);
  // `x-amz-skip-destination-validation: true`: stored as given, as on AWS; events for an ARN the
  // notify config does not declare are dropped by the dispatcher (which logs each).
  if (ctx.headers['x-amz-skip-destination-validation']?.trim().toLowerCase() !== 'true') checkDestinations(ctx, rules);
  if (rules.length === 0) {
    await ctx.services.meta.putBucketConfig(bucket.name, 'notification', undefined);
    return {};
  }
  const config: NotificationConfiguration = { rules };
  const testEvent: OutboxEvent = {
    name: 'TestEvent',
    bucket: bucket.name,
    key: '',
    time: new Date(),
    region: bucket.region,
    bucketOwnerId: bucket.ownerId,
    request: { requestId: ctx.requestId, hostId: ctx.hostId, principalId: ctx.user!.id, sourceIp: ctx.sourceIp },
    deliveries: [...new Set(rules.map((r) => r.arn))].filter((arn) => ctx.services.notificationTargets.has(arn)).map((targetArn) => ({ configurationId: '', targetArn })),
  };
  await ctx.services.meta.putBucketConfig(bucket.name, 'notification', JSON.stringify(config), [testEvent]);
  return {};
}

/** GetBucketNotificationConfiguration: the stored configurations; an empty document when none. */
export async function getBucketNotificationConfiguration(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const config = await notificationConfigOf(ctx.services.meta, bucket);
  const body: Record<string, XmlObject[]> = {};
  for (const { kind, element, arnElement } of KINDS) {
    const rules = config?.rules.filter((r) => r.kind === kind) ?? [];
    if (rules.length === 0) continue;
    body[element] = rules.map((rule) => ({
      Id: rule.id,
      [arnElement]: rule.arn,
      Event: [...rule.events],
      ...(rule.prefix !== undefined || rule.suffix !== undefined
        ? {
            Filter: {
              S3Key: {
                FilterRule: [
                  ...(rule.prefix !== undefined ? [{ Name: 'Prefix', Value: rule.prefix }] : []),
                  ...(rule.suffix !== undefined ? [{ Name: 'Suffix', Value: rule.suffix }] : []),
                ],
              },
            },
          }
        : {}),
    }));
  }
  return { xml: { root: 'NotificationConfiguration', body } };
}

function parseRules(document: Record<string, unknown>): NotificationRule[] {
  for (const name of elementNames(document)) {
    if (name === 'EventBridgeConfiguration') {
      throw new S3Error('NotImplemented', 'EventBridge destinations are not supported by this server; use a Queue, Topic or CloudFunction configuration.');
    }
    if (!KINDS.some((k) => k.element === name)) throw new S3Error('MalformedXML');
  }
  const rules: NotificationRule[] = [];
  for (const { kind, element, arnElement } of KINDS) {
    for (const entry of asList(document[element] as unknown)) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new S3Error('MalformedXML');
      rules.push(parseRule(kind, arnElement, entry as Record<string, unknown>));
    }
  }
  if (rules.length > limits.notificationConfigurationsMax) {
    throw new S3Error('InvalidArgument', `A notification configuration may hold at most ${limits.notificationConfigurationsMax} configurations.`);
  }
  return rules;
}

function parseRule(kind: DestinationKind, arnElement: string, entry: Record<string, unknown>): NotificationRule {
  for (const name of elementNames(entry)) {
    // InvocationRole (legacy CloudFunctionConfiguration) grants S3 a role to invoke the function: no meaning here.
    if (!['Id', arnElement, 'Event', 'Filter', 'InvocationRole'].includes(name)) throw new S3Error('MalformedXML');
  }
  const arn = textOf(entry[arnElement])?.trim();
  const events = asList(entry.Event as unknown).map((e) => textOf(e)?.trim());
  if (!arn || events.length === 0 || events.some((e) => e === undefined)) throw new S3Error('MalformedXML');
  for (const event of events) {
    if (!expandEventPattern(event!)) throw new S3Error('InvalidArgument', 'The event is not supported for notifications', { ArgumentName: 'Event', ArgumentValue: event });
  }
  const id = entry.Id === undefined ? undefined : textOf(entry.Id)?.trim();
  return {
    // AWS names a configuration that has no Id itself.
    id: id || Buffer.from(randomUUID()).toString('base64'),
    kind,
    arn,
    events: events as string[],
    ...parseFilter(entry.Filter),
  };
}

function parseFilter(filter: unknown): { prefix?: string; suffix?: string } {
  if (isEmptyElement(filter)) return {};
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw new S3Error('MalformedXML');
  const { S3Key, ...rest } = filter as Record<string, unknown>;
  if (elementNames(rest).length > 0) throw new S3Error('MalformedXML');
  if (isEmptyElement(S3Key)) return {};
  if (typeof S3Key !== 'object' || S3Key === null || Array.isArray(S3Key)) throw new S3Error('MalformedXML');
  const result: { prefix?: string; suffix?: string } = {};
  for (const rule of asList((S3Key as Record<string, unknown>).FilterRule as unknown)) {
    if (typeof rule !== 'object' || rule === null) throw new S3Error('MalformedXML');
    const name = textOf((rule as Record<string, unknown>).Name)?.trim().toLowerCase();
    const value = textOf((rule as Record<string, unknown>).Value) ?? '';
    if (name !== 'prefix' && name !== 'suffix') {
      throw new S3Error('InvalidArgument', 'filter rule name must be either prefix or suffix', { ArgumentName: 'FilterRule', ArgumentValue: name ?? '' });
    }
    if (result[name] !== undefined) {
      throw new S3Error('InvalidArgument', `Cannot specify more than one ${name} rule in a filter.`, { ArgumentName: 'FilterRule', ArgumentValue: name });
    }
    result[name] = value;
  }
  return result;
}

function isEmptyElement(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value.trim() === '');
}

/** The child elements of a parsed element (the whitespace between them, as '#text', left out). */
function elementNames(element: Record<string, unknown>): string[] {
  return Object.keys(element).filter((name) => name !== '#text' || String(element[name]).trim() !== '');
}

function checkOverlaps(rules: readonly NotificationRule[]): void {
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      if (rulesOverlap(rules[i]!, rules[j]!)) {
        throw new S3Error(
          'InvalidArgument',
          'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.',
        );
      }
    }
  }
}

/** Every destination must be a target of the server's notify config (AWS: must exist and accept S3). */
function checkDestinations(ctx: OperationContext, rules: readonly NotificationRule[]): void {
  const detail: Record<string, string> = {};
  let n = 0;
  for (const rule of rules) {
    if (ctx.services.notificationTargets.has(rule.arn)) continue;
    n++;
    detail[`ArgumentName${n}`] = rule.arn;
    detail[`ArgumentValue${n}`] = `The destination ${KINDS.find((k) => k.kind === rule.kind)!.noun} does not exist`;
  }
  if (n > 0) throw new S3Error('InvalidArgument', 'Unable to validate the following destination configurations', detail);
}
