import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { startCoffer, type CofferOptions, type RunningCoffer } from '../../src/coffer.js';
import type { User } from '../../src/auth/credentials.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import type { MetadataStore } from '../../src/store/meta/metadata-store.js';
import { SqliteMetadataStore } from '../../src/store/meta/sqlite/sqlite-store.js';
import { PostgresMetadataStore } from '../../src/store/meta/postgres/postgres-store.js';

export const ROOT_KEYS = { accessKeyId: 'AKIACOFFERTESTROOT01', secretAccessKey: 'coffer/test/secret/key/0123456789abcdefgh' };

export const OTHER_USER: User = {
  accessKeyId: 'AKIACOFFERTESTOTHER1',
  secretAccessKey: 'other/test/secret/key/0123456789abcdefghij',
  id: 'b'.repeat(64),
  displayName: 'other-user',
};

export interface TestServer {
  readonly coffer: RunningCoffer;
  readonly endpoint: string;
  readonly dataDir: string;
  /** An SDK client with the root user's keys, path-style. */
  client(overrides?: Partial<S3ClientConfig>): S3Client;
  /** An SDK client acting as another user. */
  otherClient(): S3Client;
  /**
   * Creates a fresh bucket (uniqueBucket(label)) owned by the root user and returns its name;
   * optionally with versioning set, and with `keys` put (each object's body is its key).
   */
  newBucket(label?: string, options?: { versioning?: 'Enabled' | 'Suspended'; keys?: readonly string[] }): Promise<string>;
  /**
   * A second connection to the server's own metadata store (SQLite file or PostgreSQL database),
   * for states HTTP cannot reach cheaply. The caller closes it.
   */
  openMetadataStore(): Promise<MetadataStore>;
  stop(): Promise<void>;
}

/** The metadata store startServer() gives servers: COFFER_TEST_METADATA=postgres, or SQLite. */
export const TEST_METADATA: 'postgres' | 'sqlite' = process.env.COFFER_TEST_METADATA === 'postgres' ? 'postgres' : 'sqlite';

/**
 * An in-process Coffer on an ephemeral port with its own temporary data dir. (Pointing the
 * scenarios at another S3 endpoint is not supported yet: some of them read the data dir.)
 * COFFER_TEST_METADATA=postgres runs it on PostgreSQL instead of SQLite, in a database of its
 * own (test/helpers/postgres.ts) dropped when it stops: whole scenario folders run on either store.
 */
export async function startServer(options: CofferOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'coffer-test-')));
  let database: TestDatabase | undefined;
  if (options.metadata === undefined && TEST_METADATA === 'postgres') database = await createTestDatabase();
  const coffer = await startCoffer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    accessKeyId: ROOT_KEYS.accessKeyId,
    secretAccessKey: ROOT_KEYS.secretAccessKey,
    users: [OTHER_USER],
    ...(database ? { metadata: database.url } : {}),
    ...options,
  });
  const clients: S3Client[] = [];
  let root: S3Client | undefined;
  const make = (credentials: { accessKeyId: string; secretAccessKey: string }, overrides: Partial<S3ClientConfig> = {}) => {
    const client = new S3Client({ endpoint: coffer.endpoint, region: coffer.region, forcePathStyle: true, credentials, ...overrides });
    clients.push(client);
    return client;
  };
  return {
    coffer,
    endpoint: coffer.endpoint,
    dataDir,
    client: (overrides) => make(ROOT_KEYS, overrides),
    otherClient: () => make(OTHER_USER),
    async openMetadataStore() {
      const metadata = options.metadata ?? database?.url ?? 'sqlite';
      if (metadata === 'sqlite') return new SqliteMetadataStore({ path: join(dataDir, 'metadata.sqlite') });
      return PostgresMetadataStore.open({ url: metadata });
    },
    async newBucket(label = 'b', { versioning, keys = [] } = {}) {
      const bucket = uniqueBucket(label);
      const s3 = (root ??= make(ROOT_KEYS));
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      if (versioning) await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: versioning } }));
      await Promise.all(keys.map((key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }))));
      return bucket;
    },
    async stop() {
      for (const client of clients) client.destroy();
      await coffer.close();
      await database?.drop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let bucketCounter = 0;
/** A fresh, valid bucket name per scenario. */
export function uniqueBucket(label = 'b'): string {
  bucketCounter++;
  return `${label.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 30)}-${process.pid}-${bucketCounter}-${Date.now().toString(36)}`.slice(0, 63);
}
