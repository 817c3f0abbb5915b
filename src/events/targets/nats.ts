import { LazyConnection, TARGET_TIMEOUT_MS, type EventTarget } from './target.js';

export interface NatsTargetConfig {
  readonly arn: string;
  readonly type: 'nats';
  /** nats://host:4222 */
  readonly url: string;
  /** A subject some JetStream stream captures. */
  readonly subject: string;
}

/** NATS JetStream publish: the stream's PubAck acknowledges (no stream on the subject: an error). */
export function natsTarget(config: NatsTargetConfig): EventTarget {
  const connection = new LazyConnection(
    async (forget) => {
      // Loaded on first use: a server without NATS targets never pays for the client library.
      const { connect } = await import('nats');
      const nc = await connect({ servers: config.url, timeout: TARGET_TIMEOUT_MS, reconnect: false });
      void nc.closed().then(forget);
      return nc;
    },
    (nc) => nc.close(),
  );
  return {
    arn: config.arn,
    async send(message) {
      const nc = await connection.get();
      await nc.jetstream({ timeout: TARGET_TIMEOUT_MS }).publish(config.subject, Buffer.from(message));
    },
    close: () => connection.close(),
  };
}
