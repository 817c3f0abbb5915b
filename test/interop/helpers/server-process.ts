/**
 * A real Coffer process for the interop suite: `node dist/main.js` (compiled first if stale:
 * helpers/coffer-entry.ts) on an ephemeral port with a temporary data dir, as `npm start` runs
 * it. The endpoint is read from what the server prints; stop() sends SIGTERM and waits for a
 * clean exit. With COFFER_TEST_METADATA=postgres it runs on a PostgreSQL database of its own
 * (dropped at stop).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { TEST_METADATA } from '../../helpers/start-server.js';
import { cofferEntry, REPO_ROOT } from '../../helpers/coffer-entry.js';

export { REPO_ROOT };

/** Keys the interop servers run with (set through COFFER_ACCESS_KEY_ID / COFFER_SECRET_ACCESS_KEY). */
export const INTEROP_KEYS = {
  accessKeyId: 'AKIACOFFERINTEROP001',
  // Contains '/' and '+' like real AWS secrets, which tools must carry through their configs unmangled.
  secretAccessKey: 'interop/Secret+Key/0123456789abcdefghijklm',
} as const;

export interface CofferProcess {
  /** e.g. http://127.0.0.1:41234 */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly dataDir: string;
  readonly pid: number;
  /** The last lines the server wrote (stdout and stderr interleaved), for failure messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then wait for the exit (SIGKILL after a grace period). Resolves with how it ended. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; log: string }>;
}

export interface StartOptions {
  /** Extra command-line arguments (e.g. ['--domain', 'example.test']). */
  readonly args?: readonly string[];
  /** Extra environment variables for the server. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the "serving S3 on …" line. */
  readonly startTimeoutMs?: number;
}

/** Servers still running: killed if this test process exits without stopping them. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const SERVING = /Coffer is serving S3 on (http:\/\/(\S+):(\d+))(?: \(region ([^,)]+))?/;
const LOG_LINES_KEPT = 400;

export async function startCofferProcess(options: StartOptions = {}): Promise<CofferProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-interop-data-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('COFFER_')) env[name] = value;
  Object.assign(env, { COFFER_ACCESS_KEY_ID: INTEROP_KEYS.accessKeyId, COFFER_SECRET_ACCESS_KEY: INTEROP_KEYS.secretAccessKey }, options.env);
  const database: TestDatabase | undefined = TEST_METADATA === 'postgres' ? await createTestDatabase() : undefined;
  if (database) env.COFFER_METADATA_URL = database.url;

  const child = spawn(
    process.execPath,
    [...cofferEntry(), '--address', '127.0.0.1:0', '--data-dir', dataDir, ...(options.args ?? [])],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));
  const log: string[] = [];
  const keep = (prefix: string) => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) log.push(prefix + line);
      if (log.length > LOG_LINES_KEPT) log.splice(0, log.length - LOG_LINES_KEPT);
    };
  };
  child.stdout!.on('data', keep(''));
  child.stderr!.on('data', keep('[stderr] '));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const logTail = (lines = 30) => log.slice(-lines).join('\n');

  let match: RegExpExecArray | null;
  try {
    match = await waitForServing(child, log, exited, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\nserver output:\n${logTail(50)}`);
  }

  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null; log: string }> | undefined;
  return {
    endpoint: match[1],
    host: match[2],
    port: Number(match[3]),
    region: match[4] ?? 'us-east-1',
    accessKeyId: INTEROP_KEYS.accessKeyId,
    secretAccessKey: INTEROP_KEYS.secretAccessKey,
    dataDir,
    pid: child.pid!,
    logTail,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const result = await exited;
        clearTimeout(timer);
        await database?.drop();
        await rm(dataDir, { recursive: true, force: true });
        return { ...result, log: logTail(20) };
      })();
      return stopping;
    },
  };
}

async function waitForServing(
  child: ChildProcess,
  log: readonly string[],
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => (ended = e));
  for (;;) {
    for (const line of log) {
      const match = SERVING.exec(line);
      if (match) return match;
    }
    if (ended) throw new Error(`Coffer (pid ${child.pid}) exited before serving: code ${ended.code}, signal ${ended.signal}`);
    if (Date.now() > deadline) throw new Error(`Coffer (pid ${child.pid}) did not print its endpoint within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
