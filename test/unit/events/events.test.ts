import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expandEventPattern } from '../../../src/events/event-types.js';
import { encodeEventKey, sequencerOf } from '../../../src/events/message.js';
import { deliveriesFor, rulesOverlap, type NotificationRule } from '../../../src/events/notification-config.js';
import { parseNotifyConfig } from '../../../src/events/notify-config.js';

const rule = (events: string[], prefix?: string, suffix?: string, id = 'r'): NotificationRule => ({ id, kind: 'Queue', arn: `arn:${id}`, events, prefix, suffix });

describe('event types, keys, filters, notify config', () => {
  test('expandEventPattern.wildcards cover their family; unknown names are refused', () => {
    assert.deepEqual(expandEventPattern('s3:ObjectRemoved:*'), ['ObjectRemoved:Delete', 'ObjectRemoved:DeleteMarkerCreated']);
    assert.deepEqual(expandEventPattern('s3:LifecycleTransition'), ['LifecycleTransition']);
    assert.equal(expandEventPattern('s3:Replication:*')!.length, 4);
    for (const bad of ['s3:ObjectCreated', 's3:*', 'ObjectCreated:Put', 's3:LifecycleTransition:*', 's3:objectcreated:put']) {
      assert.equal(expandEventPattern(bad), undefined, bad);
    }
  });

  test('encodeEventKey.form-URL-encoded as S3 does: space as +, slash kept', () => {
    assert.equal(encodeEventKey('photos/a b.jpg'), 'photos/a+b.jpg');
    assert.equal(encodeEventKey('date=2024-01-01/x:y+z'), 'date%3D2024-01-01/x%3Ay%2Bz');
    assert.equal(encodeEventKey("é(1)!'~*_.-"), '%C3%A9%281%29%21%27%7E*_.-');
  });

  test('sequencerOf.fixed-width hex: string order is numeric order', () => {
    assert.equal(sequencerOf(255), '00000000000000FF');
    assert.ok(sequencerOf(0x1000) > sequencerOf(0xfff));
  });

  test('deliveriesFor.matching type, prefix and suffix', () => {
    const config = { rules: [rule(['s3:ObjectCreated:*'], 'in/', '.csv', 'a'), rule(['s3:ObjectRemoved:Delete'], undefined, undefined, 'b')] };
    assert.deepEqual(deliveriesFor(config, 'ObjectCreated:Copy', 'in/x.csv'), [{ configurationId: 'a', targetArn: 'arn:a' }]);
    assert.deepEqual(deliveriesFor(config, 'ObjectCreated:Copy', 'in/x.txt'), []);
    assert.deepEqual(deliveriesFor(config, 'ObjectRemoved:DeleteMarkerCreated', 'in/x.csv'), []);
    assert.deepEqual(deliveriesFor(config, 'ObjectRemoved:Delete', 'any'), [{ configurationId: 'b', targetArn: 'arn:b' }]);
  });

  test('rulesOverlap.shared event type and a key matching both filters', () => {
    assert.equal(rulesOverlap(rule(['s3:ObjectCreated:*']), rule(['s3:ObjectCreated:Put'])), true);
    assert.equal(rulesOverlap(rule(['s3:ObjectCreated:*']), rule(['s3:ObjectRemoved:*'])), false);
    assert.equal(rulesOverlap(rule(['s3:ObjectCreated:*'], 'a/'), rule(['s3:ObjectCreated:*'], 'b/')), false);
    assert.equal(rulesOverlap(rule(['s3:ObjectCreated:*'], 'a/'), rule(['s3:ObjectCreated:*'], 'a/b/')), true);
    assert.equal(rulesOverlap(rule(['s3:ObjectCreated:*'], 'a/', '.jpg'), rule(['s3:ObjectCreated:*'], 'a/', '.png')), false);
    assert.equal(rulesOverlap(rule(['s3:ObjectCreated:*'], undefined, 'g.jpg'), rule(['s3:ObjectCreated:*'], 'a/', '.jpg')), true);
  });

  test('parseNotifyConfig.each type\'s fields are required; ARNs unique', () => {
    const ok = parseNotifyConfig(JSON.stringify({ targets: [
      { arn: 'arn:coffer:sqs:us-east-1:coffer:hook', type: 'webhook', url: 'http://127.0.0.1:8080/events' },
      { arn: 'arn:coffer:sqs:us-east-1:coffer:rabbit', type: 'amqp', url: 'amqp://127.0.0.1', routingKey: 'rk' },
    ] }));
    assert.equal(ok.length, 2);
    assert.equal((ok[1] as { exchange: string }).exchange, '', 'the default exchange');
    const bad: Array<[unknown, RegExp]> = [
      [{}, /expected \{"targets"/],
      [{ targets: [{ arn: 'nope', type: 'webhook', url: 'http://x' }] }, /"arn" must be an ARN/],
      [{ targets: [{ arn: 'arn:a:b:c:d:e', type: 'kafka' }] }, /"type" must be one of/],
      [{ targets: [{ arn: 'arn:a:b:c:d:e', type: 'redis', url: 'redis://x', key: 'k', mode: 'pubsub' }] }, /"mode" must be/],
      [{ targets: [{ arn: 'arn:a:b:c:d:e', type: 'nats', url: 'nats://x' }] }, /needs "subject"/],
      [{ targets: [{ arn: 'arn:a:b:c:d:e', type: 'webhook', url: 'http://x' }, { arn: 'arn:a:b:c:d:e', type: 'webhook', url: 'http://y' }] }, /declared twice/],
    ];
    for (const [doc, message] of bad) assert.throws(() => parseNotifyConfig(JSON.stringify(doc)), message);
    assert.throws(() => parseNotifyConfig('{'), /not JSON/);
  });
});
