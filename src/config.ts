import { parseArgs } from 'node:util';

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
  /** How long a lifecycle "day" lasts (86,400; shorter for tests and demos). */
  readonly lifecycleDaySeconds: number;
}

export const DEFAULT_ADDRESS = '127.0.0.1:9000';

export class ConfigError extends Error {}

const USAGE = `Usage: coffer [options]
  --address HOST:PORT   listen address (env COFFER_ADDRESS, default ${DEFAULT_ADDRESS})
  --data-dir DIR        data directory (env COFFER_DATA_DIR, default ./data)
  --domain DOMAIN       base domain for virtual-hosted buckets (env COFFER_DOMAIN, default localhost)
  --region REGION       region (env COFFER_REGION, default us-east-1)
  --users FILE          JSON file of extra users (env COFFER_USERS_FILE)
  --metadata URL        'sqlite' (in the data dir) or postgres://user:password@host:port/db
                        (env COFFER_METADATA_URL, default sqlite)
  Users and keys: coffer user|key … (coffer user, for help)
  Lifecycle: COFFER_LIFECYCLE_DAY_SECONDS makes a lifecycle day that many seconds (default 86400).
  \`coffer lifecycle run\` runs a lifecycle pass now (same --data-dir / --metadata).
  Root credentials: COFFER_ACCESS_KEY_ID / COFFER_SECRET_ACCESS_KEY (generated and kept in the data dir when unset).`;

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
  const { host, port } = parseAddress(str('address', 'COFFER_ADDRESS', DEFAULT_ADDRESS)!);
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
    lifecycleDaySeconds: lifecycleDaySeconds(env.COFFER_LIFECYCLE_DAY_SECONDS),
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

function lifecycleDaySeconds(value: string | undefined): number {
  if (!value) return 86_400;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ConfigError(`invalid COFFER_LIFECYCLE_DAY_SECONDS '${value}': expected a whole number of seconds ≥ 1`);
  return Number(value);
}

function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new ConfigError(`invalid address '${address}': expected HOST:PORT`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}
