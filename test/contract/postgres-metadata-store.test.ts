import { after, before, describe } from 'node:test';
import { PostgresMetadataStore } from '../../src/store/meta/postgres/postgres-store.js';
import { metadataStoreContract } from './metadata-store.contract.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres.js';

const skip = await postgresSkipReason();
if (skip) {
  describe('MetadataStore contract: postgres', { skip }, () => {});
} else {
  // One database for the run (created and dropped here); every case starts from empty tables.
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());
  metadataStoreContract('postgres', async () => {
    const store = await PostgresMetadataStore.open({ url: db.url });
    // DELETE, not TRUNCATE: on tables this small it is many times faster.
    await db.query('DELETE FROM bucket_configs; DELETE FROM buckets; DELETE FROM versions; DELETE FROM parts; DELETE FROM uploads; DELETE FROM completed_uploads; DELETE FROM blobs; DELETE FROM outbox; DELETE FROM access_keys; DELETE FROM users; DELETE FROM leases; DELETE FROM gateways; DELETE FROM gateway_heartbeats');
    return store;
  });
}
