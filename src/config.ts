import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from './observe/logger.js';
import type { BucketDefaults } from './ops/types.js';

/** Everything Coffer can be told at start-up: command line first, then environment, then defaults. */
export interface CofferConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Base domain for virtual-hosted-style requests: `bucket.<domain>`. */
  readonly domain: string;
  readonly region: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly usersFile?: string;
  /** Metadata backend: 'sqlite' (embedded, in the data dir) or a postgres:// URL. */
  readonly metadata: string;
  /** A file holding the master key (else one is generated into the data dir). */
  readonly masterKeyFile?: string;
  /** Accept SSE-C over plain HTTP (AWS refuses it; for tests and TLS-terminating proxies). */
  readonly allowInsecureSseC: boolean;
  /** JSON file declaring the event notification targets (`{"targets": [...]}`). */
  readonly notifyConfig?: string;
  /** JSON file of remote replication destinations (src/replication/destinations.ts). */
  readonly replicationConfig?: string;
  /** New buckets' access settings: `current` (AWS's of today: ACLs disabled, public access blocked) or `legacy` (pre-2023). */
  readonly bucketDefaults: BucketDefaults;
  /** How long a lifecycle "day" lasts (86,400; shorter for tests and demos). */
  readonly lifecycleDaySeconds: number;
  /** How often spooled server access log lines are delivered as log objects (300). */
  readonly accessLogFlushSeconds: number;
  /** Gateways sharing a data dir (PostgreSQL): how often each renews its registry heartbeat (10)… */
  readonly gatewayHeartbeatSeconds: number;
  /** …and how old a heartbeat is when its gateway counts as dead and its orphans are collected (60). */
  readonly gatewayExpirySeconds: number;
  /** PEM files: serve HTTPS instead of HTTP (both or neither). */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** Serve /_metrics on the main listener to any client, not only loopback ones. */
  readonly metricsPublic: boolean;
  /** A second, plain-HTTP listener for /metrics and the health endpoints only. */
  readonly metricsAddress?: { readonly host: string; readonly port: number };
  /** A plain-HTTP listener for static websites: Host names the bucket (BUCKET.s3-website.DOMAIN, or the bucket name). */
  readonly websiteAddress?: { readonly host: string; readonly port: number };
  readonly logLevel: LogLevel;
}

export const DEFAULT_ADDRESS = '127.0.0.1:9000';

export class ConfigError extends Error {}

