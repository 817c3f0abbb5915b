/**
 * POST Object's policy document: base64 JSON with an `expiration` and `conditions` that every form
 * field must satisfy ("Creating a POST policy" in the S3 API Reference). Parsed and checked
 * before the file is read; only `content-length-range` waits for the file's size.
 */
import { S3Error } from '../../errors.js';

export interface SizeRange {
  readonly min: number;
  readonly max: number;
}

export interface PostPolicy {
  readonly expiration: Date;
  readonly conditions: readonly Condition[];
}

type Condition =
  | { readonly kind: 'eq' | 'starts-with'; readonly field: string; readonly value: string; readonly text: string }
  | { readonly kind: 'content-length-range'; readonly range: SizeRange };

/** Fields no condition needs to name (the signature, the file, the policy itself, x-ignore-*). */
const UNCOVERED_FIELDS = new Set(['x-amz-signature', 'signature', 'awsaccesskeyid', 'file', 'policy']);

function invalid(reason: string): S3Error {
  return new S3Error('InvalidPolicyDocument', `Invalid Policy: ${reason}`);
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function parsePostPolicy(base64: string): PostPolicy {
  if (base64.trim() === '') throw invalid("Expecting '{' but found End-of-Input");
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(base64)) throw invalid('invalid Base64 encoding.');
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw invalid('Invalid JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw invalid('Invalid JSON.');
  const { expiration, conditions, ...rest } = document as Record<string, unknown>;
  const unexpected = Object.keys(rest)[0];
  if (unexpected !== undefined) throw invalid(`Unexpected: ${JSON.stringify(unexpected)}`);
  if (expiration === undefined) throw invalid('Policy missing expiration.');
  if (typeof expiration !== 'string' || !ISO_8601.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw invalid(`Invalid 'expiration' value: '${typeof expiration === 'string' ? expiration : JSON.stringify(expiration)}'`);
  }
  if (conditions === undefined) throw invalid('Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalid("Invalid 'conditions' value: must be a List.");
  return { expiration: new Date(Date.parse(expiration)), conditions: conditions.map(parseCondition) };
}

function parseCondition(condition: unknown): Condition {
  if (Array.isArray(condition)) return parseListCondition(condition);
  if (typeof condition !== 'object' || condition === null) throw invalid('Invalid condition test: must be a List or Object.');
  const entries = Object.entries(condition);
  if (entries.length !== 1) throw invalid('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
  const [field, value] = entries[0]!;
  if (typeof value !== 'string') throw invalid('Invalid Simple-Condition: value must be a string.');
  return { kind: 'eq', field: field.toLowerCase(), value, text: conditionText('eq', `$${field}`, value) };
}

function parseListCondition(list: readonly unknown[]): Condition {
  const [operation, first, second] = list;
  if (typeof operation !== 'string') throw invalid('Invalid Condition: missing operation identifier.');
  const op = operation.toLowerCase();
  if (op !== 'eq' && op !== 'starts-with' && op !== 'content-length-range') throw invalid(`Invalid Condition: unknown operation '${operation}'.`);
  if (list.length !== 3) throw invalid(`Invalid ${operation}: wrong number of arguments.`);
  if (op === 'content-length-range') {
    const min = sizeOf(first);
    const max = sizeOf(second);
    if (min === undefined || max === undefined) throw invalid(`Invalid ${operation}: length ranges must be non-negative integers.`);
    return { kind: op, range: { min, max } };
  }
  if (typeof first !== 'string' || !first.startsWith('$') || typeof second !== 'string') {
    throw invalid(`Invalid ${operation}: the first argument must be a field name starting with '$', the second a string.`);
  }
  return { kind: op, field: first.slice(1).toLowerCase(), value: second, text: conditionText(operation, first, second) };
}

function sizeOf(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

/** A condition as AWS quotes it in "Policy Condition failed: …". */
function conditionText(operation: string, field: string, value: string): string {
  return `[${[operation, field, value].map((part) => JSON.stringify(part)).join(', ')}]`;
}

function denied(reason: string): S3Error {
  return new S3Error('AccessDenied', `Invalid according to Policy: ${reason}`);
}

/**
 * Checks the form against the policy: not expired, every condition holds (`fields` includes
 * `bucket`), and every field is named by a condition. Returns the file's allowed size range.
 */
export function checkPostPolicy(policy: PostPolicy, fields: ReadonlyMap<string, string>, spelling: ReadonlyMap<string, string>, now: Date): SizeRange | undefined {
  if (policy.expiration.getTime() <= now.getTime()) throw denied('Policy expired.');
  const covered = new Set<string>();
  let range: SizeRange | undefined;
  for (const condition of policy.conditions) {
    if (condition.kind === 'content-length-range') {
      range = condition.range;
      continue;
    }
    covered.add(condition.field);
    const value = fields.get(condition.field) ?? '';
    const holds = condition.kind === 'eq' ? value === condition.value : value.startsWith(condition.value);
    if (!holds) throw denied(`Policy Condition failed: ${condition.text}`);
  }
  for (const name of fields.keys()) {
    if (UNCOVERED_FIELDS.has(name) || name.startsWith('x-ignore-') || covered.has(name) || name === 'bucket') continue;
    throw denied(`Extra input fields: ${spelling.get(name) ?? name}`);
  }
  return range;
}
