import { request } from 'node:http';
import { connect } from 'node:net';
import { createHash, createHmac } from 'node:crypto';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
}

/** One HTTP request exactly as given (for malformed input and signatures SDKs never send). */
export function rawRequest(
  endpoint: string,
  options: { method: string; path: string; headers?: Record<string, string | number>; body?: Buffer | string },
): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: options.method, path: options.path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Content-MD5 of a body (base64 of its MD5): what AWS requires on some configuration writes. */
export function contentMd5(body: string | Buffer): string {
  return createHash('md5').update(body).digest('base64');
}

/** The `<Code>` of an S3 error document. */
export function errorCode(text: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}

/** Signs a request with SigV4 (header form, signed payload) for raw tests. */
export function signV4(options: {
  method: string;
  path: string;
  query?: string;
  host: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
  date?: Date;
  /** x-amz-content-sha256 to sign instead of the body's hash (UNSIGNED-PAYLOAD, STREAMING-…). */
  payloadHash?: string;
}): Record<string, string> {
  const region = options.region ?? 'us-east-1';
  const amzDate = (options.date ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = options.payloadHash ?? createHash('sha256').update(options.body ?? '').digest('hex');
  const headers: Record<string, string> = { ...options.headers, host: options.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': payloadHash };
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${String(lower[n]).trim()}\n`).join('');
  const query = (options.query ?? '')
    .split('&')
    .filter(Boolean)
    .map((p) => p.split('=').map((s) => encodeURIComponent(decodeURIComponent(s))) as [string, string?])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : (av ?? '') < (bv ?? '') ? -1 : 1)) // by name, then value
    .map(([k, v]) => `${k}=${v ?? ''}`)
    .join('&');
  const canonical = [options.method, options.path, query, canonicalHeaders, names.join(';'), payloadHash].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${options.secretAccessKey}`).update(day).digest();
  for (const part of [region, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${options.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

/** Writes raw bytes and collects the response until the server closes (or `timeoutMs`). */
export function rawSocket(endpoint: string, bytes: string | Buffer, timeoutMs = 5000): Promise<string> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { socket.destroy(); resolve(Buffer.concat(chunks).toString('utf8')); }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (error) => { clearTimeout(timer); reject(error); });
    socket.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('utf8')); });
    socket.write(bytes);
  });
}

/**
 * A SigV4-signed request as raw HTTP/1.1 text (for pipelining and Expect tests, which need
 * several requests in one write or control over when the body goes).
 */
export function signedRequestText(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  options: { method: string; path: string; query?: string; headers?: Record<string, string>; body?: string; withBody?: boolean },
): string {
  const host = new URL(endpoint).host;
  const body = options.body ?? '';
  const signed = signV4({ method: options.method, path: options.path, query: options.query, host, headers: options.headers, body, ...credentials });
  const target = options.query ? `${options.path}?${options.query}` : options.path;
  const lines = Object.entries({ ...signed, 'content-length': String(Buffer.byteLength(body)) }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${options.method} ${target} HTTP/1.1\r\n${lines.join('')}\r\n${options.withBody === false ? '' : body}`;
}

/** Splits HTTP/1.1 responses read from one connection (each with a Content-Length, or none). */
export function splitResponses(text: string): Array<{ status: number; headers: Record<string, string>; body: string }> {
  const out: Array<{ status: number; headers: Record<string, string>; body: string }> = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine, ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers = Object.fromEntries(headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }));
    const length = Number(headers['content-length'] ?? 0);
    const status = Number(statusLine!.split(' ')[1]);
    const bodyless = status === 100 || status === 204 || status === 304;
    const body = bodyless ? '' : rest.slice(headEnd + 4, headEnd + 4 + length);
    out.push({ status, headers, body });
    rest = rest.slice(headEnd + 4 + body.length);
  }
  return out;
}

/** A raw request signed with SigV4 (header form) by `keys`: documents and headers an SDK would not send. */
export function signedRequest(
  endpoint: string,
  keys: { accessKeyId: string; secretAccessKey: string },
  options: { method: string; path: string; query?: string; body?: string; headers?: Record<string, string> },
): Promise<RawResponse> {
  const headers = signV4({ method: options.method, path: options.path, query: options.query, host: new URL(endpoint).host, headers: options.headers, body: options.body ?? '', ...keys });
  const target = options.query ? `${options.path}?${options.query}` : options.path;
  return rawRequest(endpoint, { method: options.method, path: target, headers, body: options.body });
}
