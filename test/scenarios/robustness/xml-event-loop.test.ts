/**
 * Bounded work per request on the event loop: parsing a request document must not stall every
 * other client. Parsing costs ~0.25 ms per KiB, so documents past a few KiB are parsed in a worker
 * thread (src/xml/off-loop.ts) and a document may hold at most limits.xmlElementsMax elements.
 * Before: a 10 MiB CompleteMultipartUpload of 2.6 M empty elements held the loop ~4 s, and one of
 * 10,000 parts with their checksums 1.1 to 1.9 s.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { limits } from '../../../src/limits.js';
import { errorCode, rawRequest, signV4 } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, type TestServer } from '../../helpers/start-server.js';

/**
 * The event loop may be held at most this long while a document is read and parsed: what is left
 * on the loop is reading the body and taking the parsed elements back in batches: 15 to 50 ms,
 * measured on a loaded machine beside other tests (before: ~4 s).
 */
const LOOP_DELAY_MS_MAX = 100;
/**
 * With 10,000 parts the operation's own work on them (checks, part lookup, digest) is added:
 * ~35 to 130 ms on a loaded machine (before: 1.1 to 1.9 s, the parse alone ~250 ms on an idle one).
 */
const LOOP_DELAY_WITH_10000_PARTS_MS_MAX = 300;

const CLOSE = '</CompleteMultipartUpload>';

/** `unit` repeated to fill CompleteMultipartUpload's 10 MiB cap. */
function filled(unit: string): string {
  const open = '<CompleteMultipartUpload>';
  const room = limits.completeMultipartUploadBytesMax - open.length - CLOSE.length;
  return open + unit.repeat(Math.floor(room / unit.length)) + CLOSE;
}

/** 10,000 parts, each with every checksum element (~2 MB). */
function largestValidShape(): string {
  const checksums = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
  const parts: string[] = [];
  for (let n = 1; n <= limits.partNumberMax; n++) {
    parts.push(`<Part><PartNumber>${n}</PartNumber><ETag>"0123456789abcdef0123456789abcdef"</ETag>` +
      checksums.map((c) => `<Checksum${c}>AAAAAA==</Checksum${c}>`).join('') + '</Part>');
  }
  return `<CompleteMultipartUpload>${parts.join('')}${CLOSE}`;
}

describe('XML parsing off the event loop', () => {
  let server: TestServer;
  let bucket: string;
  let uploadId: string;
  before(async () => {
    server = await startServer();
    bucket = await server.newBucket('xmlloop');
    uploadId = (await server.client().send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }))).UploadId!;
  });
  after(() => server.stop());

  /**
   * Sends a document (signed before the measure starts) `times` times and returns the answer and
   * the loop's longest delay, the least of the runs: on a shared machine the process is sometimes
   * descheduled for longer than any of its own work, but not during every run, while a parse on
   * the loop holds it in every run.
   */
  async function complete(document: string, times = 3): Promise<{ status: number; code: string | undefined; delayMs: number }> {
    const body = Buffer.from(document);
    assert.ok(body.length <= limits.completeMultipartUploadBytesMax);
    const path = `/${bucket}/k`;
    const query = `uploadId=${uploadId}`;
    let result = { status: 0, code: undefined as string | undefined, delayMs: Infinity };
    for (let run = 0; run < times; run++) {
      const headers = signV4({ method: 'POST', path, query, host: new URL(server.endpoint).host, body, ...ROOT_KEYS });
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      const res = await rawRequest(server.endpoint, { method: 'POST', path: `${path}?${query}`, headers, body: Buffer.from(body) });
      histogram.disable();
      result = { status: res.status, code: errorCode(res.text), delayMs: Math.min(result.delayMs, histogram.max / 1e6) };
    }
    return result;
  }

  test(`CompleteMultipartUpload.10 MiB of empty elements → 400 MalformedXML, the loop never held more than ${LOOP_DELAY_MS_MAX} ms`, async (t) => {
    const res = await complete(filled('<Part/>'));
    t.diagnostic(`longest event-loop delay: ${res.delayMs.toFixed(1)} ms`);
    assert.deepEqual([res.status, res.code], [400, 'MalformedXML']);
    assert.ok(res.delayMs < LOOP_DELAY_MS_MAX, `the event loop was held ${res.delayMs.toFixed(1)} ms`);
  });

  test(`CompleteMultipartUpload.10,000 parts with every checksum → parsed (InvalidPart), the loop never held more than ${LOOP_DELAY_WITH_10000_PARTS_MS_MAX} ms`, async (t) => {
    const res = await complete(largestValidShape());
    t.diagnostic(`longest event-loop delay: ${res.delayMs.toFixed(1)} ms`);
    assert.deepEqual([res.status, res.code], [400, 'InvalidPart']);
    assert.ok(res.delayMs < LOOP_DELAY_WITH_10000_PARTS_MS_MAX, `the event loop was held ${res.delayMs.toFixed(1)} ms`);
  });

  test('CompleteMultipartUpload.one element over limits.xmlElementsMax → 400 MalformedXML; at the limit it is parsed', async () => {
    const unit = '<x>1</x>';
    const at = `<CompleteMultipartUpload>${'<Part><PartNumber>1</PartNumber><ETag>"e"</ETag></Part>'}${unit.repeat(limits.xmlElementsMax - 4)}${CLOSE}`;
    const over = at.replace(CLOSE, `${unit}${CLOSE}`);
    assert.deepEqual(await complete(at, 1).then((r) => [r.status, r.code]), [400, 'InvalidPart']);
    assert.deepEqual(await complete(over, 1).then((r) => [r.status, r.code]), [400, 'MalformedXML']);
  });
});
