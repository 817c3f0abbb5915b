import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { TARGET_TIMEOUT_MS, withTimeout, type EventTarget } from './target.js';

export interface AmqpTargetConfig {
  readonly arn: string;
  readonly type: 'amqp';
  /** amqp://user:password@host:5672/vhost */
  readonly url: string;
  /** '' is the default exchange (the routing key is then a queue name). */
  readonly exchange: string;
  readonly routingKey: string;
}

/** AMQP 0-9-1 (RabbitMQ): persistent messages on a confirm channel; the broker's ack acknowledges. */
export function amqpTarget(config: AmqpTargetConfig): EventTarget {
  let opening: Promise<{ connection: ChannelModel; channel: ConfirmChannel }> | undefined;
  const open = () =>
    (opening ??= (async () => {
      const connection = await withTimeout(amqp.connect(config.url), TARGET_TIMEOUT_MS, `amqp ${config.arn}`);
      const forget = () => (opening = undefined);
      connection.on('error', forget);
      connection.on('close', forget);
      const channel = await connection.createConfirmChannel();
      channel.on('error', forget);
      channel.on('close', forget);
      return { connection, channel };
    })().catch((error: unknown) => {
      opening = undefined;
      throw error;
    }));
  return {
    arn: config.arn,
    async send(message) {
      const { channel } = await open();
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          channel.publish(config.exchange, config.routingKey, Buffer.from(message), { persistent: true, contentType: 'application/json' }, (error) =>
            error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
          );
        }),
        TARGET_TIMEOUT_MS,
        `amqp ${config.arn}`,
      );
    },
    async close() {
      const current = opening;
      opening = undefined;
      if (current) await current.then(({ connection }) => connection.close()).catch(() => {});
    },
  };
}
