import { Redis } from 'ioredis';
import { TARGET_TIMEOUT_MS, type EventTarget } from './target.js';

export interface RedisTargetConfig {
  readonly arn: string;
  readonly type: 'redis';
  /** redis://[:password@]host:6379[/db] */
  readonly url: string;
  /** The list or stream the events go to. */
  readonly key: string;
  /** 'list': RPUSH (consumers BLPOP in order); 'stream': XADD with the JSON in field `event`. */
  readonly mode: 'list' | 'stream';
}

/** Redis: the command's reply acknowledges. No offline queue: a down server fails the attempt. */
export function redisTarget(config: RedisTargetConfig): EventTarget {
  const client = new Redis(config.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: TARGET_TIMEOUT_MS,
    commandTimeout: TARGET_TIMEOUT_MS,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // a failed send reports it; the dispatcher retries
  return {
    arn: config.arn,
    async send(message) {
      if (client.status === 'wait' || client.status === 'end') await client.connect();
      if (config.mode === 'stream') await client.xadd(config.key, '*', 'event', message);
      else await client.rpush(config.key, message);
    },
    async close() {
      client.disconnect();
    },
  };
}
