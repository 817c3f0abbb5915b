import { connect, type NatsConnection } from 'nats';
import { TARGET_TIMEOUT_MS, type EventTarget } from './target.js';

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
  let opening: Promise<NatsConnection> | undefined;
  const open = () =>
    (opening ??= connect({ servers: config.url, timeout: TARGET_TIMEOUT_MS, reconnect: false }).then(
      (connection) => {
        void connection.closed().then(() => (opening = undefined));
        return connection;
      },
      (error: unknown) => {
        opening = undefined;
        throw error;
      },
    ));
  return {
    arn: config.arn,
    async send(message) {
      const connection = await open();
      await connection.jetstream({ timeout: TARGET_TIMEOUT_MS }).publish(config.subject, Buffer.from(message));
    },
    async close() {
      const current = opening;
      opening = undefined;
      if (current) await current.then((c) => c.close()).catch(() => {});
    },
  };
}
