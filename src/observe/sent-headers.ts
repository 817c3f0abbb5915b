import type { ServerResponse } from 'node:http';

type Headers = Readonly<Record<string, string | number | undefined>>;

const SENT_HEADERS = Symbol('coffer.sentHeaders');
const SENT_LENGTH = Symbol('coffer.sentContentLength');

/** A response as sendResult leaves it: what it wrote, on the response itself. */
interface Remembered {
  [SENT_HEADERS]?: Headers;
  [SENT_LENGTH]?: string | number;
}

/**
 * Headers written with `writeHead(status, array)` are not kept by Node (res.getHeader does not see
 * them): sendResult leaves them on the response, for what reads a response's headers after it is
 * sent (the server access log). Properties of the response, not a WeakMap: an entry in a WeakMap
 * per request cost more than the lookups it served.
 */
export function rememberSentHeaders(res: ServerResponse, headers: Headers | undefined, contentLength: string | number | undefined): void {
  const remembered = res as ServerResponse & Remembered;
  remembered[SENT_HEADERS] = headers;
  remembered[SENT_LENGTH] = contentLength;
}

/** A response header, whether set on the response or written by sendResult. */
export function sentHeader(res: ServerResponse, name: string): string | undefined {
  const own = res.getHeader(name);
  if (own !== undefined) return String(own);
  const remembered = res as ServerResponse & Remembered;
  const value = name === 'content-length' ? remembered[SENT_LENGTH] : remembered[SENT_HEADERS]?.[name];
  return value === undefined ? undefined : String(value);
}
