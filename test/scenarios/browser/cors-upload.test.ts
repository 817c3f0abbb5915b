/**
 * A web application in Chromium, served from another origin, uploads with a presigned PUT and reads
 * the object back with fetch — both cross-origin, so the browser preflights and checks Coffer's CORS
 * headers itself. A page from an origin the rules do not name is refused by the browser.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, PutBucketCorsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Browser, Page } from 'playwright-core';
import { chromium, launchChromium, servePage, type PageServer } from '../../helpers/browser.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

/** Non-ASCII text followed by every byte value: what a browser upload must keep byte for byte. */
const BODY = Buffer.concat([Buffer.from('héllo wörld ✓ 日本 '), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);

const APP = '<!doctype html><html><head><title>uploader</title></head><body>uploader</body></html>';

interface PageOutcome {
  readonly putStatus?: number;
  readonly bytes?: number[];
  readonly etag?: string | null;
  readonly error?: string;
}

/** In the page: PUT the bytes to the presigned URL, then GET them back; a refused fetch is an error string. */
function uploadAndRead(page: Page, urls: { put: string; get: string }, bytes: number[]): Promise<PageOutcome> {
  return page.evaluate(async ({ urls, bytes }) => {
    try {
      const put = await fetch(urls.put, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } });
      const got = await fetch(urls.get);
      return { putStatus: put.status, bytes: Array.from(new Uint8Array(await got.arrayBuffer())), etag: got.headers.get('etag') };
    } catch (error) {
      return { error: String(error) };
    }
  }, { urls, bytes });
}

describe('Browser: presigned PUT and fetch through CORS', { skip: chromium.skip }, () => {
  let server: TestServer;
  let s3: S3Client;
  let bucket: string;
  let browser: Browser;
  let app: PageServer;
  let stranger: PageServer;
  before(async () => {
    // The browser first: when it cannot start, nothing else is left running to hold the process open.
    browser = await launchChromium();
    [server, app, stranger] = await Promise.all([startServer(), servePage({ '/': APP }), servePage({ '/': APP })]);
    s3 = server.client();
    bucket = await server.newBucket('browser');
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: [app.origin], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 60 }] },
      }),
    );
  });
  after(async () => {
    await Promise.all([browser?.close(), app?.close(), stranger?.close()]);
    await server?.stop();
  });

  const presigned = async (key: string) => ({
    put: await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 }),
    get: await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 }),
  });

  test('CORS.an allowed origin uploads with a presigned PUT and reads it back byte for byte', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${app.origin}/`);
      const outcome = await uploadAndRead(page, await presigned('from-browser.bin'), [...BODY]);
      assert.equal(outcome.error, undefined);
      assert.equal(outcome.putStatus, 200);
      assert.deepEqual(Buffer.from(outcome.bytes!), BODY);
      assert.match(outcome.etag ?? '', /^"[0-9a-f]{32}"$/); // readable only because the rule exposes it
      const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'from-browser.bin' }));
      assert.deepEqual(Buffer.from(await stored.Body!.transformToByteArray()), BODY);
    } finally {
      await page.close();
    }
  });

  test('CORS.an origin the rules do not name is refused by the browser, and nothing is stored', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${stranger.origin}/`);
      const outcome = await uploadAndRead(page, await presigned('from-stranger.bin'), [1, 2, 3]);
      assert.match(outcome.error ?? '', /TypeError: Failed to fetch/);
      const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'from-stranger.bin' })).catch((error: { name: string }) => error.name);
      assert.equal(stored, 'NoSuchKey'); // the preflight failed: the PUT was never sent
    } finally {
      await page.close();
    }
  });
});
