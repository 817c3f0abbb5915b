/**
 * The event outbox with several gateways on one PostgreSQL database: each gateway writes through
 * its own store and runs its own dispatcher; the lease lets one of them dispatch. Every event is
 * delivered once, in order per key, whichever gateway wrote it — and when the dispatching gateway
 * stops, another takes over.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { EventTarget } from '../../src/events/targets/target.js';
import { OutboxDispatcher } from '../../src/jobs/outbox-dispatcher.js';
import type { MetadataStore, OutboxEvent } from '../../src/store/meta/metadata-store.js';
import { PostgresMetadataStore } from '../../src/store/meta/postgres/postgres-store.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.js';

const skip = await postgresSkipReason();
const OWNER = 'a'.repeat(64);
const ARN = 'arn:coffer:sqs:us-east-1:coffer:t';

/** One shared record of acknowledged events: which gateway delivered each (key, sequencer). */
const delivered: Array<{ gateway: string; key: string; sequencer: string; etag: string }> = [];
function target(gateway: string): EventTarget {
  return {
    arn: ARN,
    async send(message, envelope) {
      const { s3 } = JSON.parse(message).Records[0];
      delivered.push({ gateway, key: envelope.key, sequencer: s3.object.sequencer, etag: s3.object.eTag });
    },
    async close() {},
  };
}

async function put(store: MetadataStore, key: string, etag: string): Promise<void> {
  await store.putVersion(
    {
      bucket: 'bkt', key, versionId: 'null', isDeleteMarker: false, size: 1, etag, lastModified: new Date(), ownerId: OWNER,
      headers: {}, userMetadata: {}, storageClass: 'STANDARD', tags: [], manifest: [],
    },
    undefined,
    { events: [createdEvent(key, etag)] },
  );
}

function createdEvent(key: string, etag: string): OutboxEvent {
  return {
    name: 'ObjectCreated:Put', bucket: 'bkt', key, time: new Date(), region: 'us-east-1', bucketOwnerId: OWNER, object: { size: 1, etag },
    request: { requestId: 'R', hostId: 'H', principalId: OWNER, sourceIp: '127.0.0.1' }, deliveries: [{ configurationId: 'c', targetArn: ARN }],
  };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out; delivered ${delivered.length}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('PostgreSQL: the outbox dispatched by one of several gateways', { skip }, () => {
  let db: TestDatabase;
  let stores: PostgresMetadataStore[];
  let dispatchers: OutboxDispatcher[];
  before(async () => {
    db = await createTestDatabase();
    stores = await Promise.all(['a', 'b', 'c'].map(() => PostgresMetadataStore.open({ url: db.url })));
    await stores[0]!.createBucket({ name: 'bkt', ownerId: OWNER, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
    // The production lease (15 s, renewed every 5 s): a shorter one expired under a loaded
    // machine's stalls and let a second gateway redeliver — at-least-once is the contract after
    // a lost lease, but "once" is what this test proves while the holder lives.
    dispatchers = ['a', 'b', 'c'].map((gateway, i) =>
      new OutboxDispatcher({ meta: stores[i]!, targets: new Map([[ARN, target(gateway)]]), holder: gateway, pollMs: 50, log: () => {} }));
    for (const d of dispatchers) d.start();
  });
  after(async () => {
    for (const d of dispatchers ?? []) await d.stop();
    await Promise.all(stores?.map((s) => s.close()) ?? []);
    await db?.drop();
  });

  test('outbox.writes through three gateways: each event delivered once, per-key order, by the lease holder', async () => {
    const writes: Promise<void>[] = [];
    for (let round = 0; round < 5; round++) {
      for (let k = 0; k < 8; k++) writes.push(put(stores[(round + k) % 3]!, `k${k}`, `r${round}`));
      await Promise.all(writes.splice(0));
    }
    await until(() => delivered.length >= 40);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(delivered.length, 40, 'no event delivered twice');
    assert.equal(new Set(delivered.map((d) => d.gateway)).size, 1, 'one gateway dispatched');
    for (let k = 0; k < 8; k++) {
      const ofKey = delivered.filter((d) => d.key === `k${k}`);
      assert.deepEqual(ofKey.map((d) => d.etag), ['r0', 'r1', 'r2', 'r3', 'r4']);
    }
  });

  test('outbox.the dispatching gateway stops: another takes over and delivers the rest', async () => {
    const holder = delivered[0]!.gateway;
    const index = ['a', 'b', 'c'].indexOf(holder);
    await dispatchers[index]!.stop();
    delivered.length = 0;
    for (let k = 0; k < 6; k++) await put(stores[k % 3]!, `after-${k}`, 'x');
    // The stopped holder released its lease; the others try for it at every renewal tick (5 s).
    await until(() => delivered.length >= 6, 20_000);
    assert.ok(delivered.every((d) => d.gateway !== holder));
    // Acknowledged records leave the outbox (deleted in batches, just after).
    await until(async () => (await stores[0]!.listOutbox(0, 100)).length === 0);
  });
});

describe('PostgreSQL: a new leader and a transaction still in flight', { skip }, () => {
  let db: TestDatabase;
  let store: PostgresMetadataStore;
  before(async () => {
    db = await createTestDatabase();
    store = await PostgresMetadataStore.open({ url: db.url });
    await store.createBucket({ name: 'bkt', ownerId: OWNER, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned', objectLockEnabled: false });
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  test('outbox.a seq below the first record a new leader reads, committed later, is taken before the key\'s next record', async () => {
    delivered.length = 0;
    // The key's first event takes its seq in a transaction that has not committed yet (as a
    // write through another gateway would), and another key's later seq commits.
    const inFlight = new pg.Client({ connectionString: db.url });
    await inFlight.connect();
    await inFlight.query('BEGIN');
    await inFlight.query('INSERT INTO outbox (event) VALUES ($1)', [JSON.stringify(createdEvent('slow', 'r0'))]);
    await put(store, 'other', 'x');
    // A slow poll, so that only the gap wait (not the periodic sweep) can take the late record.
    const dispatcher = new OutboxDispatcher({ meta: store, targets: new Map([[ARN, target('a')]]), holder: 'a', pollMs: 60_000, log: () => {} });
    dispatcher.start();
    try {
      await until(() => delivered.some((d) => d.key === 'other'));
      await inFlight.query('COMMIT');
      // The key's next write commits after its first one, as a key's writes do.
      await put(store, 'slow', 'r1');
      await until(() => delivered.filter((d) => d.key === 'slow').length >= 2);
      assert.deepEqual(delivered.filter((d) => d.key === 'slow').map((d) => d.etag), ['r0', 'r1']);
    } finally {
      await inFlight.end();
      await dispatcher.stop();
    }
  });
});

