import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The line every slowloris socket sends, and then nothing more: a header section never finished. */
const FIRST_LINE = 'GET / HTTP/1.1\r\nHost: x\r\n';
const CONNECTS_AT_ONCE = 200;

/**
 * `held`: still open and unanswered; `refused`: answered 503 (a cap) and closed; `timedOut`:
 * answered 400 RequestTimeout (the unauthenticated deadline passed while the others connected);
 * `failed`: could not connect.
 */
export interface SlowlorisCounts { readonly held: number; readonly refused: number; readonly timedOut: number; readonly failed: number }

export interface Slowloris {
  /** Resolves once every socket has connected and the server has had a moment to refuse some. */
  readonly opened: Promise<SlowlorisCounts>;
  stop(): void;
}

/**
 * Opens `perAddress` sockets from each local address (127.0.0.2… are all loopback on Linux), each
 * sending one header line.
 */
export function holdSlowloris(port: number, addresses: readonly string[], perAddress: number): Slowloris {
  const sockets: Socket[] = [];
  const refused = new Set<Socket>();
  const timedOut = new Set<Socket>();
  let failed = 0;
  let stopped = false;
  const openOne = (localAddress: string) => new Promise<void>((resolve) => {
    if (stopped) return resolve();
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    sockets.push(socket);
    socket.on('data', (c: Buffer) => {
      const text = c.toString('latin1');
      if (text.startsWith('HTTP/1.1 503 ')) refused.add(socket);
      else if (text.startsWith('HTTP/1.1 400 ') && text.includes('RequestTimeout')) timedOut.add(socket);
    });
    socket.on('error', () => {});
    socket.once('connect', () => {
      socket.write(FIRST_LINE);
      resolve();
    });
    socket.once('close', () => {
      if (!socket.bytesWritten) failed++;
      resolve();
    });
  });
  const opened = (async () => {
    const queue = addresses.flatMap((address) => Array.from({ length: perAddress }, () => address));
    for (let at = 0; at < queue.length; at += CONNECTS_AT_ONCE) {
      await Promise.all(queue.slice(at, at + CONNECTS_AT_ONCE).map(openOne));
    }
    // The refusals still on their way: settled once no more arrive for a while.
    for (let seen = -1; seen !== refused.size;) {
      seen = refused.size;
      await new Promise((r) => setTimeout(r, 300));
    }
    const held = sockets.filter((s) => !s.destroyed && !refused.has(s) && s.bytesRead === 0).length;
    return { held, refused: refused.size, timedOut: timedOut.size, failed };
  })();
  return {
    opened,
    stop() {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    },
  };
}

/**
 * holdSlowloris in a child process, so that the attacker's own work (thousands of connects) does
 * not run on the event loop of the test, which may host the server and measure latencies.
 */
export function spawnSlowloris(port: number, addresses: readonly string[], perAddress: number): Slowloris {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), String(port), addresses.join(','), String(perAddress)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const opened = new Promise<SlowlorisCounts>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(JSON.parse(out) as SlowlorisCounts);
    });
    child.once('exit', (code) => reject(new Error(`the slowloris process exited (${code}): ${out}`)));
  });
  opened.catch(() => {});
  return { opened, stop: () => void child.kill('SIGKILL') };
}

/** Runs `request` one after another for `durationMs`; the latency of each, in ms. */
export async function latencies(request: () => Promise<unknown>, durationMs: number): Promise<number[]> {
  const out: number[] = [];
  const until = performance.now() + durationMs;
  while (performance.now() < until) {
    const started = performance.now();
    await request();
    out.push(performance.now() - started);
  }
  return out;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

// As a process (spawnSlowloris): `slowloris.ts PORT ADDRESS[,ADDRESS…] PER_ADDRESS` prints the
// counts as one JSON line once the sockets are open, then holds them until killed.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [port, addresses, perAddress] = process.argv.slice(2);
  const attack = holdSlowloris(Number(port), addresses!.split(','), Number(perAddress));
  void attack.opened.then((counts) => process.stdout.write(`${JSON.stringify(counts)}\n`));
}
