/**
 * The signed-in session: the access key and secret live in sessionStorage only (gone when the
 * tab closes) and leave the page only as SigV4 signatures, on requests to this same origin:
 * the S3 API (the JS SDK) and the admin API (/_admin/v1, signed the same way).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

export interface Caller {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly root: boolean;
  readonly admin: boolean;
}

const STORAGE_KEY = 'coffer-console-credentials';

export function savedCredentials(): Credentials | undefined {
  const text = sessionStorage.getItem(STORAGE_KEY);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as Credentials;
  } catch {
    return undefined;
  }
}

export function saveCredentials(credentials: Credentials | undefined): void {
  if (credentials === undefined) sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
}

export function s3Client(credentials: Credentials): S3Client {
  return new S3Client({
    endpoint: location.origin,
    region: credentials.region,
    forcePathStyle: true,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    // The console shows what the server answered; retries would only delay its message.
    maxAttempts: 1,
  });
}

/** An admin API error, with the server's code and message. */
export class AdminApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** One signed admin API request (docs/admin-api.md); resolves with the JSON answer. */
export async function adminCall<T = unknown>(credentials: Credentials, method: string, path: string, body?: unknown): Promise<T> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const signer = new SignatureV4({ service: 's3', region: credentials.region, credentials, sha256: Sha256 });
  const url = new URL(`/_admin/v1${path}`, location.origin);
  const signed = await signer.sign({
    method, protocol: url.protocol, hostname: url.hostname, port: url.port === '' ? undefined : Number(url.port), path: url.pathname,
    query: {}, headers: { host: url.host, 'content-type': 'application/json' }, body: text,
  });
  const headers = { ...signed.headers };
  delete headers.host; // the browser sets it (the same value)
  const response = await fetch(url, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : text });
  const answer = response.status === 204 ? undefined : ((await response.json()) as { code?: string; message?: string });
  if (!response.ok) throw new AdminApiError(response.status, answer?.code ?? 'Error', answer?.message ?? response.statusText);
  return answer as T;
}

/** What an SDK or admin error says, for the user: the server's code and message. */
export function describeError(error: unknown): string {
  if (error instanceof AdminApiError) return `${error.code}: ${error.message}`;
  const e = error as { name?: string; message?: string; Code?: string };
  if (e?.name === 'AbortError') return 'Cancelled';
  return `${e?.Code ?? e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
}
