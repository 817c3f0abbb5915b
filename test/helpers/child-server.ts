import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildServer {
  readonly process: ChildProcess;
  readonly endpoint: string;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** What stdout held besides the JSON log lines (the human-readable start-up and shutdown lines). */
  banner(): string;
  /** Sends a signal (once; SIGKILL always) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the real CLI (`node --import tsx src/main.ts …`) and waits for its endpoint line (by
 * default 20 s: long runs on a loaded machine may allow more). `built`: the compiled server
 * (`node dist/main.js`, as `npm start` runs it) instead, for measurements tsx's loader would
 * distort (memory); dist is rebuilt first when a source file is newer.
 */
export async function startChildServer(
  args: string[], env: Record<string, string | undefined> = {}, options: { startTimeoutMs?: number; built?: boolean } = {},
): Promise<ChildServer> {
  if (options.built) buildIfStale();
  const entry = options.built ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, COFFER_ACCESS_KEY_ID: '', COFFER_SECRET_ACCESS_KEY: '', COFFER_ADDRESS: '', COFFER_DATA_DIR: '', COFFER_REGION: '', COFFER_USERS_FILE: '',
      COFFER_TLS_CERT: '', COFFER_TLS_KEY: '', COFFER_METRICS_ADDRESS: '', COFFER_METRICS_PUBLIC: '', COFFER_LOG_LEVEL: '', COFFER_METADATA_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let signalled = false;
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}${err}`)), options.startTimeoutMs ?? 20_000);
    const check = () => {
      const match = /serving S3 on (https?:\/\/\S+) \(region/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${out}${err}`));
    });
  });
  return {
    process: child,
    endpoint,
    stdout: () => out,
    banner: () => out.split('\n').filter((line) => !line.startsWith('{')).join('\n'),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null && (!signalled || signal === 'SIGKILL')) {
        signalled = true;
        child.kill(signal);
      }
      return exited;
    },
  };
}

/** Compiles src/ into dist/ (tsc only: the console is not needed) unless dist/main.js is newer than every source file. */
export function buildIfStale(): void {
  const built = (() => {
    try {
      return statSync(join(ROOT, 'dist/main.js')).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const newestSource = (dir: string): number => Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
  }));
  if (built > newestSource(join(ROOT, 'src'))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}
