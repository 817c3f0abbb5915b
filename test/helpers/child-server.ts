import { spawn, type ChildProcess } from 'node:child_process';
import { cofferEntry, REPO_ROOT } from './coffer-entry.js';

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
 * Starts the real CLI (`node dist/main.js …`, compiled first if stale: coffer-entry.ts) and waits
 * for its endpoint line (by default 20 s: long runs on a loaded machine may allow more).
 */
export async function startChildServer(
  args: string[], env: Record<string, string | undefined> = {}, options: { startTimeoutMs?: number } = {},
): Promise<ChildServer> {
  const child = spawn(process.execPath, [...cofferEntry(), ...args], {
    cwd: REPO_ROOT,
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
