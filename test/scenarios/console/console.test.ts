/**
 * The web console against a real Coffer, in Debian's Chromium: static serving at /_console/, then
 * the walk through the UI. COFFER_DOCS_SCREENSHOTS=1 (npm run docs:screenshots) writes the
 * screenshots into docs/console/ instead of test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetBucketLifecycleConfigurationCommand, GetBucketPolicyCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { CONSOLE_DIR } from '../../../src/http/console.js';
import { artifactPath, chromium, launchChromium } from '../../helpers/browser.js';
import { rawRequest } from '../../helpers/raw-request.js';
import { ROOT_KEYS, startServer, uniqueBucket, type TestServer } from '../../helpers/start-server.js';

const DOCS_SCREENSHOTS = process.env.COFFER_DOCS_SCREENSHOTS === '1';
const BIG_FILE_BYTES = 50 * 1024 * 1024;

let server: TestServer;
let files: string;

before(async () => {
  assert.ok(existsSync(join(CONSOLE_DIR, 'index.html')), `the console is not built in ${CONSOLE_DIR}: run npm run build`);
  server = await startServer();
  files = await mkdtemp(join(tmpdir(), 'coffer-console-'));
});
after(async () => {
  await server.stop();
  await rm(files, { recursive: true, force: true });
});

describe('console: static files at /_console/', () => {
  test('Console.static: redirect, index with CSP and no-cache, immutable assets, app-route fallback, 404s, 405', async () => {
    const bare = await rawRequest(server.endpoint, { method: 'GET', path: '/_console' });
    assert.deepEqual([bare.status, bare.headers.location], [301, '/_console/']);
    const index = await rawRequest(server.endpoint, { method: 'GET', path: '/_console/' });
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.match(String(index.headers['content-security-policy']), /default-src 'self'; connect-src 'self'/);
    const script = /src="(\/_console\/assets\/[^"]+\.js)"/.exec(index.text)?.[1];
    assert.ok(script, index.text);
    const asset = await rawRequest(server.endpoint, { method: 'GET', path: script });
    assert.deepEqual([asset.status, asset.headers['content-type'], asset.headers['cache-control']], [200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable']);
    const route = await rawRequest(server.endpoint, { method: 'GET', path: '/_console/b/some-bucket' });
    assert.deepEqual([route.status, route.text], [200, index.text]);
    assert.equal((await rawRequest(server.endpoint, { method: 'GET', path: '/_console/assets/missing.js' })).status, 404);
    assert.equal((await rawRequest(server.endpoint, { method: 'GET', path: '/_console/..%2f..%2fpackage.json' })).status, 404);
    assert.equal((await rawRequest(server.endpoint, { method: 'POST', path: '/_console/' })).status, 405);
  });
});

describe('console: in Chromium', { skip: chromium.skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  const shot = async (page: Page, name: string) => {
    const path = DOCS_SCREENSHOTS ? join(process.cwd(), 'docs', 'console', `${name}.png`) : await artifactPath(`console-${name}.png`);
    await page.screenshot({ path });
  };
  const signIn = async (page: Page, keys: { accessKeyId: string; secretAccessKey: string }) => {
    await page.goto(`${server.endpoint}/_console/`);
    await page.getByLabel('Access key').fill(keys.accessKeyId);
    await page.getByLabel('Secret key').fill(keys.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Buckets' }).waitFor();
  };

  test('Console.walkthrough: sign in, bucket, 50 MB upload with progress, 3 prefix levels, versions, lifecycle, policy, share link, user and key', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const external: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.endpoint) && !request.url().startsWith('data:')) external.push(request.url());
    });
    await page.goto(`${server.endpoint}/_console/`);
    await shot(page, 'login');
    await signIn(page, ROOT_KEYS);

    const bucket = uniqueBucket('console');
    await page.getByLabel('New bucket').fill(bucket);
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await page.getByRole('link', { name: bucket }).waitFor();
    await shot(page, 'buckets');

    // Versioning on, through the settings page.
    await page.goto(`${server.endpoint}/_console/#/s/${bucket}`);
    await page.getByRole('button', { name: 'Enable versioning' }).click();
    await page.getByTestId('versioning-status').filter({ hasText: 'Enabled' }).waitFor();

    // Lifecycle and policy: the server's validation message is shown, then valid documents saved.
    const lifecycle = page.getByRole('form', { name: 'Lifecycle' });
    await lifecycle.getByRole('textbox').fill(JSON.stringify({ Rules: [{ ID: 'expire-tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 7 } }] }));
    await lifecycle.getByRole('button', { name: 'Save lifecycle' }).click();
    await lifecycle.getByText('Saved.').waitFor();
    const policy = page.getByRole('form', { name: 'Policy' });
    await policy.getByRole('textbox').fill(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:NoSuchAction', Resource: `arn:aws:s3:::${bucket}/*` }] }));
    await policy.getByRole('button', { name: 'Save policy' }).click();
    await policy.getByText('MalformedPolicy: Policy has invalid action').waitFor();
    const goodPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${bucket}/locked/*` }] };
    await policy.getByRole('textbox').fill(JSON.stringify(goodPolicy));
    await policy.getByRole('button', { name: 'Save policy' }).click();
    await policy.getByText('Saved.').waitFor();
    await shot(page, 'settings');
    const s3 = server.client();
    assert.equal((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules?.[0]?.ID, 'expire-tmp');
    assert.deepEqual(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!).Statement[0].Action, 's3:DeleteObject');

    // A 50 MB upload (multipart) with its progress bar visible while it runs.
    const big = join(files, 'big.bin');
    await writeFile(big, '');
    await truncate(big, BIG_FILE_BYTES);
    await page.goto(`${server.endpoint}/_console/#/b/${bucket}/`);
    await page.getByTestId('file-picker').setInputFiles(big);
    const progress = page.getByRole('progressbar', { name: 'Upload of big.bin' });
    await progress.waitFor({ state: 'visible' });
    // While parts are hashed the page is too busy to be photographed: the shot shows the finished bar.
    await page.locator('.uploads li', { hasText: 'big.bin' }).getByText('done').waitFor({ timeout: 60_000 });
    await shot(page, 'upload');
    await page.getByRole('link', { name: 'big.bin' }).waitFor();

    // Three levels of prefixes: open a/b/c/, upload twice there (two versions), then walk down from the bucket.
    await page.getByLabel('Open folder').fill('a/b/c');
    await page.getByRole('button', { name: 'Go' }).click();
    const note = join(files, 'note.txt');
    for (const [i, text] of ['first', 'second'].entries()) {
      await writeFile(note, text);
      await page.getByTestId('file-picker').setInputFiles(note);
      await page.locator('.uploads li', { hasText: 'note.txt' }).filter({ hasText: 'done' }).nth(i).waitFor();
    }
    await page.goto(`${server.endpoint}/_console/#/b/${bucket}/`);
    for (const level of ['a/', 'b/', 'c/']) await page.getByRole('link', { name: level, exact: true }).click();
    await page.getByRole('link', { name: 'note.txt' }).click();
    await shot(page, 'browse');
    const versions = page.getByRole('table', { name: 'Versions' });
    await versions.locator('tbody tr').nth(1).waitFor();
    assert.equal(await versions.locator('tbody tr').count(), 2);
    await shot(page, 'object');

    // Share a link and fetch it from outside the browser.
    await page.getByLabel('Link valid for').selectOption('900');
    await page.getByRole('button', { name: 'Create link' }).click();
    const link = await page.getByLabel('Shared link').inputValue();
    assert.match(link, /X-Amz-Expires=900/);
    const fetched = await fetch(link);
    assert.deepEqual([fetched.status, await fetched.text()], [200, 'second']);

    // A user and a key through the admin pages, then a session as that user.
    await page.getByRole('link', { name: 'Users and keys' }).click();
    await page.getByLabel('New user').fill('console-user');
    await page.getByRole('button', { name: 'Create user' }).click();
    const panel = page.getByRole('region', { name: 'User console-user' });
    await panel.getByRole('button', { name: 'Create key' }).click();
    const accessKeyId = await panel.getByTestId('new-access-key').innerText();
    const secretAccessKey = await panel.getByTestId('new-secret-key').innerText();
    await shot(page, 'admin');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, { accessKeyId, secretAccessKey });
    await page.getByText('console-user').first().waitFor();
    await page.getByText('No buckets yet.').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Users and keys' }).count(), 0, 'no admin pages for a user without coffer-admin:*');

    // A phone-sized viewport still shows the bucket list.
    await page.setViewportSize({ width: 390, height: 800 });
    await shot(page, 'phone');
    assert.deepEqual(external, [], 'the console reaches no other origin');
    await page.close();
    assert.ok((await readdir(files)).includes('big.bin'));
  });
});
