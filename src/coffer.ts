import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createAuthorizer, ownershipRule } from './access/authorize.js';
import { withAdminApi } from './admin/admin-api.js';
import { aclSource } from './access/acl-source.js';
import type { User } from './auth/credentials.js';
import { IdentityDirectory } from './auth/identities.js';
import { accountIdFor, loadRootUser, loadUsersFile } from './auth/users.js';
import { documentPolicies } from './access/policies.js';
import type { CofferConfig } from './config.js';
import { loadMasterKeyRing } from './crypto/key-ring.js';
import { KmsKeyRing } from './crypto/kms-keys.js';
import { createTarget, loadNotifyConfig, type TargetConfig } from './events/notify-config.js';
import { OutboxDispatcher, type DispatchCounters, type OutboxDispatcherOptions } from './jobs/outbox-dispatcher.js';
import { Replicator, type ReplicationCounters } from './jobs/replicator.js';
import { loadReplicationConfig, type RemoteDestination } from './replication/destinations.js';
import { prepareDataDir } from './data-dir.js';
import { resolveTarget } from './http/addressing.js';
import { CONSOLE_DIR, withConsole } from './http/console.js';
import { createPipeline } from './http/pipeline.js';
import { createHttpServer, type HttpServerOptions } from './http/server.js';
import { SERVICE_PATHS, signedBy, withServiceEndpoints } from './http/service-endpoints.js';
import { checkReadiness } from './observe/health.js';
import { createLogger, type Logger } from './observe/logger.js';
import { CofferMetrics } from './observe/metrics.js';
import { createRequestObserver } from './observe/request-observer.js';
import { AccessLogRecorder } from './observe/access-log.js';
import { HOST_ID } from './http/request-ids.js';
import type { Services } from './ops/types.js';
import { startScheduler, type Scheduler } from './jobs/scheduler.js';
import { joinRegistry, type GatewayRegistration } from './jobs/gateway-registry.js';
import { startOrphanCollector, type OrphanCollector } from './jobs/orphan-collector.js';
import { FsBlobStore } from './store/blob/fs-blob-store.js';
import { collectOrphans } from './store/collector.js';
import type { IoProbe } from './store/io-probe.js';
import type { MetadataStore } from './store/meta/metadata-store.js';
import { SqliteMetadataStore } from './store/meta/sqlite/sqlite-store.js';
import { lockDataDir } from './data-dir-lock.js';
import { redactUrl } from './config.js';
import { PACKAGE_ROOT } from './package-root.js';

const CLOSE_SWEEP_MS = 50;
/** Identity changes another process makes (`coffer key disable` on a running server) apply within this interval… */
const IDENTITY_POLL_MS = 1000;
/** …unless the store reports them as they commit (PostgreSQL): then polling is only a backstop. */
const IDENTITY_BACKSTOP_POLL_MS = 30_000;

export interface CofferOptions extends Partial<CofferConfig> {
  /** Extra users besides the root user. */
  readonly users?: readonly User[];
  /** The logger (default: JSON lines on stdout at `logLevel`, which defaults to 'warn' when embedded). */
  readonly logger?: Logger;
  /** Where unexpected errors go (default: the logger, at error level, with the request id). */
  readonly logError?: (requestId: string, error: unknown) => void;
  /** Where start-up warnings go, e.g. a data dir tightened to 0700 (default: the logger, at warn level). */
  readonly warn?: (message: string) => void;
  /** Tests only: the stores' I/O probe, through which test/faults injects disk and database faults. */
  readonly ioProbe?: IoProbe;
  /** A lower cap than AWS's on the buckets one user may own (default and maximum: limits.bucketsPerUserMax). */
  readonly bucketsPerUserMax?: number;
  /** Event notification targets (instead of, or besides, those of `notifyConfig`). */
  readonly notifyTargets?: readonly TargetConfig[];
  /** Remote replication destinations (instead of, or besides, those of `replicationConfig`). */
  readonly replicationDestinations?: readonly RemoteDestination[];
  /** Outbox dispatch tuning (tests shorten the retry delays). */
  readonly dispatch?: Pick<OutboxDispatcherOptions, 'pollMs' | 'retryBaseMs' | 'retryMaxMs' | 'leaseTtlMs' | 'log'>;
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
  /** Coffer's Prometheus registry: features register their own metrics here. */
  readonly metrics: CofferMetrics;
  /** The website listener (`websiteAddress`), e.g. http://127.0.0.1:8080. */
  readonly websiteEndpoint?: string;
  /** The metrics listener (`metricsAddress`), e.g. http://127.0.0.1:9100/metrics. */
  readonly metricsEndpoint?: string;
  readonly logger: Logger;
  /** Reads the TLS certificate and key files again and serves them to new connections (open ones keep theirs). */
  reloadTls(): Promise<void>;
  /** Event notifications: records taken from the outbox, deliveries made, retried and failed. */
  readonly eventCounters: Readonly<DispatchCounters>;
  /** Replication: versions replicated, and versions marked FAILED. */
  readonly replicationCounters: Readonly<ReplicationCounters>;
  /** Stops accepting, lets in-flight requests finish, closes the stores. */
  close(): Promise<void>;
}

