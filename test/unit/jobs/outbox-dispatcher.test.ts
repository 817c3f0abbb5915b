import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OutboxDispatcher } from '../../../src/jobs/outbox-dispatcher.js';
import type { EventEnvelope, EventTarget } from '../../../src/events/targets/target.js';
import type { EventDelivery, MetadataStore } from '../../../src/store/meta/metadata-store.js';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';

const OWNER = 'a'.repeat(64);

/** A target that records what it acknowledged, and can refuse or delay chosen messages. */
class RecordingTarget implements EventTarget {
  readonly acked: Array<{ key: string; name: string; sequencer: string }> = [];
  failuresLeft = 0;
  delayMs: (envelope: EventEnvelope) => number = () => 0;
  constructor(readonly arn: string) {}
  async send(message: string, envelope: EventEnvelope): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs(envelope)));
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('target down');
    }
    const record = JSON.parse(message).Records[0];
    this.acked.push({ key: envelope.key, name: envelope.name, sequencer: record.s3.object.sequencer });
  }
  async close(): Promise<void> {}
}

async function appendEvent(store: MetadataStore, key: string, name: string, deliveries: EventDelivery[]): Promise<void> {
  await store.putVersion(
    {
      bucket: 'bkt', key, versionId: 'null', isDeleteMarker: false, size: 1, etag: 'e', lastModified: new Date(), ownerId: OWNER,
      headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest: [],
    },
    undefined,
    {
      events: [{
        name, bucket: 'bkt', key, time: new Date(), region: 'us-east-1', bucketOwnerId: OWNER, object: { size: 1, etag: 'e' },
        request: { requestId: 'R', hostId: 'H', principalId: OWNER, sourceIp: '127.0.0.1' }, deliveries,
      }],
    },
  );
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('OutboxDispatcher', () => {
  let store: SqliteMetadataStore;
  const dispatchers: OutboxDispatcher[] = [];
  const start = (targets: EventTarget[], holder = 'g1', extra = {}) => {
    const dispatcher = new OutboxDispatcher({
      meta: store, targets: new Map(targets.map((t) => [t.arn, t])), holder, pollMs: 50, leaseTtlMs: 300, retryBaseMs: 10, retryMaxMs: 40, log: () => {}, ...extra,
    });
    dispatchers.push(dispatcher);
    dispatcher.start();
    return dispatcher;
  };
  beforeEach(async () => {
    store = new SqliteMetadataStore({ path: ':memory:' });
    await store.createBucket({ name: 'bkt', ownerId: OWNER, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
  });
  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await d.stop();
    await store.close();
  });

  test('dispatch.every record once, in order per key, then deleted from the outbox', async () => {
    const target = new RecordingTarget('arn:t');
    // Key 'slow' takes longer per message: other keys overtake it, its own order holds.
    target.delayMs = (e) => (e.key === 'slow' ? 15 : 0);
    const dispatcher = start([target]);
    for (let i = 0; i < 5; i++) {
      await appendEvent(store, 'slow', `ObjectCreated:Put`, [{ configurationId: 'c', targetArn: 'arn:t' }]);
      await appendEvent(store, `fast${i}`, 'ObjectCreated:Put', [{ configurationId: 'c', targetArn: 'arn:t' }]);
    }
    await until(async () => target.acked.length === 10 && (await store.listOutbox(0, 100)).length === 0);
    const slow = target.acked.filter((a) => a.key === 'slow').map((a) => a.sequencer);
    assert.deepEqual(slow, [...slow].sort());
    assert.equal(slow.length, 5);
    assert.deepEqual({ ...dispatcher.counters }, { queued: 10, delivered: 10, retried: 0, failed: 0 });
  });

  test('dispatch.a backlog larger than the memory bound: never more records in memory than the bound; all delivered, in order per key', async () => {
    const target = new RecordingTarget('arn:t');
    target.delayMs = () => 2;
    for (let i = 0; i < 5; i++) {
      for (let k = 0; k < 8; k++) await appendEvent(store, `k${k}`, i % 2 === 0 ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete', [{ configurationId: 'c', targetArn: 'arn:t' }]);
    }
    let inMemoryMax = 0;
    const send = target.send.bind(target);
    target.send = async (message, envelope) => {
      // The record being sent is in memory until its delivery is counted.
      inMemoryMax = Math.max(inMemoryMax, dispatcher.counters.queued - dispatcher.counters.delivered);
      return send(message, envelope);
    };
    const dispatcher = start([target], 'g1', { recordsInMemoryMax: 5 });
    await until(() => target.acked.length === 40);
    assert.ok(inMemoryMax <= 5, `at most 5 records in memory, saw ${inMemoryMax}`);
    assert.ok(inMemoryMax >= 2, `keys delivered side by side (saw ${inMemoryMax} in memory)`);
    for (let k = 0; k < 8; k++) {
      assert.deepEqual(target.acked.filter((a) => a.key === `k${k}`).map((a) => a.name), ['ObjectCreated:Put', 'ObjectRemoved:Delete', 'ObjectCreated:Put', 'ObjectRemoved:Delete', 'ObjectCreated:Put']);
    }
  });

  test('dispatch.a failing target: retried with back-off; the key\'s later events wait for it', async () => {
    const target = new RecordingTarget('arn:t');
    const dispatcher = start([target]);
    target.failuresLeft = 3;
    await appendEvent(store, 'k', 'ObjectCreated:Put', [{ configurationId: 'c', targetArn: 'arn:t' }]);
    await appendEvent(store, 'k', 'ObjectRemoved:Delete', [{ configurationId: 'c', targetArn: 'arn:t' }]);
    await until(() => target.acked.length === 2);
    assert.deepEqual(target.acked.map((a) => a.name), ['ObjectCreated:Put', 'ObjectRemoved:Delete']);
    assert.equal(dispatcher.counters.failed, 3);
    assert.equal(dispatcher.counters.retried, 3);
  });

  test('dispatch.a record leaves the outbox only when every delivery is acknowledged', async () => {
    const up = new RecordingTarget('arn:up');
    const down = new RecordingTarget('arn:down');
    down.failuresLeft = Number.MAX_SAFE_INTEGER;
    start([up, down]);
    await appendEvent(store, 'k', 'ObjectCreated:Put', [{ configurationId: 'a', targetArn: 'arn:up' }, { configurationId: 'b', targetArn: 'arn:down' }]);
    await until(() => up.acked.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await store.listOutbox(0, 10)).length, 1);
    assert.equal(up.acked.length, 1, 'the acknowledged delivery is not repeated while the other is retried');
    down.failuresLeft = 0;
    await until(async () => down.acked.length === 1 && (await store.listOutbox(0, 10)).length === 0);
  });

  test('dispatch.an ARN no longer declared: the delivery is dropped and counted as failed', async () => {
    const dispatcher = start([]);
    await appendEvent(store, 'k', 'ObjectCreated:Put', [{ configurationId: 'c', targetArn: 'arn:gone' }]);
    await until(async () => (await store.listOutbox(0, 10)).length === 0);
    assert.equal(dispatcher.counters.failed, 1);
  });

  test('dispatch.two gateways: only the lease holder delivers; the other takes over when it stops', async () => {
    const first = new RecordingTarget('arn:t');
    const second = new RecordingTarget('arn:t');
    const a = start([first], 'gateway-a');
    await until(async () => !(await store.acquireLease('outbox-dispatcher', 'probe', new Date(), new Date(Date.now() + 1))).held);
    const b = start([second], 'gateway-b');
    for (let i = 0; i < 5; i++) await appendEvent(store, `k${i}`, 'ObjectCreated:Put', [{ configurationId: 'c', targetArn: 'arn:t' }]);
    await until(() => first.acked.length === 5);
    assert.equal(second.acked.length, 0);
    await a.stop();
    for (let i = 5; i < 8; i++) await appendEvent(store, `k${i}`, 'ObjectCreated:Put', [{ configurationId: 'c', targetArn: 'arn:t' }]);
    await until(() => second.acked.length === 3);
    assert.equal(first.acked.length, 5);
    assert.equal(b.counters.delivered, 3);
  });
});
