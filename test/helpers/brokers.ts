import { createConnection } from 'node:net';

/** The brokers on this machine (.ci/run starts those that are not running). */
export const BROKERS = {
  amqp: { url: 'amqp://guest:guest@127.0.0.1:5672', port: 5672 },
  redis: { url: 'redis://127.0.0.1:6379', port: 6379 },
  nats: { url: 'nats://127.0.0.1:4222', port: 4222 },
  mqtt: { url: 'mqtt://127.0.0.1:1883', port: 1883 },
} as const;

/**
 * undefined when the broker answers on its port; otherwise why its tests skip (on CI, where
 * .ci/run starts every broker, a missing one fails instead).
 */
export async function brokerMissing(name: keyof typeof BROKERS): Promise<string | undefined> {
  const up = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: BROKERS[name].port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (up) return undefined;
  if (process.env.CI === 'true') throw new Error(`${name} is not running on port ${BROKERS[name].port} (CI: .ci/run should have started it)`);
  return `${name} is not running on 127.0.0.1:${BROKERS[name].port}`;
}

let counter = 0;
/** A name unique to this test process (queues, keys, subjects, topics). */
export function uniqueName(label: string): string {
  return `coffer-test-${label}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
