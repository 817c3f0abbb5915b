/**
 * Debian's Chromium, driven by playwright-core, for the browser tests (CORS, POST forms, website
 * hosting, the console). One browser per test file: `const browser = await launchChromium()` in
 * `before`, `await browser.close()` in `after`; `chromium.skip` as the suite's skip option.
 *
 * `servePage()` serves HTML from another origin (its own ephemeral port), so a page it serves talks
 * to Coffer cross-origin, as a real web application does.
 */
import { createServer, type Server } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium as playwrightChromium, type Browser } from 'playwright-core';
import { locateTool } from '../interop/helpers/tool.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The Debian package `chromium` (.ci/run installs it): skipped off CI when missing, a failure on CI. */
export const chromium = locateTool('chromium', CHROMIUM_PATH, { probe: ['--version'], debianPackage: 'chromium' });

/**
 * Headless Chromium. As root it needs --no-sandbox; the background-networking flags stop it
 * reaching for Google's hosts, which this machine's closed network refuses.
 */
export async function launchChromium(): Promise<Browser> {
  chromium.require();
  return playwrightChromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface PageServer {
  /** The origin pages are served from, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `pages[path]` as text/html (404 otherwise) on 127.0.0.1, an ephemeral port. */
export async function servePage(pages: Readonly<Record<string, string>>): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const page = pages[(req.url ?? '/').split('?')[0]!];
    if (page === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('page server has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Where tests keep screenshots (a CI artifact; git-ignored): `test-artifacts/<name>`. */
export async function artifactPath(name: string): Promise<string> {
  const dir = join(process.cwd(), 'test-artifacts');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return join(dir, name);
}
