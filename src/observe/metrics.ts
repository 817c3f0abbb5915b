import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { MetadataStore, StoreUsage } from '../store/meta/metadata-store.js';

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

/** What one operation's requests added up to, kept as plain numbers: the per-request cost is a few additions. */
interface OperationTotals {
  readonly byStatus: Map<number, number>;
  /** Observations per latency bucket (not cumulative); the last slot is +Inf. */
  readonly latencyCounts: Float64Array;
  latencyCount: number;
  latencySumSeconds: number;
  bytesIn: number;
  bytesOut: number;
}

type Sample = { value: number; labels: Record<string, string | number>; metricName?: string };

/**
 * Coffer's Prometheus metrics, in a registry of its own (several servers can run in one process).
 * Features add theirs to `registry` (outbox depth, lifecycle progress…); `/_metrics` serves it.
 * The request families are totals turned into Prometheus samples only when scraped: prom-client's
 * labelled counters and histograms hash their labels on every update, which cost several µs per
 * request (bench/observability-cost.ts).
 */
export class CofferMetrics {
  readonly registry = new Registry();
  private readonly operations = new Map<string, OperationTotals>();
  private inFlight = 0;
  /** Admin API traffic is an operator's, a few requests a minute: prom-client's labelled counter is cheap enough. */
  private readonly adminRequests = new Counter({
    name: 'coffer_admin_requests_total',
    help: 'Admin API requests answered, by endpoint (method and path pattern; - when none matched) and HTTP status.',
    labelNames: ['endpoint', 'status'],
    registers: [this.registry],
  });

  constructor(meta: MetadataStore) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'coffer_' });
    const each = (sample: (operation: string, totals: OperationTotals) => Sample[]) => () => [...this.operations].flatMap(([operation, totals]) => sample(operation, totals));
    this.family('coffer_s3_requests_total', 'S3 requests answered, by operation and HTTP status.', 'counter',
      each((operation, totals) => [...totals.byStatus].map(([status, value]) => ({ value, labels: { operation, status } }))));
    this.family('coffer_s3_request_duration_seconds', 'Time from the request line to the last byte of the response, by operation.', 'histogram',
      each((operation, totals) => histogramSamples('coffer_s3_request_duration_seconds', operation, totals)));
    this.family('coffer_s3_received_bytes_total', 'Bytes read from clients (headers and bodies), by operation.', 'counter',
      each((operation, totals) => [{ value: totals.bytesIn, labels: { operation } }]));
    this.family('coffer_s3_sent_bytes_total', 'Bytes written to clients (headers and bodies), by operation.', 'counter',
      each((operation, totals) => [{ value: totals.bytesOut, labels: { operation } }]));
    this.family('coffer_s3_requests_in_flight', 'S3 requests being served now.', 'gauge', () => [{ value: this.inFlight, labels: {} }]);

    // Read once per scrape (the store keeps the totals: MetadataStore.usage), shared by the three gauges.
    let scrape: Promise<StoreUsage> | undefined;
    const usage = () => (scrape ??= meta.usage().finally(() => setImmediate(() => (scrape = undefined))));
    const storeGauge = (name: string, help: string, pick: (u: StoreUsage) => number) =>
      new Gauge({ name, help, registers, async collect() { this.set(pick(await usage())); } });
    storeGauge('coffer_store_buckets', 'Buckets.', (u) => u.buckets);
    storeGauge('coffer_store_objects', 'Object versions that are not delete markers.', (u) => u.objects);
    storeGauge('coffer_store_bytes', 'Bytes of those versions.', (u) => u.bytes);
  }

  requestStarted(): void {
    this.inFlight++;
  }

  requestFinished(sample: RequestSample): void {
    this.inFlight--;
    let totals = this.operations.get(sample.operation);
    if (!totals) {
      totals = { byStatus: new Map(), latencyCounts: new Float64Array(LATENCY_BUCKETS.length + 1), latencyCount: 0, latencySumSeconds: 0, bytesIn: 0, bytesOut: 0 };
      this.operations.set(sample.operation, totals);
    }
    totals.byStatus.set(sample.status, (totals.byStatus.get(sample.status) ?? 0) + 1);
    const seconds = sample.durationMs / 1000;
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++;
    totals.latencyCounts[bucket]!++;
    totals.latencyCount++;
    totals.latencySumSeconds += seconds;
    totals.bytesIn += sample.bytesIn;
    totals.bytesOut += sample.bytesOut;
  }

  adminRequestFinished(endpoint: string, status: number): void {
    this.adminRequests.inc({ endpoint, status });
  }

  /** A metric family whose samples are computed when scraped (prom-client's registry only calls `get`). */
  private family(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', samples: () => Sample[]): void {
    const metric = { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }), reset() {} };
    this.registry.registerMetric(metric as unknown as Metric);
  }
}

function histogramSamples(name: string, operation: string, totals: OperationTotals): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
    cumulative += totals.latencyCounts[i]!;
    samples.push({ metricName: `${name}_bucket`, value: cumulative, labels: { le: i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : '+Inf', operation } });
  }
  samples.push({ metricName: `${name}_sum`, value: totals.latencySumSeconds, labels: { operation } });
  samples.push({ metricName: `${name}_count`, value: totals.latencyCount, labels: { operation } });
  return samples;
}
