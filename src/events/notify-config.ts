import { readFile } from 'node:fs/promises';
import { configEntries } from '../config-entries.js';
import { amqpTarget, type AmqpTargetConfig } from './targets/amqp.js';
import { mqttTarget, type MqttTargetConfig } from './targets/mqtt.js';
import { natsTarget, type NatsTargetConfig } from './targets/nats.js';
import { redisTarget, type RedisTargetConfig } from './targets/redis.js';
import type { EventTarget } from './targets/target.js';
import { webhookTarget, type WebhookTargetConfig } from './targets/webhook.js';

/** One entry of `--notify-config FILE`: an ARN that bucket notification configurations may name. */
export type TargetConfig = WebhookTargetConfig | AmqpTargetConfig | RedisTargetConfig | NatsTargetConfig | MqttTargetConfig;

/** The fields each target type requires (strings), besides `arn` and `type`. */
const REQUIRED_FIELDS: Record<TargetConfig['type'], readonly string[]> = {
  webhook: ['url'],
  amqp: ['url', 'routingKey'],
  redis: ['url', 'key', 'mode'],
  nats: ['url', 'subject'],
  mqtt: ['url', 'topic'],
};

/**
 * Parses a notify config document `{"targets": [{"arn": …, "type": …, …}]}`; a malformed one
 * throws an Error saying which entry and field (start-up fails: a target silently missing would
 * refuse configurations, or drop events, later).
 */
export function parseNotifyConfig(text: string, source = 'notify config'): TargetConfig[] {
  const arns = new Set<string>();
  return configEntries(text, source, 'targets').map(({ where, fields: target }) => {
    if (typeof target.arn !== 'string' || !/^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/.test(target.arn)) throw new Error(`${where}: "arn" must be an ARN`);
    if (arns.has(target.arn)) throw new Error(`${where}: ARN ${target.arn} declared twice`);
    arns.add(target.arn);
    const type = target.type as TargetConfig['type'];
    const required = REQUIRED_FIELDS[type];
    if (!required) throw new Error(`${where}: "type" must be one of ${Object.keys(REQUIRED_FIELDS).join(', ')}`);
    for (const field of required) {
      if (typeof target[field] !== 'string' || target[field] === '') throw new Error(`${where}: ${type} target needs "${field}"`);
    }
    if (type === 'redis' && target.mode !== 'list' && target.mode !== 'stream') throw new Error(`${where}: "mode" must be "list" or "stream"`);
    if (type === 'amqp' && target.exchange === undefined) return { ...target, exchange: '' } as TargetConfig;
    return target as unknown as TargetConfig;
  });
}

export async function loadNotifyConfig(path: string): Promise<TargetConfig[]> {
  return parseNotifyConfig(await readFile(path, 'utf8'), path);
}

export function createTarget(config: TargetConfig): EventTarget {
  switch (config.type) {
    case 'webhook': return webhookTarget(config);
    case 'amqp': return amqpTarget(config);
    case 'redis': return redisTarget(config);
    case 'nats': return natsTarget(config);
    case 'mqtt': return mqttTarget(config);
  }
}
