import { LazyConnection, TARGET_TIMEOUT_MS, withTimeout, type EventTarget } from './target.js';

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
  const connection = new LazyConnection(
    async (forget) => {
      // Loaded on first use: a server without MQTT targets never pays for the client library.
      const { default: mqtt } = await import('mqtt');
      const client = await withTimeout(
        mqtt.connectAsync(config.url, { username: config.username, password: config.password, connectTimeout: TARGET_TIMEOUT_MS, reconnectPeriod: 0 }),
        TARGET_TIMEOUT_MS,
        `mqtt ${config.arn}`,
      );
      client.on('error', () => {}); // a failed send reports it; the dispatcher retries
      client.on('close', forget);
      return client;
    },
    (client) => client.endAsync(),
  );
  return {
    arn: config.arn,
    async send(message) {
      const client = await connection.get();
      await withTimeout(client.publishAsync(config.topic, message, { qos: 1 }), TARGET_TIMEOUT_MS, `mqtt ${config.arn}`);
    },
    close: () => connection.close(),
  };
}
