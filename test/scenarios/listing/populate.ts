import type { TestServer } from '../../helpers/start-server.js';

/**
 * Adds empty objects straight through the server's own MetadataStore (a second connection to its
 * SQLite file or PostgreSQL database): 10,000 PUTs over HTTP take minutes on a loaded 2-core box, this takes a second.
 * Listing reads only metadata, so what the clients then page through is exactly what PUTs would
 * have produced (zero-byte objects, no blobs). Writes go in chunks, each one group commit.
 */
export async function populateKeys(server: TestServer, bucket: string, keys: readonly string[]): Promise<void> {
  const store = await server.openMetadataStore();
  try {
    const ownerId = server.coffer.rootUser.id;
    for (let i = 0; i < keys.length; i += 5000) {
      await Promise.all(
        keys.slice(i, i + 5000).map((key) =>
          store.putVersion({
            bucket,
            key,
            versionId: 'null',
            isDeleteMarker: false,
            size: 0,
            etag: 'd41d8cd98f00b204e9800998ecf8427e',
            lastModified: new Date(),
            ownerId,
            headers: { contentType: 'binary/octet-stream' },
            userMetadata: {},
            storageClass: 'STANDARD',
            tags: [],
            manifest: [],
          }),
        ),
      );
    }
  } finally {
    await store.close();
  }
}
