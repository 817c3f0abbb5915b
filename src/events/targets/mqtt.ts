import mqtt, { type MqttClient } from 'mqtt';
import { TARGET_TIMEOUT_MS, withTimeout, type EventTarget } from './target.js';

export interface MqttTargetConfig {
  readonly arn: string;
  readonly type: 'mqtt';
  /** mqtt://host:1883 */
  readonly url: string;
  readonly topic: string;
  readonly username?: string;
  readonly password?: string;
}

/** MQTT publish at QoS 1: the broker's PUBACK acknowledges. */
export function mqttTarget(config: MqttTargetConfig): EventTarget {
  let opening: Promise<MqttClient> | undefined;
  const open = () =>
    (opening ??= withTimeout(
      mqtt.connectAsync(config.url, {
        username: config.username,
        password: config.password,
        connectTimeout: TARGET_TIMEOUT_MS,
        reconnectPeriod: 0,
      }),
      TARGET_TIMEOUT_MS,
      `mqtt ${config.arn}`,
    ).then(
      (client) => {
        client.on('error', () => {});
        client.on('close', () => (opening = undefined));
        return client;
      },
      (error: unknown) => {
        opening = undefined;
        throw error;
      },
    ));
  return {
    arn: config.arn,
    async send(message) {
      const client = await open();
      await withTimeout(client.publishAsync(config.topic, message, { qos: 1 }), TARGET_TIMEOUT_MS, `mqtt ${config.arn}`);
    },
    async close() {
      const current = opening;
      opening = undefined;
      if (current) await current.then((c) => c.endAsync()).catch(() => {});
    },
  };
}
