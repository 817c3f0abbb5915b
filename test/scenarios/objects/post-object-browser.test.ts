/**
 * POST Object from a real browser: an HTML form (served from another origin) with the fields of
 * createPresignedPost and a file chosen in its file input is submitted as a top-level navigation
 * (a form POST is no CORS request); the browser lands on success_action_redirect, and the object
 * reads back byte for byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { Browser } from 'playwright-core';
import { artifactPath, chromium, launchChromium, servePage, type PageServer } from '../../helpers/browser.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

describe('PostObject in the browser', { skip: chromium.skip }, () => {
  let server: TestServer;
  let s3: S3Client;
  let browser: Browser;
  let pages: PageServer | undefined;
  before(async () => {
    server = await startServer();
    s3 = server.client();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    s3?.destroy();
    await server?.stop();
  });

  test('PostObject.browser form: file input, submit, success_action_redirect lands on the page; the object is byte-identical', async () => {
    const bucket = await server.newBucket('browser-post');
    // The redirect target is on the page server, whose port is known only once it listens: the
    // form page is filled in after it starts (the pages object is read per request).
    const served: Record<string, string> = { '/done': '<!doctype html><title>done</title><h1 id="done">Uploaded</h1>' };
    pages = await servePage(served);
    const redirect = `${pages.origin}/done`;
    const { url, fields } = await createPresignedPost(s3, {
      Bucket: bucket,
      Key: 'browser/${filename}',
      Conditions: [['starts-with', '$key', 'browser/'], ['content-length-range', 1, 10 * 1024 * 1024], ['eq', '$success_action_redirect', redirect], ['starts-with', '$Content-Type', '']],
      Fields: { success_action_redirect: redirect, 'Content-Type': 'application/octet-stream' },
      Expires: 600,
    });
    const hidden = Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
    served['/'] = `<!doctype html><title>upload</title>
      <form id="upload" action="${escapeHtml(url)}" method="post" enctype="multipart/form-data">
      ${hidden}
      <input type="file" name="file">
      <button type="submit">Upload</button>
      </form>`;
    const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    const page = await browser.newPage();
    try {
      await page.goto(`${pages.origin}/`);
      await page.setInputFiles('input[type=file]', { name: 'data.bin', mimeType: 'application/octet-stream', buffer: content });
      await Promise.all([page.waitForURL(`${redirect}?**`), page.click('button[type=submit]')]);
      const landed = new URL(page.url());
      assert.equal(landed.searchParams.get('bucket'), bucket);
      assert.equal(landed.searchParams.get('key'), 'browser/data.bin');
      assert.equal(landed.searchParams.get('etag'), `"${createHash('md5').update(content).digest('hex')}"`);
      assert.equal(await page.textContent('#done'), 'Uploaded');
      await page.screenshot({ path: await artifactPath('post-object-redirect.png') });
    } finally {
      await page.close();
    }
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'browser/data.bin' }));
    assert.deepEqual(Buffer.from(await object.Body!.transformToByteArray()), content);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'browser/data.bin' }));
    assert.equal(head.ContentLength, content.length);
  });
});
