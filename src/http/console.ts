/**
 * The web console (console/, built by Vite into dist/console at install time) served at
 * `/_console/` on the S3 listener: the same origin as the S3 API and the admin API, so the page
 * needs no CORS. Hashed assets are cached for a year; index.html is revalidated, and answers any
 * path without a file extension (the app routes in the page). A content security policy keeps
 * the page from reaching anything but this origin.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

export const CONSOLE_PREFIX = '/_console/';

/** dist/console, whether this module runs from src/ (tsx), dist/ (built) or a test build. */
export const CONSOLE_DIR = join(PACKAGE_ROOT, 'dist/console/');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.map': 'application/json',
  '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves path-style requests for /_console and /_console/… and hands everything else to `next`. */
export function withConsole(dir: string, isVirtualHost: (host: string | undefined) => boolean, next: Handler): Handler {
  return (req, res) => {
    const url = req.url ?? '/';
    // Every S3 request passes here: no path is cut out of a URL that cannot be the console's.
    if (!url.startsWith('/_console')) return next(req, res);
    const path = url.split('?', 1)[0]!;
    if ((path !== '/_console' && !path.startsWith(CONSOLE_PREFIX)) || isVirtualHost(req.headers.host)) return next(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'The console is read with GET.\n', { allow: 'GET, HEAD' });
    if (path === '/_console') return plain(res, 301, '', { location: CONSOLE_PREFIX });
    serve(dir, path, req, res).catch((error: unknown) => res.destroy(error as Error));
  };
}

async function serve(dir: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let relative: string;
  try {
    relative = decodeURIComponent(path.slice(CONSOLE_PREFIX.length));
  } catch {
    return plain(res, 400, 'Bad path.\n');
  }
  const file = normalize(join(dir, relative));
  if (!file.startsWith(normalize(dir + sep)) && file !== normalize(dir)) return plain(res, 404, 'Not found.\n');
  const fileSize = relative !== '' ? await regularFile(file) : undefined;
  const found = fileSize !== undefined;
  // A path with an extension names a file (a missing asset is a 404); any other is a page of the app.
  const target = found ? file : extname(relative) === '' ? join(dir, 'index.html') : undefined;
  const size = found ? fileSize : target === undefined ? undefined : await regularFile(target);
  if (target === undefined || size === undefined) {
    return plain(res, 404, target === undefined ? 'Not found.\n' : 'The console is not built: run `npm run build`.\n');
  }
  const immutable = relative.startsWith('assets/') && found;
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(target)] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    server: 'Coffer',
    ...SECURITY_HEADERS,
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(target).on('error', (error) => res.destroy(error)).pipe(res);
}

/** The file's size when `path` is a regular file. */
async function regularFile(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

function plain(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', server: 'Coffer', ...headers });
  res.end(body);
}
