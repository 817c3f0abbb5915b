import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createAuthorizer, ownershipRule } from './access/authorize.js';
import type { User } from './auth/credentials.js';
import { IdentityDirectory } from './auth/identities.js';
import { accountIdFor, loadRootUser, loadUsersFile } from './auth/users.js';
import { documentPolicies } from './access/policies.js';
import type { CofferConfig } from './config.js';
import { prepareDataDir } from './data-dir.js';
import { createPipeline } from './http/pipeline.js';
import { createHttpServer, type HttpServerOptions } from './http/server.js';
import type { Services } from './ops/types.js';
import { startScheduler } from './jobs/scheduler.js';
import { FsBlobStore } from './store/blob/fs-blob-store.js';
import { collectOrphans } from './store/collector.js';
import type { IoProbe } from './store/io-probe.js';
import type { MetadataStore } from './store/meta/metadata-store.js';
import { SqliteMetadataStore } from './store/meta/sqlite/sqlite-store.js';
import { PostgresMetadataStore } from './store/meta/postgres/postgres-store.js';
import { lockDataDir } from './data-dir-lock.js';
import { redactUrl } from './config.js';

const CLOSE_SWEEP_MS = 50;
const IDENTITY_POLL_MS = 1000;

export interface CofferOptions extends Partial<CofferConfig> {
  /** Extra users besides the root user. */
  readonly users?: readonly User[];
  /** Where unexpected errors go (default: console.error with the request id). */
  readonly logError?: (requestId: string, error: unknown) => void;
  /** Where start-up warnings go, e.g. a data dir tightened to 0700 (default: console.warn). */
  readonly warn?: (message: string) => void;
  /** Tests only: the stores' I/O probe, through which test/faults injects disk and database faults. */
  readonly ioProbe?: IoProbe;
  /** A lower cap than AWS's on the buckets one user may own (default and maximum: limits.bucketsPerUserMax). */
  readonly bucketsPerUserMax?: number;
  /** The HTTP server's caps and timeouts (defaults from limits.ts), e.g. lower ones for tests. */
  readonly http?: HttpServerOptions;
}

export interface RunningCoffer {
  /** e.g. http://127.0.0.1:9000 */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly rootUser: User;
  /** The account id policies name (`arn:aws:iam::ACCOUNT:user/NAME`). */
  readonly accountId: string;
  /** The account's users and keys: changes through it take effect before they resolve. */
  readonly identities: IdentityDirectory;
  /** True when the root keys were generated at this start (first run with no keys set). */
  readonly generatedCredentials: boolean;
  /** Stops accepting, lets in-flight requests finish, closes the stores. */
  close(): Promise<void>;
}

/** Starts a Coffer server in this process: the embedding API, used by main.ts and by tests. */
export async function startCoffer(options: CofferOptions = {}): Promise<RunningCoffer> {
  const dataDir = resolve(options.dataDir ?? './data');
  const region = options.region ?? 'us-east-1';
  await prepareDataDir(dataDir, options.warn ?? ((message) => console.warn(`coffer: warning: ${message}`)));
  const root = await loadRootUser(dataDir, options.accessKeyId, options.secretAccessKey);
  const fileUsers = options.usersFile ? await loadUsersFile(options.usersFile) : [];
  const metadata = options.metadata ?? 'sqlite';
  const shared = isPostgresUrl(metadata);
  // An embedded data dir has one owner; gateways on PostgreSQL share theirs.
  const lock = shared ? undefined : lockDataDir(dataDir);
  let meta: MetadataStore;
  try {
    meta = await openMetadataStore(metadata, dataDir, options.ioProbe);
  } catch (error) {
    lock?.release();
    throw error;
  }
  let identities: IdentityDirectory;
  try {
    identities = await IdentityDirectory.open(meta.identities, root.user);
    await identities.importUsers([...fileUsers, ...(options.users ?? [])]);
  } catch (error) {
    // A users file naming a taken canonical id, an invalid user name: one line at start-up.
    await meta.close();
    lock?.release();
    throw error;
  }
  const blobs = await FsBlobStore.open(dataDir, { probe: options.ioProbe });
  // One process owns an embedded data dir, so anything unreferenced at start-up is debris. A
  // shared one may hold other gateways' uploads in flight: only what is older than any upload
  // can be is collected there.
  await collectOrphans(meta, blobs, Date.now() - (shared ? SHARED_ORPHAN_AGE_MS : 0));

  const accountId = accountIdFor(root.user.id);
  const identityPolicies = (user: User) => identities.identityPolicies(user);
  const authorize = createAuthorizer([
    ownershipRule(root.user.id, (user) => identityPolicies(user) !== undefined),
    documentPolicies({ accountId, rootUserId: root.user.id, identityPolicies }),
  ]);
  const lifecycleDayMs = (options.lifecycleDaySeconds ?? 86_400) * 1000;
  const services: Services = {
    meta,
    blobs,
    credentials: identities,
    region,
    authorize,
    bucketsPerUserMax: options.bucketsPerUserMax,
    lifecycleDayMs,
  };
  const logError = options.logError ?? ((requestId, error) => console.error(`[${requestId}] internal error:`, error));
  // Identity changes another process makes (`coffer key disable` on a running server) apply within this interval.
  const stopWatching = identities.watch(IDENTITY_POLL_MS, (error) => logError('identities', error));
  const server = createHttpServer(createPipeline({ services, domain: options.domain ?? 'localhost', logError }), options.http);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9000, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const scheduler = startScheduler({ meta, blobs, dayMs: lifecycleDayMs, logError: (error) => logError('lifecycle', error) });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${address.port}`,
    port: address.port,
    region,
    rootUser: root.user,
    accountId,
    identities,
    generatedCredentials: root.generated,
    close() {
      closing ??= (async () => {
        await new Promise<void>((done) => {
          // close() drops the connections idle now; one still serving a request becomes idle
          // (keep-alive) when it finishes and must be dropped then, not when the client lets go.
          const sweep = setInterval(() => server.closeIdleConnections(), CLOSE_SWEEP_MS);
          server.close(() => {
            clearInterval(sweep);
            done();
          });
          server.closeIdleConnections();
        });
        stopWatching();
        await scheduler.stop();
        await meta.close();
        lock?.release();
      })();
      return closing;
    },
  };
}

/**
 * A gateway on a shared data dir collects, at start-up, blobs and temp files older than this:
 * longer than any upload takes (request timeouts end stalled ones far sooner).
 */
const SHARED_ORPHAN_AGE_MS = 24 * 60 * 60 * 1000;

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

export async function openMetadataStore(spec: string, dataDir: string, probe?: IoProbe): Promise<MetadataStore> {
  if (spec === 'sqlite') return new SqliteMetadataStore({ path: join(dataDir, 'metadata.sqlite'), probe });
  if (spec === 'memory') return new SqliteMetadataStore({ path: ':memory:' });
  if (isPostgresUrl(spec)) {
    try {
      return await PostgresMetadataStore.open({ url: spec });
    } catch (error) {
      throw new Error(`metadata database ${redactUrl(spec)}: ${(error as Error).message}`);
    }
  }
  throw new Error(`unsupported metadata store '${redactUrl(spec)}' (expected 'sqlite' or postgres://…)`);
}
