/** A pool of load-generator processes (bench/load-worker.ts) driven together. */
import { fork, type ChildProcess } from 'node:child_process';
import type { Job, WorkerResult } from '../load-worker.js';

export interface LoadResult {
  readonly requests: number;
  readonly bytes: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly elapsedMs: number;
  readonly latenciesMs: Float64Array;
  /** CPU the load generators used, as a share of the window (1 = one core busy). */
  readonly clientCores: number;
}

type Message = { type: 'ready' } | { type: 'done'; result: WorkerResult } | { type: 'failed'; error: string };

export class LoadPool {
  private readonly workers: ChildProcess[];

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () =>
      fork(new URL('../load-worker.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Runs one job per worker (jobs.length ≤ size). `onStart` runs once every worker is ready,
   * just before 'go'; the result is merged.
   */
  async run(jobs: readonly Job[], onStart?: () => void): Promise<LoadResult> {
    const used = this.workers.slice(0, jobs.length);
    const next = (w: ChildProcess) =>
      new Promise<Message>((resolve) => w.once('message', (m: Message) => resolve(m)));
    const ready = used.map(next);
    used.forEach((w, i) => w.send({ type: 'job', job: jobs[i] }));
    for (const m of await Promise.all(ready)) if (m.type === 'failed') throw new Error(m.error);
    const done = used.map(next);
    onStart?.();
    for (const w of used) w.send({ type: 'go' });
    const results: WorkerResult[] = [];
    for (const m of await Promise.all(done)) {
      if (m.type === 'failed') throw new Error(m.error);
      if (m.type === 'done') results.push(m.result);
    }
    const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
    const latencies = new Float64Array(results.reduce((n, r) => n + r.latenciesMs.length, 0));
    let o = 0;
    for (const r of results) {
      latencies.set(r.latenciesMs, o);
      o += r.latenciesMs.length;
    }
    latencies.sort();
    return {
      requests: results.reduce((n, r) => n + r.requests, 0),
      bytes: results.reduce((n, r) => n + r.bytes, 0),
      errors: results.reduce((n, r) => n + r.errors, 0),
      firstError: results.find((r) => r.firstError)?.firstError,
      elapsedMs,
      latenciesMs: latencies,
      clientCores: results.reduce((n, r) => n + r.cpuMs, 0) / elapsedMs,
    };
  }

  close(): void {
    for (const w of this.workers) w.disconnect();
  }
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
