import { LazyConnection, TARGET_TIMEOUT_MS, withTimeout, type EventTarget } from './target.js';

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
  const connection = new LazyConnection(
    async (forget) => {
      // Loaded on first use: a server without AMQP targets never pays for the client library.
      const { default: amqp } = await import('amqplib');
      const model = await withTimeout(amqp.connect(config.url), TARGET_TIMEOUT_MS, `amqp ${config.arn}`);
      model.on('error', forget);
      model.on('close', forget);
      const channel = await model.createConfirmChannel();
      channel.on('error', forget);
      channel.on('close', forget);
      return { model, channel };
    },
    ({ model }) => model.close(),
  );
  return {
    arn: config.arn,
    async send(message) {
      const { channel } = await connection.get();
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
    close: () => connection.close(),
  };
}
