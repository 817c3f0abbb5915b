import type { ServerResponse } from 'node:http';

type Headers = Readonly<Record<string, string | number | undefined>>;

/**
 * Headers written with `writeHead(status, array)` are not kept by Node (res.getHeader does not see
 * them): sendResult leaves them here, for what reads a response's headers after it is sent (the
 * server access log).
 */
const sent = new WeakMap<ServerResponse, { readonly headers: Headers | undefined; readonly contentLength: string | number | undefined }>();

export function rememberSentHeaders(res: ServerResponse, headers: Headers | undefined, contentLength: string | number | undefined): void {
  sent.set(res, { headers, contentLength });
}

/** A response header, whether set on the response or written by sendResult. */
export function sentHeader(res: ServerResponse, name: string): string | undefined {
  const own = res.getHeader(name);
  if (own !== undefined) return String(own);
  const written = sent.get(res);
  const value = name === 'content-length' ? written?.contentLength : written?.headers?.[name];
  return value === undefined ? undefined : String(value);
}
