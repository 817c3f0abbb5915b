/**
 * Header-signed SigV4 request heads for the load generator, computed before the timed window.
 * Uses Coffer's own canonicalisation (the point is load, not an independent signer: the SigV4
 * test vectors in test/unit cover correctness).
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { buildCanonicalRequest } from '../../src/auth/sigv4/canonical-request.js';
import { getSigningKey, signHex } from '../../src/auth/sigv4/signing-key.js';
import { buildStringToSign, credentialScope, toAmzDate } from '../../src/auth/sigv4/string-to-sign.js';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

export const BENCH_CREDENTIALS: Credentials = {
  accessKeyId: 'AKIACOFFERBENCH00001',
  secretAccessKey: 'coffer/bench/secret/0123456789abcdefghijk',
  region: 'us-east-1',
};

export const UNSIGNED = 'UNSIGNED-PAYLOAD';

export interface RequestSpec {
  readonly method: string;
  /** Raw (already encoded) path, e.g. `/bucket/key`. */
  readonly path: string;
  /** Raw query string without '?'. */
  readonly query?: string;
  readonly bodyBytes?: number;
  /** Hex SHA-256 of the body, or UNSIGNED-PAYLOAD. */
  readonly payloadHash: string;
  /** Further headers (lower-case names), sent and signed: SSE-C keys, for one. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The request line and headers (ending with the blank line) of a signed request, as bytes. */
export function signedHead(spec: RequestSpec, host: string, creds: Credentials, now = new Date()): Buffer {
  const amzDate = toAmzDate(now);
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    host,
    'x-amz-content-sha256': spec.payloadHash,
    'x-amz-date': amzDate,
    ...spec.headers,
  };
  const signedHeaders = Object.keys(headers).sort();
  const query = spec.query ?? '';
  const canonical = buildCanonicalRequest({
    method: spec.method,
    rawPath: spec.path,
    rawQuery: query,
    headers,
    signedHeaders,
    payloadHash: spec.payloadHash,
  });
  const scope = credentialScope(date, creds.region, 's3');
  const signature = signHex(getSigningKey(creds.secretAccessKey, date, creds.region, 's3'), buildStringToSign(amzDate, scope, canonical));
  const lines = [
    `${spec.method} ${spec.path}${query ? `?${query}` : ''} HTTP/1.1`,
    `Host: ${host}`,
    `X-Amz-Content-Sha256: ${spec.payloadHash}`,
    `X-Amz-Date: ${amzDate}`,
    ...Object.entries(spec.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    `Authorization: AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  ];
  if (spec.bodyBytes !== undefined && (spec.bodyBytes > 0 || spec.method === 'PUT')) lines.push(`Content-Length: ${spec.bodyBytes}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

/**
 * One signed request with a small body (set-up and probes, not load): resolves with the status.
 * A body-less GET/HEAD sends no Content-Length; a PUT always does.
 */
export function sendSigned(
  server: { host: string; port: number }, method: string, path: string, query = '', body?: string | Buffer,
  options: { credentials?: Credentials; headers?: Record<string, string> } = {},
): Promise<number> {
  const bytes = Buffer.from(body ?? '');
  const head = signedHead(
    {
      method, path, query,
      payloadHash: createHash('sha256').update(bytes).digest('hex'),
      bodyBytes: body !== undefined || method === 'PUT' ? bytes.length : undefined,
      headers: options.headers,
    },
    `${server.host}:${server.port}`, options.credentials ?? BENCH_CREDENTIALS,
  );
  const headers: Record<string, string> = {};
  for (const line of head.toString('latin1').split('\r\n').filter(Boolean).slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: server.host, port: server.port, method, path: query ? `${path}?${query}` : path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(bytes);
  });
}
