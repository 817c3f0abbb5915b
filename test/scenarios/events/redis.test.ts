import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startServer, type TestServer } from '../../helpers/start-server.js';
import { EventSink } from '../../helpers/event-sink.js';
import { runEventScenario } from '../../helpers/event-scenario.js';
import { BROKERS, brokerMissing, uniqueName } from '../../helpers/brokers.js';

const LIST_ARN = 'arn:coffer:sqs:us-east-1:coffer:redis-list';
const STREAM_ARN = 'arn:coffer:sqs:us-east-1:coffer:redis-stream';
const skip = await brokerMissing('redis');

describe('event notifications: Redis', { skip }, () => {
  let server: TestServer;
  let redis: Redis;
  const listKey = uniqueName('list');
  const streamKey = uniqueName('stream');
  before(async () => {
    redis = new Redis(BROKERS.redis.url);
    server = await startServer({
      notifyTargets: [
        { arn: LIST_ARN, type: 'redis', url: BROKERS.redis.url, key: listKey, mode: 'list' },
        { arn: STREAM_ARN, type: 'redis', url: BROKERS.redis.url, key: streamKey, mode: 'stream' },
      ],
      dispatch: { retryBaseMs: 50, log: () => {} },
    });
  });
  after(async () => {
    await server?.stop();
    await redis?.del(listKey, streamKey);
    redis?.disconnect();
  });

  test('PutBucketNotificationConfiguration.redis list: RPUSHed events are exactly the ones AWS sends', async () => {
    const sink = new EventSink();
    let stop = false;
    const reader = redis.duplicate();
    const reading = (async () => {
      while (!stop) {
        const popped = await reader.blpop(listKey, 0.2);
        if (popped) sink.push(popped[1]);
      }
    })();
    try {
      await runEventScenario(server, LIST_ARN, sink);
    } finally {
      stop = true;
      await reading;
      reader.disconnect();
    }
  });

  test('PutBucketNotificationConfiguration.redis stream: XADDed entries carry the event JSON in field `event`', async () => {
    const sink = new EventSink();
    let stop = false;
    let last = '0';
    const reader = redis.duplicate();
    const reading = (async () => {
      while (!stop) {
        const result = await reader.xread('BLOCK', 200, 'STREAMS', streamKey, last);
        for (const [, entries] of result ?? []) {
          for (const [id, fields] of entries) {
            last = id;
            assert.equal(fields[0], 'event');
            sink.push(fields[1]!);
          }
        }
      }
    })();
    try {
      await runEventScenario(server, STREAM_ARN, sink);
    } finally {
      stop = true;
      await reading;
      reader.disconnect();
    }
  });
});
