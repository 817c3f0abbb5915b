import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { startCoffer, type CofferOptions, type RunningCoffer } from '../../src/coffer.js';
import type { User } from '../../src/auth/credentials.js';

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
  stop(): Promise<void>;
}

/**
 * An in-process Coffer on an ephemeral port with its own temporary data dir. (Pointing the
 * scenarios at another S3 endpoint is not supported yet: some of them read the data dir.)
 */
export async function startServer(options: CofferOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'coffer-test-')));
  const coffer = await startCoffer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    accessKeyId: ROOT_KEYS.accessKeyId,
    secretAccessKey: ROOT_KEYS.secretAccessKey,
    users: [OTHER_USER],
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
