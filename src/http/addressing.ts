import { S3Error } from '../errors.js';

/** Where a request points: a bucket (or none, for the service) and a key (or none). */
export interface Target {
  readonly bucket?: string;
  readonly key?: string;
  /** Set when the bucket came from the Host header (virtual-hosted style). */
  readonly virtualHost: boolean;
}

/**
 * Path style `/bucket/key` or virtual-hosted style `bucket.<domain>/key`. The key is the rest of
 * the path, percent-decoded, exactly as given: slashes, `..`, trailing slashes and all.
 */
export function resolveTarget(rawPath: string, hostHeader: string | undefined, domain: string): Target {
  const path = decodePath(rawPath);
  if (!path.startsWith('/')) throw new S3Error('InvalidURI');
  const host = stripPort((hostHeader ?? '').toLowerCase());
  const suffix = `.${domain}`;
  if (domain !== '' && host.endsWith(suffix) && host.length > suffix.length) {
    const bucket = host.slice(0, -suffix.length);
    const key = path.slice(1);
    return { bucket, key: key === '' ? undefined : key, virtualHost: true };
  }
  const slash = path.indexOf('/', 1);
  if (slash < 0) {
    const bucket = path.slice(1);
    return { bucket: bucket === '' ? undefined : bucket, virtualHost: false };
  }
  const key = path.slice(slash + 1);
  return { bucket: path.slice(1, slash), key: key === '' ? undefined : key, virtualHost: false };
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    throw new S3Error('InvalidURI');
  }
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
