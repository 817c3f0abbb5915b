/**
 * `coffer lifecycle run`: a lifecycle pass now. When no server holds the lifecycle lease (nor, for
 * an embedded store, the data dir) this process takes it and runs the pass itself, printing what
 * it did; otherwise the request is recorded in the metadata store and the server holding the
 * lease runs a pass within a second — the CLI never writes objects under a running server's feet.
 */
import { parseArgs } from 'node:util';
import { isPostgresUrl, openMetadataStore } from '../coffer.js';
import { lockDataDir, type DataDirLock } from '../data-dir-lock.js';
import { LEASE_MS, LIFECYCLE_LEASE } from '../jobs/scheduler.js';
import { runLifecyclePass } from '../jobs/lifecycle/executor.js';
import { ConfigError, parseConfig } from '../config.js';
import { FsBlobStore } from '../store/blob/fs-blob-store.js';

export const LIFECYCLE_USAGE = `Usage: coffer lifecycle run [--data-dir DIR] [--metadata URL]
  Runs a lifecycle pass now (in a running server if one holds the lifecycle lease, else here).`;

export async function runLifecycleCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let config;
  try {
    const { positionals, values } = parseArgs({
      args: [...argv],
      options: { 'data-dir': { type: 'string' }, metadata: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1 || positionals[0] !== 'run') throw new ConfigError(LIFECYCLE_USAGE);
    const rest = Object.entries(values).flatMap(([name, value]) => [`--${name}`, value as string]);
    config = parseConfig(rest, env);
    if (config === 'help') throw new ConfigError(LIFECYCLE_USAGE);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `${(error as Error).message}\n${LIFECYCLE_USAGE}`);
    return 2;
  }
  // An embedded data dir that a server owns is only asked (below); one nobody owns is taken for the pass.
  const shared = isPostgresUrl(config.metadata);
  let lock: DataDirLock | undefined;
  if (!shared) {
    try {
      lock = lockDataDir(config.dataDir);
    } catch {
      // A running server owns it.
    }
  }
  const meta = await openMetadataStore(config.metadata, config.dataDir);
  try {
    const holder = `cli-${process.pid}`;
    const now = new Date();
    const lease = (shared || lock) ? await meta.acquireLease(LIFECYCLE_LEASE, holder, now, new Date(now.getTime() + LEASE_MS)) : undefined;
    if (!lease?.held) {
      await meta.requestJobRun(LIFECYCLE_LEASE);
      console.log('A running Coffer holds the lifecycle lease: it was asked to run a pass now.');
      return 0;
    }
    try {
      const blobs = await FsBlobStore.open(config.dataDir);
      const stats = await runLifecyclePass({ meta, blobs, dayMs: config.lifecycleDaySeconds * 1000 });
      console.log(`Lifecycle pass done: ${JSON.stringify(stats)}`);
    } finally {
      await meta.releaseLease(LIFECYCLE_LEASE, holder);
    }
    return 0;
  } finally {
    await meta.close();
    lock?.release();
  }
}
