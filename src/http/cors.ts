/**
 * CORS at the edge: the OPTIONS preflight (unauthenticated, answered from the bucket's rules) and
 * the headers an actual request with an Origin gets from the first matching rule — on every
 * response of the bucket, errors included, as AWS sends them.
 */
import type { ServerResponse } from 'node:http';
import { S3Error } from '../errors.js';
import type { BucketRecord } from '../store/meta/metadata-store.js';
import { CORS_METHODS, CORS_VARY, corsResponseHeaders, matchingRule, storedCorsRules } from '../ops/cors/rules.js';

type Headers = Readonly<Record<string, string | undefined>>;

/**
 * Puts the allow/expose headers on `res` when the request carries an Origin that a rule of the
 * bucket allows for its method (Access-Control-Request-Method, when sent, decides instead). A
 * request no rule allows is served without them: the browser refuses it, S3 does not.
 */
export function applyCorsHeaders(res: ServerResponse, bucket: BucketRecord | undefined, method: string, headers: Headers): void {
  const origin = headers['origin'];
  // A preflight's allow headers come only with its 200 (preflightHeaders): a refused one has none.
  if (origin === undefined || bucket?.cors === undefined || method === 'OPTIONS') return;
  const rule = matchingRule(storedCorsRules(bucket.cors), { origin, method: headers['access-control-request-method'] ?? method, headers: [] });
  if (!rule) return;
  for (const [name, value] of Object.entries(corsResponseHeaders(rule, origin))) res.setHeader(name, value);
  res.setHeader('vary', CORS_VARY);
}

/**
 * The preflight: 200 with the first matching rule's headers, else AWS's 400 / 403. `bucket` is
 * undefined when the bucket does not exist.
 */
export function preflightHeaders(bucketName: string | undefined, bucket: BucketRecord | undefined, key: string | undefined, headers: Headers): Record<string, string> {
  const origin = headers['origin'];
  if (origin === undefined) throw new S3Error('BadRequest', 'Insufficient information. Origin request header needed.');
  const requested = headers['access-control-request-method'];
  const refusal = (message: string, resourceType: string) =>
    new S3Error('AccessForbidden', `CORSResponse: ${message}`, { Method: requested ?? 'OPTIONS', ResourceType: resourceType });
  if (!bucketName || !bucket) throw refusal('Bucket not found', 'BUCKET');
  if (bucket.cors === undefined) throw refusal('CORS is not enabled for this bucket.', 'BUCKET');
  if (requested === undefined || !CORS_METHODS.includes(requested)) {
    throw new S3Error('BadRequest', `Invalid Access-Control-Request-Method: ${requested ?? 'null'}`);
  }
  const requestedHeaders = (headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const rule = matchingRule(storedCorsRules(bucket.cors), { origin, method: requested, headers: requestedHeaders });
  if (!rule) {
    throw refusal(
      "This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      key === undefined ? 'BUCKET' : 'OBJECT',
    );
  }
  const answer = corsResponseHeaders(rule, origin);
  if (requestedHeaders.length > 0) answer['access-control-allow-headers'] = requestedHeaders.join(', ');
  answer['vary'] = CORS_VARY;
  return answer;
}
