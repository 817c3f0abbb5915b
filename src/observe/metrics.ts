import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetadataStore, StoreUsage } from '../store/meta/metadata-store.js';

/** Store totals are recomputed at most this often: they cost O(versions) (MetadataStore.usage). */
const USAGE_REFRESH_MS = 30_000;

/** Latency buckets, seconds: from a cached 4 KiB GET to a multi-GiB transfer. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** What one request adds to the request metrics. */
export interface RequestSample {
  readonly operation: string;
  readonly status: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
}

/**
 * Coffer's Prometheus metrics, in a registry of its own (several servers can run in one process).
 * Features add theirs to `registry` (outbox depth, lifecycle progress…); `/_metrics` serves it.
 */
export class CofferMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'status'>;
  private readonly latency: Histogram<'operation'>;
  private readonly received: Counter<'operation'>;
  private readonly sent: Counter<'operation'>;
  private readonly inFlight: Gauge;
  /** Label children by operation (and status): prom-client hashes label objects on every call otherwise. */
  private readonly perOperation = new Map<string, { latency: Histogram.Internal<'operation'>; received: Counter.Internal; sent: Counter.Internal }>();
  private readonly perOutcome = new Map<string, Counter.Internal>();

  constructor(meta: MetadataStore) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'coffer_' });
    this.requests = new Counter({ name: 'coffer_s3_requests_total', help: 'S3 requests answered, by operation and HTTP status.', labelNames: ['operation', 'status'], registers });
    this.latency = new Histogram({
      name: 'coffer_s3_request_duration_seconds', help: 'Time from the request line to the last byte of the response, by operation.',
      labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers,
    });
    this.received = new Counter({ name: 'coffer_s3_received_bytes_total', help: 'Bytes read from clients (headers and bodies), by operation.', labelNames: ['operation'], registers });
    this.sent = new Counter({ name: 'coffer_s3_sent_bytes_total', help: 'Bytes written to clients (headers and bodies), by operation.', labelNames: ['operation'], registers });
    this.inFlight = new Gauge({ name: 'coffer_s3_requests_in_flight', help: 'S3 requests being served now.', registers });

    const usage = cachedUsage(meta);
    const storeGauge = (name: string, help: string, pick: (u: StoreUsage) => number) =>
      new Gauge({ name, help, registers, async collect() { this.set(pick(await usage())); } });
    storeGauge('coffer_store_buckets', 'Buckets (refreshed at most every 30 s).', (u) => u.buckets);
    storeGauge('coffer_store_objects', 'Object versions that are not delete markers (refreshed at most every 30 s).', (u) => u.objects);
    storeGauge('coffer_store_bytes', 'Bytes of those versions (refreshed at most every 30 s).', (u) => u.bytes);
  }

  requestStarted(): void {
    this.inFlight.inc();
  }

  requestFinished(sample: RequestSample): void {
    this.inFlight.dec();
    let byOperation = this.perOperation.get(sample.operation);
    if (!byOperation) {
      const labels = { operation: sample.operation };
      byOperation = { latency: this.latency.labels(labels), received: this.received.labels(labels), sent: this.sent.labels(labels) };
      this.perOperation.set(sample.operation, byOperation);
    }
    const outcomeKey = `${sample.operation} ${sample.status}`;
    let byOutcome = this.perOutcome.get(outcomeKey);
    if (!byOutcome) {
      byOutcome = this.requests.labels({ operation: sample.operation, status: String(sample.status) });
      this.perOutcome.set(outcomeKey, byOutcome);
    }
    byOutcome.inc();
    byOperation.latency.observe(sample.durationMs / 1000);
    if (sample.bytesIn > 0) byOperation.received.inc(sample.bytesIn);
    if (sample.bytesOut > 0) byOperation.sent.inc(sample.bytesOut);
  }
}

/** The store's usage, recomputed when older than USAGE_REFRESH_MS; concurrent scrapes share one query. */
function cachedUsage(meta: MetadataStore): () => Promise<StoreUsage> {
  let last: { at: number; value: Promise<StoreUsage> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= USAGE_REFRESH_MS) {
      const value = meta.usage();
      last = { at: now, value };
      value.catch(() => { last = undefined; }); // a failure is reported by this scrape and retried by the next
    }
    return last.value;
  };
}
