import { join } from 'node:path';
import type { NewVersion, VersioningState } from '../../../src/store/meta/metadata-store.js';
import { SqliteMetadataStore } from '../../../src/store/meta/sqlite/sqlite-store.js';
import type { TestServer } from '../../helpers/start-server.js';

/**
 * A second connection to the server's own metadata store, for states HTTP cannot reach in this
 * branch (versioning before PutBucketVersioning lands) or cannot reach cheaply (a 6 GiB object).
 */
async function withStore<T>(server: TestServer, use: (store: SqliteMetadataStore) => Promise<T>): Promise<T> {
  const store = new SqliteMetadataStore({ path: join(server.dataDir, 'metadata.sqlite') });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

export function setVersioning(server: TestServer, bucket: string, state: VersioningState): Promise<void> {
  return withStore(server, (store) => store.setBucketVersioning(bucket, state));
}

/** Records an object version directly (e.g. a size no test can upload). */
export function putVersionDirect(server: TestServer, version: Omit<NewVersion, 'ownerId'>): Promise<void> {
  return withStore(server, async (store) => {
    await store.putVersion({ ...version, ownerId: server.coffer.rootUser.id });
  });
}
