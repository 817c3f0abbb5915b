import { PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import type { MetadataStore, NewVersion } from '../../../src/store/meta/metadata-store.js';
import type { TestServer } from '../../helpers/start-server.js';

/**
 * A second connection to the server's own metadata store, for states HTTP cannot reach cheaply
 * (a 6 GiB object). Only object rows are written this way: the server caches bucket records.
 */
async function withStore<T>(server: TestServer, use: (store: MetadataStore) => Promise<T>): Promise<T> {
  const store = await server.openMetadataStore();
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Through the API, so the server's bucket cache sees the change. */
export async function setVersioning(server: TestServer, bucket: string, state: 'Enabled' | 'Suspended'): Promise<void> {
  await server.client().send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: state } }));
}

/** Records an object version directly (e.g. a size no test can upload). */
export function putVersionDirect(server: TestServer, version: Omit<NewVersion, 'ownerId'>): Promise<void> {
  return withStore(server, async (store) => {
    await store.putVersion({ ...version, ownerId: server.coffer.rootUser.id });
  });
}