const USAGE = `Usage: coffer serve [options]      (also: coffer [options])
Serves the S3 API. Every option can also be set in the environment; the command line wins.

  --address HOST:PORT        listen address (COFFER_ADDRESS, default ${DEFAULT_ADDRESS})
  --data-dir DIR             data directory (COFFER_DATA_DIR, default ./data)
  --domain DOMAIN            base domain for virtual-hosted buckets (COFFER_DOMAIN, default localhost)
  --region REGION            region (COFFER_REGION, default us-east-1)
  --users FILE               JSON file of extra users (COFFER_USERS_FILE)
  --metadata URL             'sqlite' (in the data dir) or postgres://user:password@host:port/db
                             (COFFER_METADATA_URL, default sqlite)
  --master-key-file FILE     the 256-bit master key wrapping data keys (COFFER_MASTER_KEY_FILE;
                             default: generated once into DATA_DIR/master-keys.json, mode 0600)
  --allow-insecure-sse-c     accept SSE-C over plain HTTP (COFFER_ALLOW_INSECURE_SSE_C=1)
  --notify-config FILE       JSON file of event notification targets (COFFER_NOTIFY_CONFIG)
  --replication-config FILE  JSON file of remote replication destinations (COFFER_REPLICATION_CONFIG)
  --bucket-defaults current|legacy
                             new buckets: ACLs disabled and public access blocked (current), or
                             ObjectWriter with no block (legacy, AWS before 2023)
                             (COFFER_BUCKET_DEFAULTS, default current)
  --tls-cert FILE            PEM certificate chain: serve HTTPS (COFFER_TLS_CERT; needs --tls-key)
  --tls-key FILE             PEM private key (COFFER_TLS_KEY); SIGHUP reloads both files
  --metrics-public           serve /_metrics on the main listener to every client, not only
                             loopback ones (COFFER_METRICS_PUBLIC=true)
  --metrics-address HOST:PORT  plain-HTTP listener for /metrics and /health/* only (COFFER_METRICS_ADDRESS)
  --website-address HOST:PORT  plain-HTTP listener for static websites; Host names the bucket (COFFER_WEBSITE_ADDRESS)
  --log-level LEVEL          ${LOG_LEVELS.join(', ')} (COFFER_LOG_LEVEL, default info)
  -h, --help                 this help

Users and keys: coffer user|key … (coffer help user).
Lifecycle: COFFER_LIFECYCLE_DAY_SECONDS makes a lifecycle day that many seconds (default 86400).
Access logs: COFFER_ACCESS_LOG_FLUSH_SECONDS between deliveries of log objects (default 300).
Gateways on PostgreSQL: COFFER_GATEWAY_HEARTBEAT_SECONDS between heartbeats (default 10), and
COFFER_GATEWAY_EXPIRY_SECONDS after which a silent gateway's orphans are collected (default 60).

Root credentials: COFFER_ACCESS_KEY_ID / COFFER_SECRET_ACCESS_KEY (generated and kept in the data dir when unset).
Health: GET /_health/live, /_health/ready. Metrics: GET /_metrics (Prometheus text).`;

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): CofferConfig | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        address: { type: 'string' },
        'data-dir': { type: 'string' },
        domain: { type: 'string' },
        region: { type: 'string' },
        users: { type: 'string' },
        metadata: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'metrics-public': { type: 'boolean' },
        'metrics-address': { type: 'string' },
        'website-address': { type: 'string' },
        'log-level': { type: 'string' },
        'master-key-file': { type: 'string' },
        'allow-insecure-sse-c': { type: 'boolean' },
        'notify-config': { type: 'string' },
        'replication-config': { type: 'string' },
        'bucket-defaults': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return 'help';
  // An empty environment variable counts as unset (as `FOO= coffer` and compose files produce).
  const str = (name: string, envName: string, fallback?: string) => (values[name] as string | undefined) ?? (env[envName] || undefined) ?? fallback;
  const bucketDefaults = str('bucket-defaults', 'COFFER_BUCKET_DEFAULTS', 'current');
  if (bucketDefaults !== 'current' && bucketDefaults !== 'legacy') throw new ConfigError(`invalid bucket defaults '${bucketDefaults}': expected current or legacy\n${USAGE}`);
  const { host, port } = parseAddress(str('address', 'COFFER_ADDRESS', DEFAULT_ADDRESS)!);
  const tlsCert = str('tls-cert', 'COFFER_TLS_CERT');
  const tlsKey = str('tls-key', 'COFFER_TLS_KEY');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new ConfigError('TLS needs both --tls-cert and --tls-key (or COFFER_TLS_CERT and COFFER_TLS_KEY)');
  const metricsAddress = str('metrics-address', 'COFFER_METRICS_ADDRESS');
  const websiteAddress = str('website-address', 'COFFER_WEBSITE_ADDRESS');
  const logLevel = str('log-level', 'COFFER_LOG_LEVEL', 'info')!;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError(`invalid log level '${logLevel}': expected one of ${LOG_LEVELS.join(', ')}`);
  return {
    host,
    port,
    dataDir: str('data-dir', 'COFFER_DATA_DIR', './data')!,
    domain: str('domain', 'COFFER_DOMAIN', 'localhost')!.toLowerCase(),
    region: str('region', 'COFFER_REGION', 'us-east-1')!,
    accessKeyId: env.COFFER_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.COFFER_SECRET_ACCESS_KEY || undefined,
    usersFile: str('users', 'COFFER_USERS_FILE'),
    metadata: str('metadata', 'COFFER_METADATA_URL', 'sqlite')!,
    masterKeyFile: str('master-key-file', 'COFFER_MASTER_KEY_FILE'),
    allowInsecureSseC: values['allow-insecure-sse-c'] === true || env.COFFER_ALLOW_INSECURE_SSE_C === '1',
    notifyConfig: str('notify-config', 'COFFER_NOTIFY_CONFIG'),
    replicationConfig: str('replication-config', 'COFFER_REPLICATION_CONFIG'),
    bucketDefaults,
    lifecycleDaySeconds: wholeSeconds('COFFER_LIFECYCLE_DAY_SECONDS', env.COFFER_LIFECYCLE_DAY_SECONDS, 86_400),
    accessLogFlushSeconds: wholeSeconds('COFFER_ACCESS_LOG_FLUSH_SECONDS', env.COFFER_ACCESS_LOG_FLUSH_SECONDS, 300),
    gatewayHeartbeatSeconds: wholeSeconds('COFFER_GATEWAY_HEARTBEAT_SECONDS', env.COFFER_GATEWAY_HEARTBEAT_SECONDS, 10),
    gatewayExpirySeconds: wholeSeconds('COFFER_GATEWAY_EXPIRY_SECONDS', env.COFFER_GATEWAY_EXPIRY_SECONDS, 60),
    tlsCert,
    tlsKey,
    metricsPublic: values['metrics-public'] === true || /^(true|1|yes)$/i.test(env.COFFER_METRICS_PUBLIC ?? ''),
    metricsAddress: metricsAddress === undefined ? undefined : parseAddress(metricsAddress),
    websiteAddress: websiteAddress === undefined ? undefined : parseAddress(websiteAddress),
    logLevel: logLevel as LogLevel,
  };
}

/** A URL fit to print: its password (if any) replaced. Anything that is not a URL is returned as is. */
export function redactUrl(spec: string): string {
  try {
    const url = new URL(spec);
    if (url.password === '') return spec;
    url.password = '***';
    return url.toString();
  } catch {
    return spec;
  }
}

export function usage(): string {
  return USAGE;
}

function wholeSeconds(name: string, value: string | undefined, fallback: number): number {
  if (!value) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ConfigError(`invalid ${name} '${value}': expected a whole number of seconds ≥ 1`);
  return Number(value);
}

function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new ConfigError(`invalid address '${address}': expected HOST:PORT`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}
