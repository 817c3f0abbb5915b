import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CofferMetrics } from '../../../src/observe/metrics.js';
import { pathAndQuery } from '../../../src/observe/request-observer.js';
import type { MetadataStore } from '../../../src/store/meta/metadata-store.js';

const usage = { buckets: 2, objects: 5, bytes: 700 };
const meta = { usage: async () => usage } as unknown as MetadataStore;

test('CofferMetrics.histogram: an observation counts in its bucket and every larger one; sum and count', async () => {
  const metrics = new CofferMetrics(meta);
  for (const durationMs of [0.4, 0.5, 3, 400_000]) {
    metrics.requestStarted();
    metrics.requestFinished({ operation: 'HeadObject', status: 200, bytesIn: 1, bytesOut: 2, durationMs });
  }
  const text = await metrics.registry.metrics();
  const bucket = (le: string) => Number(new RegExp(`^coffer_s3_request_duration_seconds_bucket\\{le="${le.replace('+', '\\+')}",operation="HeadObject"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  // le is inclusive: 0.5 ms lands in the 0.0005 s bucket.
  assert.deepEqual([bucket('0.0005'), bucket('0.001'), bucket('0.005'), bucket('300'), bucket('+Inf')], [2, 2, 3, 3, 4]);
  assert.match(text, /^coffer_s3_request_duration_seconds_count\{operation="HeadObject"\} 4$/m);
  assert.match(text, /^coffer_s3_request_duration_seconds_sum\{operation="HeadObject"\} 400\.0039/m);
  assert.match(text, /^coffer_s3_requests_total\{operation="HeadObject",status="200"\} 4$/m);
  assert.match(text, /^coffer_s3_received_bytes_total\{operation="HeadObject"\} 4$/m);
  assert.match(text, /^coffer_s3_sent_bytes_total\{operation="HeadObject"\} 8$/m);
  assert.match(text, /^coffer_s3_requests_in_flight 0$/m);
  assert.match(text, /^coffer_store_bytes 700$/m);
});

test('CofferMetrics.registry: other features register their own metrics beside the request metrics', async () => {
  const metrics = new CofferMetrics(meta);
  const { Gauge } = await import('prom-client');
  new Gauge({ name: 'coffer_outbox_depth', help: 'Events waiting.', registers: [metrics.registry] }).set(3);
  assert.match(await metrics.registry.metrics(), /^coffer_outbox_depth 3$/m);
});

test('RequestLog.pathAndQuery: signature and credential values are redacted, the rest kept as sent', () => {
  assert.deepEqual(pathAndQuery('/b/k'), { path: '/b/k' });
  assert.deepEqual(
    pathAndQuery('/b/k?versionId=3&X-Amz-Signature=abc&x-amz-credential=AK%2F2026&X-Amz-Security-Token=tok&Signature=sig&AWSAccessKeyId=AK&uploads'),
    { path: '/b/k', query: 'versionId=3&X-Amz-Signature=REDACTED&x-amz-credential=REDACTED&X-Amz-Security-Token=REDACTED&Signature=REDACTED&AWSAccessKeyId=REDACTED&uploads' },
  );
  assert.deepEqual(pathAndQuery('/b?X%2DAmz%2DSignature=abc'), { path: '/b', query: 'X%2DAmz%2DSignature=REDACTED' });
});