/** Starts a Coffer server in this process: the embedding API, used by main.ts and by tests. */
export async function startCoffer(options: CofferOptions = {}): Promise<RunningCoffer> {
  const dataDir = resolve(options.dataDir ?? './data');
  const region = options.region ?? 'us-east-1';
  const logger = options.logger ?? createLogger(options.logLevel ?? 'warn');
  await prepareDataDir(dataDir, options.warn ?? ((message) => logger.warn(message)));
  const root = await loadRootUser(dataDir, options.accessKeyId, options.secretAccessKey);
  const fileUsers = options.usersFile ? await loadUsersFile(options.usersFile) : [];
  const targetConfigs = [...(options.notifyConfig ? await loadNotifyConfig(options.notifyConfig) : []), ...(options.notifyTargets ?? [])];
  const targets = new Map(targetConfigs.map((config) => [config.arn, createTarget(config)]));
  const remoteDestinations = [
    ...(options.replicationConfig ? await loadReplicationConfig(options.replicationConfig) : []), ...(options.replicationDestinations ?? []),
  ];
  const replicationDestinations = new Map(remoteDestinations.map((destination) => [destination.bucketArn, destination]));

  const metadata = options.metadata ?? 'sqlite';
  const shared = isPostgresUrl(metadata);
  const { heartbeatMs, expiryMs } = gatewayTimings(options);
  // An embedded data dir has one owner; gateways on PostgreSQL share theirs.
  const lock = shared ? undefined : lockDataDir(dataDir);
  let meta: MetadataStore;
  try {
    // A gateway sharing its data dir fences blob writers: see MetadataStore.markGatewaysDead.
    meta = await openMetadataStore(metadata, dataDir, options.ioProbe, { fenceBlobWriters: shared });
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
  // Gateways sharing a data dir register before writing a blob: the blobs carry their id.
  let registration: GatewayRegistration | undefined;
  // Set just below: a re-registration (after the first heartbeat) switches its writer id.
  let blobs: FsBlobStore | undefined;
  try {
    registration = shared
      ? await joinRegistry(meta, {
          heartbeatMs,
          logError: (error) => logger.error({ err: error }, 'gateway registry'),
          onNewId: (id) => {
            blobs?.useWriterId(id);
            logger.info({ gatewayId: id }, 'joined the gateway registry');
          },
        })
      : undefined;
    blobs = await FsBlobStore.open(dataDir, { probe: options.ioProbe, writerId: registration?.id });
  } catch (error) {
    await registration?.leave().catch(() => {});
    await meta.close();
    throw error;
  }
  if (registration) logger.info({ gatewayId: registration.id }, 'joined the gateway registry');
  // One process owns an embedded data dir, so anything unreferenced at start-up is debris. A
  // shared one may hold other gateways' uploads in flight: the orphan collector job takes what
  // dead gateways left, and what is older than any upload can be.
  if (!shared) await collectOrphans(meta, blobs, { olderThanMs: Date.now() });

  const masterKeys = await loadMasterKeyRing(dataDir, options.masterKeyFile);
  const kms = new KmsKeyRing(dataDir, masterKeys);

  const accountId = accountIdFor(root.user.id);
  const identityPolicies = (user: User) => identities.identityPolicies(user);
  const authorize = createAuthorizer([
    ownershipRule(root.user.id, (user) => identityPolicies(user) !== undefined),
    aclSource(),
    documentPolicies({ accountId, rootUserId: root.user.id, identityPolicies }),
  ]);
  const lifecycleDayMs = (options.lifecycleDaySeconds ?? 86_400) * 1000;
  const services: Services = {
    meta, blobs, credentials: identities, region, accountId, authorize, bucketsPerUserMax: options.bucketsPerUserMax,
    masterKeys, kms, allowInsecureSseC: options.allowInsecureSseC ?? false, lifecycleDayMs,
    notificationTargets: new Set(targets.keys()), replicationDestinations, bucketDefaults: options.bucketDefaults ?? 'current',
  };
  const logError = options.logError ?? ((requestId: string, error: unknown) => logger.error({ requestId, err: error }, 'internal error'));
  const stopWatching = await identities.watch(
    { pollMs: IDENTITY_POLL_MS, backstopPollMs: IDENTITY_BACKSTOP_POLL_MS }, (error) => logError('identities', error),
  );
  const metrics = new CofferMetrics(meta);
  const domain = options.domain ?? 'localhost';
  const serviceOptions = {
    metrics: metrics.registry,
    readiness: () => checkReadiness(meta, blobs, (check, error) => logger.warn({ check, err: error }, 'readiness check failed')),
  };
  const accessLog = new AccessLogRecorder({ meta, metrics, logger });
  const pipeline = createPipeline({ services, domain, logError, observe: createRequestObserver(metrics, logger, accessLog, HOST_ID) });
  const isVirtualHost = (host: string | undefined) => resolveTarget('/', host, domain).virtualHost;
  // Created before the listener, started after it: the admin API reads their state.
  // One process owns an embedded data dir (the lock): its dispatcher's holder id is the same at
  // every start, so a successor renews the lease a crashed process left instead of waiting it out.
  const holder = shared ? randomUUID() : 'data-dir-owner';
  const replicator = new Replicator({
    meta, blobs, masterKeys, kms, region, accountId, remotes: replicationDestinations, log: (message, error) => logger.warn({ err: error }, `replication: ${message}`),
  });
  const dispatcher = new OutboxDispatcher({ meta, targets, replicator, holder, ...options.dispatch });
  let scheduler: Scheduler | undefined;
  const admin = {
    services: {
      identities, meta, region, version: await packageVersion(), startedAt: new Date(),
      lifecycle: () => scheduler?.state() ?? { leaseHeld: false, passing: false, intervalMs: 0 },
      outbox: () => ({ leading: dispatcher.leading, counters: dispatcher.counters }),
    },
    authorize, rootUserId: root.user.id, logError,
    recordRequest: (endpoint: string, status: number) => metrics.adminRequestFinished(endpoint, status),
  };
  const handler = withConsole(CONSOLE_DIR, isVirtualHost, withAdminApi(admin, isVirtualHost, withServiceEndpoints(
    { ...serviceOptions, metricsAccess: options.metricsPublic ? 'public' : 'loopback', trusted: signedBy(root.user.accessKeyId, identities, region) },
    isVirtualHost,
    pipeline,
  )));
  const tlsFiles = options.tlsCert || options.tlsKey ? requireBoth(options.tlsCert, options.tlsKey) : undefined;
  const readTls = async (files: { cert: string; key: string }) => ({ cert: await readFile(files.cert), key: await readFile(files.key) });
  const server = createHttpServer(handler, { ...options.http, tls: tlsFiles && (await readTls(tlsFiles)) });
  await listen(server, options.port ?? 9000, options.host ?? '127.0.0.1');
  const metricsServer = options.metricsAddress
    ? createServer(withServiceEndpoints({ ...serviceOptions, metricsAccess: 'public', bareAliases: true }, () => false, notFound))
    : undefined;
  if (metricsServer && options.metricsAddress) {
    await listen(metricsServer, options.metricsAddress.port, options.metricsAddress.host).catch(async (error: unknown) => {
      await new Promise((done) => server.close(done));
      throw error;
    });
  }
  const websiteServer = options.websiteAddress
    ? createHttpServer(createPipeline({ services, domain, logError, observe: createRequestObserver(metrics, logger, accessLog, HOST_ID), websiteOnly: true }), options.http)
    : undefined;
  if (websiteServer && options.websiteAddress) {
    await listen(websiteServer, options.websiteAddress.port, options.websiteAddress.host).catch(async (error: unknown) => {
      await new Promise((done) => server.close(done));
      if (metricsServer) await new Promise((done) => metricsServer.close(done));
      throw error;
    });
  }
  // The outbox is drained even with no targets declared: records of ARNs since removed are dropped (and logged).
  dispatcher.start();
  const accessLogs = { flushMs: (options.accessLogFlushSeconds ?? 300) * 1000 };
  scheduler = startScheduler({ meta, blobs, masterKeys, kms, region, accountId, dayMs: lifecycleDayMs, accessLogs, logError: (error) => logError('lifecycle', error) });
  const collector: OrphanCollector | undefined = registration && startOrphanCollector({
    meta, blobs, self: () => registration.id, checkMs: heartbeatMs, expiryMs, ageMs: SHARED_ORPHAN_AGE_MS,
    logError: (error) => logError('orphan collector', error),
    onPass: (pass) => logger.info(pass, 'orphan collection'),
  });

  let closing: Promise<void> | undefined;
  const address = server.address() as AddressInfo;
  return {
    endpoint: `${tlsFiles ? 'https' : 'http'}://${hostPort(address)}`,
    port: address.port,
    region,
    rootUser: root.user,
    accountId,
    identities,
    generatedCredentials: root.generated,
    metrics,
    metricsEndpoint: metricsServer && `http://${hostPort(metricsServer.address() as AddressInfo)}/metrics`,
    websiteEndpoint: websiteServer && `http://${hostPort(websiteServer.address() as AddressInfo)}`,
    logger,
    async reloadTls() {
      if (!tlsFiles) throw new Error('TLS is not enabled (no --tls-cert / --tls-key)');
      (server as HttpsServer).setSecureContext(await readTls(tlsFiles));
    },
    eventCounters: dispatcher.counters,
    replicationCounters: replicator.counters,
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
        await accessLog.close();
        // The scheduler first: lifecycle expirations append events for the dispatcher.
        await scheduler?.stop();
        if (websiteServer) {
          websiteServer.closeAllConnections();
          await new Promise((done) => websiteServer.close(done));
        }
        if (metricsServer) {
          metricsServer.closeAllConnections();
          await new Promise((done) => metricsServer.close(done));
        }
        await dispatcher.stop();
        await Promise.all([...targets.values()].map((target) => target.close()));
        await replicator.close();
        // After the last blob write: a gateway that leaves is no dead one to collect after.
        await collector?.stop();
        await registration?.leave().catch((error: unknown) => logError('gateway registry', error));
        await meta.close();
        lock?.release();
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
}

function hostPort(address: AddressInfo): string {
  return `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

function requireBoth(cert: string | undefined, key: string | undefined): { cert: string; key: string } {
  if (!cert || !key) throw new Error('TLS needs both a certificate (--tls-cert) and a key (--tls-key)');
  return { cert, key };
}

/** The metrics listener serves nothing else. */
function notFound(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end(`Not found: this listener serves ${Object.values(SERVICE_PATHS).join(', ')} and /metrics.\n`);
}

/**
 * On a shared data dir, blobs and temp files older than this are collected whoever wrote them
 * (at each gateway's start, then as often): longer than any upload takes (request timeouts end
 * stalled ones far sooner).
 */
const SHARED_ORPHAN_AGE_MS = 24 * 60 * 60 * 1000;

/** The registry's heartbeat and expiry; an expiry of less than two heartbeats would judge live gateways dead. */
function gatewayTimings(options: CofferOptions): { heartbeatMs: number; expiryMs: number } {
  const heartbeatMs = (options.gatewayHeartbeatSeconds ?? 10) * 1000;
  const expiryMs = (options.gatewayExpirySeconds ?? 60) * 1000;
  if (expiryMs < 2 * heartbeatMs) {
    throw new Error(`the gateway expiry (${expiryMs / 1000} s) must be at least twice the heartbeat (${heartbeatMs / 1000} s)`);
  }
  return { heartbeatMs, expiryMs };
}

/** Coffer's version, from its package.json. */
async function packageVersion(): Promise<string> {
  try {
    const manifest = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** The metadata store `spec` names (config `metadata`), for the server and the maintenance commands. */
export async function openMetadataStore(spec: string, dataDir: string, probe?: IoProbe, shared: { fenceBlobWriters?: boolean } = {}): Promise<MetadataStore> {
  if (spec === 'sqlite') return new SqliteMetadataStore({ path: join(dataDir, 'metadata.sqlite'), probe });
  if (spec === 'memory') return new SqliteMetadataStore({ path: ':memory:' });
  if (isPostgresUrl(spec)) {
    // The PostgreSQL store (and pg) is loaded only when named: a SQLite server never pays for it.
    const { PostgresMetadataStore } = await import('./store/meta/postgres/postgres-store.js');
    try {
      return await PostgresMetadataStore.open({ url: spec, fenceBlobWriters: shared.fenceBlobWriters });
    } catch (error) {
      throw new Error(`metadata database ${redactUrl(spec)}: ${(error as Error).message}`);
    }
  }
  throw new Error(`unsupported metadata store '${redactUrl(spec)}' (expected 'sqlite' or postgres://…)`);
}
