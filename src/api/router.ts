import type { Target } from '../http/addressing.js';
import { OPERATIONS, OPERATION_NAMES, type OperationName, type OperationSpec, type Scope } from './operations.js';

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
const SUBRESOURCES: ReadonlySet<string> = new Set(OPERATION_NAMES.flatMap((name) => OPERATIONS[name].subresource ?? []));

interface Candidate {
  readonly name: OperationName;
  readonly query: ReadonlyArray<readonly [string, true | string]>;
  readonly header?: string;
}

/**
 * Per method, scope and sub-resource ('' for none): the operations to try, most specific first
 * (more conditions to meet).
 */
const CANDIDATES = new Map<string, Candidate[]>();
for (const name of OPERATION_NAMES) {
  const spec: OperationSpec = OPERATIONS[name];
  const slot = slotOf(spec.method, spec.scope, spec.subresource ?? '');
  const list = CANDIDATES.get(slot) ?? [];
  list.push({ name, query: Object.entries(spec.query ?? {}), header: spec.header });
  CANDIDATES.set(slot, list);
}
for (const list of CANDIDATES.values()) list.sort((a, b) => specificity(b) - specificity(a));

function slotOf(method: string, scope: Scope, subresource: string): string {
  return `${method} ${scope} ${subresource}`;
}

function specificity(candidate: Candidate): number {
  return candidate.query.length + (candidate.header ? 1 : 0);
}

function matches(candidate: Candidate, query: URLSearchParams, hasHeader: (name: string) => boolean): boolean {
  for (const [name, wanted] of candidate.query) {
    const value = query.get(name);
    if (value === null || (wanted !== true && value !== wanted)) return false;
  }
  return candidate.header === undefined || hasHeader(candidate.header);
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
  // A request names at most one sub-resource; with two, no operation is meant (405).
  let subresource = '';
  for (const name of query.keys()) {
    if (!SUBRESOURCES.has(name) || name === subresource) continue;
    if (subresource !== '') return { operation: undefined, bucket, key };
    subresource = name;
  }
  for (const candidate of CANDIDATES.get(slotOf(method, scope, subresource)) ?? []) {
    if (matches(candidate, query, hasHeader)) return { operation: candidate.name, bucket, key };
  }
  return { operation: undefined, bucket, key };
}
