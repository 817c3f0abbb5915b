/**
 * A static site in Chromium from the --website-address listener. The URL is the site's own
 * (http://BUCKET.localhost:PORT, a bucket named like its host, as AWS's custom-domain hosting):
 * Chromium resolves *.localhost to the loopback address, and the Host header names the bucket.
 * Index, sub-folder index, the error page and a routing-rule redirect render; a screenshot is kept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, chromium, launchChromium } from '../../helpers/browser.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

const page = (title: string, body: string) => `<!doctype html><html><head><title>${title}</title><style>body{font-family:sans-serif;background:#f4efe6}</style></head><body><h1>${title}</h1>${body}</body></html>`;

const SITE: Record<string, string> = {
  'index.html': page('Coffer static site', '<p>Served from a bucket.</p><a id="docs" href="/docs/">Docs</a>'),
  'docs/index.html': page('Docs', '<p>A sub-folder index.</p>'),
  'error.html': page('Not found here', '<p>The error document.</p>'),
};

describe('Browser: a static website', { skip: chromium.skip }, () => {
  let server: TestServer;
  let s3: S3Client;
  let browser: Browser;
  let tab: Page;
  let site: string;
  before(async () => {
    // The browser first: when it cannot start, nothing else is left running to hold the process open.
    browser = await launchChromium();
    server = await startServer({ bucketDefaults: 'legacy', websiteAddress: { host: '127.0.0.1', port: 0 } });
    s3 = server.client();
    const bucket = `site-${process.pid}.localhost`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // Listing too: a missing page is a 404 only to a caller allowed s3:ListBucket (a 403 otherwise), as on S3.
    const policy = { Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
      { Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` },
    ] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    await s3.send(
      new PutBucketWebsiteCommand({
        Bucket: bucket,
        WebsiteConfiguration: {
          IndexDocument: { Suffix: 'index.html' },
          ErrorDocument: { Key: 'error.html' },
          RoutingRules: [{ Condition: { KeyPrefixEquals: 'manual/' }, Redirect: { ReplaceKeyPrefixWith: 'docs/' } }],
        },
      }),
    );
    await Promise.all(Object.entries(SITE).map(([Key, Body]) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType: 'text/html; charset=utf-8' }))));
    site = `http://${bucket}:${new URL(server.coffer.websiteEndpoint!).port}`;
    tab = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('Website.the index renders at the site root; screenshot kept', async () => {
    const response = await tab.goto(`${site}/`);
    assert.equal(response?.status(), 200);
    assert.equal(await tab.textContent('h1'), 'Coffer static site');
    await tab.screenshot({ path: await artifactPath('website.png') });
  });

  test('Website.a link to a sub-folder renders its index; /docs is redirected to /docs/', async () => {
    await tab.goto(`${site}/`);
    await Promise.all([tab.waitForURL(`${site}/docs/`), tab.click('#docs')]);
    assert.equal(await tab.textContent('h1'), 'Docs');
    await tab.goto(`${site}/docs`);
    assert.equal(tab.url(), `${site}/docs/`);
    assert.equal(await tab.textContent('h1'), 'Docs');
  });

  test('Website.a missing page renders the error document with status 404', async () => {
    const response = await tab.goto(`${site}/no/such/page.html`);
    assert.equal(response?.status(), 404);
    assert.equal(await tab.textContent('h1'), 'Not found here');
  });

  test('Website.a routing rule redirects manual/ to docs/', async () => {
    await tab.goto(`${site}/manual/`);
    assert.equal(tab.url(), `${site}/docs/`);
    assert.equal(await tab.textContent('h1'), 'Docs');
  });
});
