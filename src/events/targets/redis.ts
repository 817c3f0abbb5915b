import type { Redis } from 'ioredis';
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
  // The client library is loaded (and the client made) on first use: a server without Redis
  // targets never pays for it.
  let made: Promise<Redis> | undefined;
  const client = (): Promise<Redis> =>
    (made ??= import('ioredis').then(({ Redis }) => {
      const redis = new Redis(config.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: TARGET_TIMEOUT_MS,
        commandTimeout: TARGET_TIMEOUT_MS,
        retryStrategy: () => null,
      });
      redis.on('error', () => {}); // a failed send reports it; the dispatcher retries
      return redis;
    }));
  return {
    arn: config.arn,
    async send(message) {
      const redis = await client();
      if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
      if (config.mode === 'stream') await redis.xadd(config.key, '*', 'event', message);
      else await redis.rpush(config.key, message);
    },
    async close() {
      (await made)?.disconnect();
    },
  };
}
