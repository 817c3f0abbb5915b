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

/**
 * COFFER_TEST_ENDPOINT=http://host:port runs the scenarios against that S3 endpoint instead of an
 * in-process Coffer, with COFFER_TEST_ACCESS_KEY_ID / COFFER_TEST_SECRET_ACCESS_KEY (the root keys)
 * and COFFER_TEST_REGION (default us-east-1). Tests that need Coffer's internals cannot run so.
 */
const EXTERNAL_ENDPOINT = process.env.COFFER_TEST_ENDPOINT || undefined;

/** The skip reason of a test that needs Coffer's internals, when COFFER_TEST_ENDPOINT is set: `describe(…, { skip: NEEDS_INTERNALS })`. */
export const NEEDS_INTERNALS: string | false = EXTERNAL_ENDPOINT ? 'needs Coffer internals (server options, data dir, metadata store, a second user): COFFER_TEST_ENDPOINT is set' : false;

export const ROOT_KEYS = EXTERNAL_ENDPOINT
  ? { accessKeyId: requiredEnv('COFFER_TEST_ACCESS_KEY_ID'), secretAccessKey: requiredEnv('COFFER_TEST_SECRET_ACCESS_KEY') }
  : { accessKeyId: 'AKIACOFFERTESTROOT01', secretAccessKey: 'coffer/test/secret/key/0123456789abcdefgh' };

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`COFFER_TEST_ENDPOINT is set: ${name} must be set too`);
  return value;
}

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
 * An in-process Coffer on an ephemeral port with its own temporary data dir, or the server at
 * COFFER_TEST_ENDPOINT (see externalServer). COFFER_TEST_METADATA=postgres runs it on PostgreSQL
 * instead of SQLite, in a database of its own (test/helpers/postgres.ts) dropped when it stops:
 * whole scenario folders run on either store.
 */
export async function startServer(options: CofferOptions = {}): Promise<TestServer> {
  if (EXTERNAL_ENDPOINT) return externalServer(EXTERNAL_ENDPOINT, options);
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
    newBucket: (label, setup) => createBucket((root ??= make(ROOT_KEYS)), label, setup),
    async stop() {
      for (const client of clients) client.destroy();
      await coffer.close();
      await database?.drop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function createBucket(s3: S3Client, label = 'b', { versioning, keys = [] }: Parameters<TestServer['newBucket']>[1] = {}): Promise<string> {
  const bucket = uniqueBucket(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (versioning) await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: versioning } }));
  await Promise.all(keys.map((key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }))));
  return bucket;
}

/**
 * The server at COFFER_TEST_ENDPOINT, reached over HTTP only. What only an in-process Coffer has
 * (server options, its data dir and metadata store, the second user) throws when used, naming
 * NEEDS_INTERNALS: a test fails loudly rather than passing against something it never reached.
 */
function externalServer(endpoint: string, options: CofferOptions): TestServer {
  const missing = (what: string): never => {
    throw new Error(`${what}: ${NEEDS_INTERNALS as string} — mark the test { skip: NEEDS_INTERNALS }`);
  };
  if (Object.keys(options).length > 0) missing(`startServer(${Object.keys(options).join(', ')})`);
  const region = process.env.COFFER_TEST_REGION || 'us-east-1';
  const clients: S3Client[] = [];
  const make = (overrides: Partial<S3ClientConfig> = {}) => {
    const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: ROOT_KEYS, ...overrides });
    clients.push(client);
    return client;
  };
  let root: S3Client | undefined;
  return {
    get coffer(): RunningCoffer {
      return missing('server.coffer');
    },
    endpoint: endpoint.replace(/\/+$/, ''),
    get dataDir(): string {
      return missing('server.dataDir');
    },
    client: make,
    otherClient: () => missing('server.otherClient()'),
    openMetadataStore: async () => missing('server.openMetadataStore()'),
    newBucket: (label, setup) => createBucket((root ??= make()), label, setup),
    async stop() {
      for (const client of clients) client.destroy();
    },
  };
}

let bucketCounter = 0;
/** A fresh, valid bucket name per scenario. */
export function uniqueBucket(label = 'b'): string {
  bucketCounter++;
  return `${label.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 30)}-${process.pid}-${bucketCounter}-${Date.now().toString(36)}`.slice(0, 63);
}
