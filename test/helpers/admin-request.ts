import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { rawRequest } from './raw-request.js';

/** node:crypto in the shape @smithy/signature-v4 asks for (an HMAC when given a secret). */
class NodeSha256 {
  private hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

export interface AdminResponse {
  readonly status: number;
  readonly json: any;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** One admin API request, SigV4-signed (service `s3`) with `keys`, as a client of docs/admin-api.md would send it. */
export async function adminRequest(
  endpoint: string,
  keys: { accessKeyId: string; secretAccessKey: string },
  method: string,
  path: string,
  body?: unknown,
  options: { region?: string; extraHeaders?: Record<string, string> } = {},
): Promise<AdminResponse> {
  const url = new URL(endpoint);
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const signer = new SignatureV4({ service: 's3', region: options.region ?? 'us-east-1', credentials: keys, sha256: NodeSha256 });
  const signed = await signer.sign({
    method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path,
    headers: { host: url.host, 'content-type': 'application/json', ...options.extraHeaders }, body: text,
  });
  const response = await rawRequest(endpoint, { method, path, headers: signed.headers, body: text });
  return { status: response.status, json: response.text === '' ? undefined : JSON.parse(response.text), headers: response.headers };
}
