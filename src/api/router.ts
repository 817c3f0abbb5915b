import type { Target } from '../http/addressing.js';
import { OPERATIONS, OPERATION_NAMES, type Method, type OperationName, type OperationSpec, type Scope } from './operations.js';

/** What the router decided: the operation, and the bucket and key it acts on ('' when none). */
export interface Route {
  readonly operation: OperationName;
  readonly bucket: string;
  readonly key: string;
}

/** A request that names no S3 operation (PATCH, POST on the service, `DELETE /b/k?acl`, …): 405. */
export interface Unroutable {
  readonly operation: undefined;
  readonly bucket: string;
  readonly key: string;
}

/** Every sub-resource any operation names: a request carrying one only reaches an operation that names it. */
const SUBRESOURCES: readonly string[] = [...new Set(OPERATION_NAMES.flatMap((name) => OPERATIONS[name].subresource ?? []))];

type Candidate = readonly [OperationName, OperationSpec];

/** Per method and scope, the operations to try, most specific first (more conditions to meet). */
const CANDIDATES = new Map<string, readonly Candidate[]>();
for (const name of OPERATION_NAMES) {
  const spec: OperationSpec = OPERATIONS[name];
  const slot = `${spec.method} ${spec.scope}`;
  CANDIDATES.set(slot, [...(CANDIDATES.get(slot) ?? []), [name, spec]]);
}
for (const [slot, list] of CANDIDATES) CANDIDATES.set(slot, [...list].sort((a, b) => specificity(b[1]) - specificity(a[1])));

function specificity(spec: OperationSpec): number {
  return (spec.subresource ? 1 : 0) + Object.keys(spec.query ?? {}).length + (spec.header ? 1 : 0);
}

function matches(spec: OperationSpec, query: URLSearchParams, subresources: readonly string[], hasHeader: (name: string) => boolean): boolean {
  if (subresources.some((name) => name !== spec.subresource)) return false;
  if (spec.subresource !== undefined && !subresources.includes(spec.subresource)) return false;
  for (const [name, wanted] of Object.entries(spec.query ?? {})) {
    const value = query.get(name);
    if (value === null || (wanted !== true && value !== wanted)) return false;
  }
  return spec.header === undefined || hasHeader(spec.header);
}

/**
 * Pure: method + target + query + which headers are present → operation, derived from the table
 * in api/operations.ts. Tested with AWS's example requests in test/unit/api/router.test.ts.
 */
export function route(method: string, target: Target, query: URLSearchParams, hasHeader: (name: string) => boolean): Route | Unroutable {
  const bucket = target.bucket ?? '';
  const key = target.key ?? '';
  // WriteGetObjectResponse (S3 Object Lambda) is `POST /WriteGetObjectResponse` on the service:
  // path style sees that as a bucket name (an invalid one), virtual-hosted style as a key.
  if (method === 'POST' && hasHeader('x-amz-request-route') && (target.key ?? target.bucket) === 'WriteGetObjectResponse') {
    return { operation: 'WriteGetObjectResponse', bucket: '', key: '' };
  }
  const scope: Scope = target.bucket === undefined ? 'service' : target.key === undefined ? 'bucket' : 'object';
  const subresources = SUBRESOURCES.filter((name) => query.has(name));
  for (const [name, spec] of CANDIDATES.get(`${method as Method} ${scope}`) ?? []) {
    if (matches(spec, query, subresources, hasHeader)) return { operation: name, bucket, key };
  }
  return { operation: undefined, bucket, key };
}
