import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { startServer, type TestServer } from '../../helpers/start-server.js';
import { EventSink } from '../../helpers/event-sink.js';
import { runEventScenario } from '../../helpers/event-scenario.js';
import { BROKERS, brokerMissing, uniqueName } from '../../helpers/brokers.js';

const ARN = 'arn:coffer:sqs:us-east-1:coffer:nats';
const skip = await brokerMissing('nats');

describe('event notifications: NATS JetStream', { skip }, () => {
  let server: TestServer;
  let nc: NatsConnection;
  const stream = uniqueName('stream').replace(/[^A-Za-z0-9_-]/g, '_');
  const subject = `coffer.events.${stream}`;
  const sink = new EventSink();
  before(async () => {
    nc = await connect({ servers: BROKERS.nats.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject] });
    server = await startServer({
      notifyTargets: [{ arn: ARN, type: 'nats', url: BROKERS.nats.url, subject }],
      dispatch: { retryBaseMs: 50, log: () => {} },
    });
  });
  after(async () => {
    await server?.stop();
    if (nc) {
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => {});
      await nc.close();
    }
  });

  test('PutBucketNotificationConfiguration.nats: the stream holds exactly the events AWS sends', async () => {
    // Read back from the stream itself: what JetStream acknowledged is what was stored.
    const js = nc.jetstream();
    const consumer = await js.consumers.get(stream);
    const messages = await consumer.consume();
    const reading = (async () => {
      for await (const message of messages) {
        sink.push(message.string());
        message.ack();
      }
    })();
    try {
      await runEventScenario(server, ARN, sink);
    } finally {
      await messages.close();
      await reading;
    }
  });
});
