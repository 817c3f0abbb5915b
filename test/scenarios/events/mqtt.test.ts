import { after, before, describe, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { startServer, type TestServer } from '../../helpers/start-server.js';
import { EventSink } from '../../helpers/event-sink.js';
import { runEventScenario } from '../../helpers/event-scenario.js';
import { BROKERS, brokerMissing, uniqueName } from '../../helpers/brokers.js';

const ARN = 'arn:coffer:sqs:us-east-1:coffer:mqtt';
const skip = await brokerMissing('mqtt');

describe('event notifications: MQTT (Mosquitto)', { skip }, () => {
  let server: TestServer;
  let subscriber: MqttClient;
  const topic = `coffer/events/${uniqueName('mqtt')}`;
  const sink = new EventSink();
  before(async () => {
    subscriber = await mqtt.connectAsync(BROKERS.mqtt.url);
    subscriber.on('message', (_topic, payload) => sink.push(payload.toString('utf8')));
    await subscriber.subscribeAsync(topic, { qos: 1 });
    server = await startServer({
      notifyTargets: [{ arn: ARN, type: 'mqtt', url: BROKERS.mqtt.url, topic }],
      dispatch: { retryBaseMs: 50, log: () => {} },
    });
  });
  after(async () => {
    await server?.stop();
    await subscriber?.endAsync();
  });

  test('PutBucketNotificationConfiguration.mqtt: a QoS 1 subscriber receives exactly the events AWS sends', async () => {
    await runEventScenario(server, ARN, sink);
  });
});
