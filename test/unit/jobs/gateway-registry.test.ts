/**
 * A gateway judged dead never writes under its old id again: its renewal is refused, it
 * registers under a new id, and the blob store is told the new id. On a real SQLite store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinRegistry } from '../../../src/jobs/gateway-registry.js';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';

test('GatewayRegistry.judged dead: registers under a new id, tells it, and never renews the old one', async () => {
  const meta = new SqliteMetadataStore({ path: ':memory:' });
  const told: string[] = [];
  const errors: unknown[] = [];
  const registration = await joinRegistry(meta, { heartbeatMs: 20, logError: (error) => errors.push(error), onNewId: (id) => told.push(id) });
  try {
    const judged = registration.id;
    const [record] = await meta.listGateways();
    await meta.markGatewaysDead([{ id: judged, heartbeatAt: record!.heartbeatAt }], new Date());
    const started = Date.now();
    while (registration.id === judged) {
      assert.ok(Date.now() - started < 5_000, 'no new registration within 5 s');
      await new Promise((resume) => setTimeout(resume, 10));
    }
    assert.deepEqual(told, [registration.id]);
    assert.equal(errors.length, 1);
    const gateways = await meta.listGateways();
    // The old row stays marked (the collector forgets it once it has collected); the new one renews.
    assert.deepEqual(gateways.map((g) => [g.id, g.deadAt !== undefined]).sort(), [[judged, true], [registration.id, false]].sort());
  } finally {
    await registration.leave();
    await meta.close();
  }
});
