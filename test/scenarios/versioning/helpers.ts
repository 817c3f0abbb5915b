import { rawRequest, signV4, type RawResponse } from '../../helpers/raw-request.js';
import { ROOT_KEYS, type TestServer } from '../../helpers/start-server.js';

/** A SigV4-signed request as the root user, for bodies and headers SDKs never send. */
export function signedRequest(
  server: TestServer,
  options: { method: string; path: string; query?: string; body?: string; headers?: Record<string, string> },
): Promise<RawResponse> {
  const host = new URL(server.endpoint).host;
  const headers = signV4({ ...options, host, ...ROOT_KEYS });
  const path = options.query ? `${options.path}?${options.query}` : options.path;
  return rawRequest(server.endpoint, { method: options.method, path, headers, body: options.body });
}

/** The response headers of a failed SDK call. */
export function errorHeaders(error: unknown): Record<string, string> {
  return ((error as { $response?: { headers?: Record<string, string> } }).$response?.headers) ?? {};
}
