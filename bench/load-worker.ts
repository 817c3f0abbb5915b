/**
 * One load-generator process (forked by run.ts / memory.ts). It receives a Job, signs every
 * request it will send before the timed window, opens its connections, reports 'ready', and on
 * 'go' drives them until the time or request budget is spent; then it reports counts and
 * per-request latencies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { RawConnection } from './lib/raw-client.js';
import { BENCH_CREDENTIALS, UNSIGNED, signedHead, type Credentials, type RequestSpec } from './lib/sign.js';

export type JobKind = 'put' | 'get' | 'head' | 'delete' | 'mix' | 'list';

export interface Job {
  readonly host: string;
  readonly port: number;
  readonly bucket: string;
  readonly kind: JobKind;
  readonly connections: number;
  /** Stop after this long (0: only the request budget bounds the run). */
  readonly durationMs: number;
  readonly maxRequests: number;
  readonly objectBytes: number;
  readonly payload: 'sha256' | 'unsigned';
  /** Keys are `${prefix}${n}`; this worker's keys are n in [keyStart, keyStart + keyCount). */
  readonly prefix: string;
  readonly keyStart: number;
  readonly keyCount: number;
  /** For 'mix': the GET half reads `${getPrefix}${n}`, n < getCount. */
  readonly getPrefix?: string;
  readonly getCount?: number;
  /** Spread keys over this many folders: `${prefix}d${n % dirs}/k${n}`. */
  readonly dirs?: number;
  /** For 'list': the query string. */
  readonly listQuery?: string;
  /** Who signs (default: the root user of BENCH_CREDENTIALS). */
  readonly credentials?: Credentials;
  /** Further headers every request sends, signed (e.g. SSE-C's customer key). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface WorkerResult {
  readonly requests: number;
  readonly bytes: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
  readonly cpuMs: number;
}

interface Prepared {
  readonly head: Buffer;
  readonly body: Buffer | undefined;
  readonly bodyless: boolean;
}

function prepare(job: Job): Prepared[] {
  const host = `${job.host}:${job.port}`;
  const body = job.objectBytes > 0 ? randomBytes(job.objectBytes) : Buffer.alloc(0);
  const bodyHash = job.payload === 'sha256' ? createHash('sha256').update(body).digest('hex') : UNSIGNED;
  const emptyHash = createHash('sha256').digest('hex');
  const path = (key: string) => `/${job.bucket}/${key}`;
  const credentials = job.credentials ?? BENCH_CREDENTIALS;
  const put = (key: string): Prepared => ({
    head: signedHead({ method: 'PUT', path: path(key), bodyBytes: body.length, payloadHash: bodyHash, headers: job.headers }, host, credentials),
    body,
    bodyless: false,
  });
  const simple = (method: string, key: string, query?: string): Prepared => {
    const spec: RequestSpec = { method, path: key === '' ? `/${job.bucket}` : path(key), query, payloadHash: emptyHash, headers: job.headers };
    return { head: signedHead(spec, host, credentials), body: undefined, bodyless: method === 'HEAD' };
  };
  const out: Prepared[] = [];
  const count = job.kind === 'get' || job.kind === 'head' || job.kind === 'list' ? Math.min(job.maxRequests, Math.max(1, job.keyCount)) : job.maxRequests;
  for (let i = 0; i < count; i++) {
    const n = job.keyStart + (job.kind === 'get' || job.kind === 'head' ? i % job.keyCount : i);
    const key = job.dirs ? `${job.prefix}d${n % job.dirs}/k${n}` : `${job.prefix}${n}`;
    switch (job.kind) {
      case 'put': out.push(put(key)); break;
      case 'get': out.push(simple('GET', key)); break;
      case 'head': out.push(simple('HEAD', key)); break;
      case 'delete': out.push(simple('DELETE', key)); break;
      case 'list': out.push(simple('GET', '', job.listQuery)); break;
      case 'mix':
        out.push(i % 10 < 7 ? simple('GET', `${job.getPrefix}${(i * 7919) % job.getCount!}`) : put(key));
        break;
    }
  }
  return out;
}

async function main(job: Job): Promise<void> {
  const prepared = prepare(job);
  const connections = await Promise.all(
    Array.from({ length: job.connections }, async () => {
      const c = new RawConnection(job.host, job.port);
      await c.open();
      return c;
    }),
  );
  process.send!({ type: 'ready' });
  await new Promise<void>((go) => (waitingForGo = go));

  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = job.durationMs > 0 ? start + job.durationMs : Number.POSITIVE_INFINITY;
  const latencies = new Float64Array(job.maxRequests);
  let next = 0;
  let done = 0;
  let bytes = 0;
  let errors = 0;
  let firstError: string | undefined;
  await Promise.all(
    connections.map(async (conn) => {
      while (next < job.maxRequests && performance.now() < deadline) {
        const i = next++;
        const req = prepared[i % prepared.length]!;
        const t0 = performance.now();
        try {
          const res = await conn.request(req.head, req.body, req.bodyless);
          latencies[done++] = performance.now() - t0;
          bytes += res.bodyBytes + (req.body?.length ?? 0);
          if (res.status >= 300) {
            errors++;
            firstError ??= `${res.status} ${res.snippet}`;
          }
        } catch (error) {
          errors++;
          firstError ??= String(error);
          return;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  for (const c of connections) c.close();
  const result: WorkerResult = {
    requests: done,
    bytes,
    errors,
    firstError,
    elapsedMs,
    latenciesMs: Array.from(latencies.subarray(0, done)),
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  process.send!({ type: 'done', result });
}

/** Messages: {type:'job', job} → 'ready'; {type:'go'} → 'done' | 'failed'. One job at a time. */
let waitingForGo: (() => void) | undefined;
process.on('message', (message: { type: 'job'; job: Job } | { type: 'go' }) => {
  if (message.type === 'go') {
    const go = waitingForGo;
    waitingForGo = undefined;
    go?.();
    return;
  }
  main(message.job).catch((error) => {
    process.send!({ type: 'failed', error: String(error?.stack ?? error) });
  });
});
process.on('disconnect', () => process.exit(0));
