import { after, before, describe, test } from 'node:test';
import amqp, { type ChannelModel } from 'amqplib';
import { startServer, type TestServer } from '../../helpers/start-server.js';
import { EventSink } from '../../helpers/event-sink.js';
import { runEventScenario } from '../../helpers/event-scenario.js';
import { BROKERS, brokerMissing, uniqueName } from '../../helpers/brokers.js';

const ARN = 'arn:coffer:sqs:us-east-1:coffer:rabbit';
const skip = await brokerMissing('amqp');

describe('event notifications: AMQP (RabbitMQ)', { skip }, () => {
  let server: TestServer;
  let connection: ChannelModel;
  const sink = new EventSink();
  before(async () => {
    // The events go through a topic exchange to a queue bound with the target's routing key.
    const queue = uniqueName('amqp');
    connection = await amqp.connect(BROKERS.amqp.url);
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, 'amq.topic', `s3.${queue}`);
    await channel.consume(queue, (message) => {
      if (!message) return;
      sink.push(message.content.toString('utf8'));
      channel.ack(message);
    });
    server = await startServer({
      notifyTargets: [{ arn: ARN, type: 'amqp', url: BROKERS.amqp.url, exchange: 'amq.topic', routingKey: `s3.${queue}` }],
      dispatch: { retryBaseMs: 50, log: () => {} },
    });
  });
  after(async () => {
    await server?.stop();
    await connection?.close();
  });

  test('PutBucketNotificationConfiguration.amqp: a queue bound to the exchange receives exactly the events AWS sends', async () => {
    await runEventScenario(server, ARN, sink);
  });
});
