/** Starting the two servers under test as child processes, and reading their CPU time. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BENCH_CREDENTIALS } from './sign.js';

export interface ServerProcess {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

const CLK_TCK = 100; // Linux USER_HZ

/** A server child on 127.0.0.1:`port` whose stop() sends `signal`, then SIGKILL after `graceMs`. */
function serverProcess(name: string, port: number, child: ChildProcess, signal: NodeJS.Signals, graceMs: number): ServerProcess {
  return {
    name,
    host: '127.0.0.1',
    port,
    pid: child.pid!,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
        setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
      }),
  };
}

/** utime + stime of a process in milliseconds, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Resident set size in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Spawns `node <args>` and waits for a line matching `ready` that carries the endpoint. */
export async function startProcess(name: string, args: readonly string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${out}\n${stderr}`)));
    setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${out}\n${stderr}`)), 30_000).unref();
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGINT' && signal !== 'SIGTERM') console.error(`${name} exited (${code ?? signal}):\n${stderr}`);
  });
  return serverProcess(name, port, child, 'SIGINT', 10_000);
}

/**
 * A built Coffer (`main`: dist/main.js of this or another checkout; a `.ts` entry such as
 * src/main.ts runs through tsx, unbuilt) with extra CLI `args`.
 */
export function startCofferProcess(
  dataDir: string, extraNodeArgs: readonly string[] = [],
  options: { name?: string; main?: string; args?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<ServerProcess> {
  return startProcess(
    options.name ?? 'coffer',
    [...extraNodeArgs, ...(options.main?.endsWith('.ts') ? ['--import', 'tsx'] : []), options.main ?? 'dist/main.js', '--address', '127.0.0.1:0', '--data-dir', dataDir, ...(options.args ?? [])],
    { COFFER_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId, COFFER_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey, COFFER_REGION: BENCH_CREDENTIALS.region, ...options.env },
    /serving S3 on http:\/\/127\.0\.0\.1:(\d+)/,
  );
}

export function startBaselineProcess(dir: string): Promise<ServerProcess> {
  return startProcess('baseline', ['--import', 'tsx', 'bench/baseline-server.ts', dir], {}, /listening on http:\/\/127\.0\.0\.1:(\d+)/);
}

export const NGINX = '/usr/sbin/nginx';

/**
 * Debian's nginx as a second baseline: one process (master_process off, so its CPU is one pid's),
 * serving `dir/root` with `dav_methods PUT DELETE` (no fsync: its PUT is not durable), on a free
 * port. Requests are the same signed ones; nginx ignores the signature. Buckets are folders.
 */
export async function startNginxProcess(dir: string, buckets: readonly string[]): Promise<ServerProcess> {
  const port = await freePort();
  for (const bucket of buckets) mkdirSync(join(dir, 'root', bucket), { recursive: true });
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  const config = `daemon off; master_process off; worker_processes 1; pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 10000000; keepalive_timeout 300s;
  client_max_body_size 0; client_body_buffer_size 1m;
  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}
  server {
    listen 127.0.0.1:${port};
    root ${join(dir, 'root')};
    location / { dav_methods PUT DELETE; create_full_put_path on; dav_access user:rw; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${stderr}`);
    if (await canConnect(port)) break;
    if (attempt > 100) throw new Error(`nginx did not listen on ${port}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // SIGQUIT: nginx's graceful stop.
  return serverProcess('nginx', port, child, 'SIGQUIT', 5_000);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
