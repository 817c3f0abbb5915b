/**
 * Condition operators (IAM reference, "Condition operators" and "single-valued vs.
 * multivalued context keys"): each operator compiled once per policy into a test of one
 * request value against one policy value. Semantics:
 * - several operators, and several keys under one operator: AND; several values for a key: OR,
 *   and for a negated operator (String/Numeric/Date/ArnNot…, NotIpAddress): NOR;
 * - a key absent from the request: false, but true for a negated operator; `…IfExists`: true;
 * - `ForAnyValue:` true when some request value matches (false for an absent or empty set);
 *   `ForAllValues:` true when every request value matches (true for an absent or empty set);
 * - `Null`: "true" holds when the key is absent, "false" when present.
 */
import { POLICY_MESSAGES, PolicyError } from './errors.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip.js';
import { Pattern, type VariableLookup } from './pattern.js';
import { asText, canonicalKey, type RawValue, type RequestValues } from './context.js';

/** One request value against one policy value. */
type ValueTest = (value: RawValue, lookup: VariableLookup) => boolean;

interface OperatorFamily {
  /** The test of the positive form (for StringNotEquals: StringEquals). */
  readonly compile: (policyValue: string, variables: boolean, operator: string) => ValueTest;
  readonly negated: boolean;
}

const valueError = (operator: string) => new PolicyError(POLICY_MESSAGES.conditionValue(operator));

function stringEquals(policyValue: string, variables: boolean): ValueTest {
  const pattern = new Pattern(policyValue, { wildcards: false, variables });
  return (value, lookup) => pattern.resolve(lookup) === asText(value);
}

function stringEqualsIgnoreCase(policyValue: string, variables: boolean): ValueTest {
  const pattern = new Pattern(policyValue, { wildcards: false, variables });
  return (value, lookup) => pattern.resolve(lookup)?.toLowerCase() === asText(value).toLowerCase();
}

function stringLike(policyValue: string, variables: boolean): ValueTest {
  const pattern = new Pattern(policyValue, { wildcards: true, variables });
  return (value, lookup) => pattern.matches(asText(value), lookup);
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function asNumber(value: RawValue): number | undefined {
  if (typeof value === 'number') return value;
  const text = asText(value).trim();
  return NUMBER.test(text) ? Number(text) : undefined;
}

/** Numeric and Date operators: both sides read as numbers (milliseconds for dates), then compared. */
function ordered(read: (value: RawValue) => number | undefined, compare: (request: number, policy: number) => boolean) {
  return (policyValue: string, _variables: boolean, operator: string): ValueTest => {
    const policy = read(policyValue);
    if (policy === undefined) throw valueError(operator);
    return (value) => {
      const request = read(value);
      return request !== undefined && compare(request, policy);
    };
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** W3C ISO 8601 or epoch seconds, in milliseconds. */
function asMillis(value: RawValue): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value * 1000;
  const text = asText(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!ISO_DATE.test(text)) return undefined;
  const millis = Date.parse(text);
  return Number.isNaN(millis) ? undefined : millis;
}

function bool(policyValue: string, _variables: boolean, operator: string): ValueTest {
  const policy = policyValue.toLowerCase();
  if (policy !== 'true' && policy !== 'false') throw valueError(operator);
  return (value) => asText(value).toLowerCase() === policy;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function binaryEquals(policyValue: string, _variables: boolean, operator: string): ValueTest {
  if (!BASE64.test(policyValue)) throw valueError(operator);
  const policy = Buffer.from(policyValue, 'base64');
  return (value) => policy.equals(Buffer.from(asText(value), 'base64'));
}

/** The last request address parsed: one client's requests, and one request's CIDR tests, parse it once. */
let lastAddress: { readonly text: string; readonly bytes: Uint8Array | undefined } = { text: '', bytes: undefined };

function requestAddress(text: string): Uint8Array | undefined {
  if (lastAddress.text !== text) lastAddress = { text, bytes: parseIp(text) };
  return lastAddress.bytes;
}

function ipAddress(policyValue: string): ValueTest {
  const cidr: Cidr | undefined = parseCidr(policyValue.trim());
  if (cidr === undefined) throw new PolicyError(POLICY_MESSAGES.ipAddress);
  return (value) => {
    const address = requestAddress(asText(value));
    return address !== undefined && cidrContains(cidr, address);
  };
}

/** The six colon-separated components of an ARN (the last keeps its colons); undefined if fewer. */
function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** ArnEquals and ArnLike alike: each component compared on its own, `*` and `?` as wildcards. */
function arnLike(policyValue: string, variables: boolean): ValueTest {
  const parts = arnParts(policyValue);
  if (parts === undefined) {
    const whole = new Pattern(policyValue, { wildcards: true, variables });
    return (value, lookup) => whole.matches(asText(value), lookup);
  }
  const patterns = parts.map((part) => new Pattern(part, { wildcards: true, variables }));
  return (value, lookup) => {
    const request = arnParts(asText(value));
    return request !== undefined && patterns.every((pattern, i) => pattern.matches(request[i]!, lookup));
  };
}

const family = (compile: OperatorFamily['compile'], negated = false): OperatorFamily => ({ compile, negated });

/** The six operators of the Numeric or Date family. */
function comparisons(prefix: 'Numeric' | 'Date', read: (value: RawValue) => number | undefined): Record<string, OperatorFamily> {
  return {
    [`${prefix}Equals`]: family(ordered(read, (a, b) => a === b)),
    [`${prefix}NotEquals`]: family(ordered(read, (a, b) => a === b), true),
    [`${prefix}LessThan`]: family(ordered(read, (a, b) => a < b)),
    [`${prefix}LessThanEquals`]: family(ordered(read, (a, b) => a <= b)),
    [`${prefix}GreaterThan`]: family(ordered(read, (a, b) => a > b)),
    [`${prefix}GreaterThanEquals`]: family(ordered(read, (a, b) => a >= b)),
  };
}

const OPERATORS: Readonly<Record<string, OperatorFamily>> = {
  StringEquals: family(stringEquals),
  StringNotEquals: family(stringEquals, true),
  StringEqualsIgnoreCase: family(stringEqualsIgnoreCase),
  StringNotEqualsIgnoreCase: family(stringEqualsIgnoreCase, true),
  StringLike: family(stringLike),
  StringNotLike: family(stringLike, true),
  ...comparisons('Numeric', asNumber),
  ...comparisons('Date', asMillis),
  Bool: family(bool),
  BinaryEquals: family(binaryEquals),
  IpAddress: family(ipAddress),
  NotIpAddress: family(ipAddress, true),
  ArnEquals: family(arnLike),
  ArnLike: family(arnLike),
  ArnNotEquals: family(arnLike, true),
  ArnNotLike: family(arnLike, true),
};

export type SetOperator = 'ForAnyValue' | 'ForAllValues' | undefined;

export interface Condition {
  /** The operator as written (`ForAnyValue:StringLikeIfExists`). */
  readonly type: string;
  /** The base operator (`StringLike`, `Null`). */
  readonly operator: string;
  readonly set: SetOperator;
  readonly ifExists: boolean;
  /** The key as ConditionValues spells it. */
  readonly key: string;
  /** The policy values as written (text). */
  readonly values: readonly string[];
  /** Whether the request satisfies the condition (its values double as the variables' values). */
  readonly test: (request: RequestValues) => boolean;
}

const CONDITION_TYPE = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/;

/** The operator a condition type names; names are case-sensitive, `Null` takes no `IfExists`. */
function parseType(type: string): { operator: string; set: SetOperator; ifExists: boolean } | undefined {
  const parts = CONDITION_TYPE.exec(type);
  if (parts === null) return undefined;
  const [, set, operator, ifExists] = parts as unknown as [string, SetOperator, string, string | undefined];
  const known = operator === 'Null' ? ifExists === undefined : Object.hasOwn(OPERATORS, operator);
  return known ? { operator, set, ifExists: ifExists !== undefined } : undefined;
}

export interface ConditionKeyRules {
  /** Whether keys of services other than aws and s3 are accepted (identity policies). */
  readonly otherServices: boolean;
}

function checkKey(written: string, rules: ConditionKeyRules): string {
  const fault = new PolicyError(POLICY_MESSAGES.conditionKey);
  const colon = written.indexOf(':');
  if (colon <= 0 || colon === written.length - 1) throw fault;
  const service = written.slice(0, colon).toLowerCase();
  const key = canonicalKey(written);
  if (key === undefined) throw fault;
  if (service !== 'aws' && service !== 's3' && !rules.otherServices) throw fault;
  return key;
}

/** Compiles one `"Operator": { "key": value(s), … }` entry into its conditions. */
export function compileConditions(type: string, block: unknown, variables: boolean, rules: ConditionKeyRules, syntax: () => PolicyError): Condition[] {
  const parsed = parseType(type);
  if (parsed === undefined) throw new PolicyError(POLICY_MESSAGES.conditionType(type));
  if (typeof block !== 'object' || block === null || Array.isArray(block)) throw syntax();
  return Object.entries(block as Record<string, unknown>).map(([written, raw]) => {
    const key = checkKey(written, rules);
    const listed = Array.isArray(raw) ? raw : [raw];
    const values = listed.map((value) => {
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw syntax();
    });
    return { type, ...parsed, key, values, test: compileTest(parsed.operator, parsed.set, parsed.ifExists, key, values, variables, type) };
  });
}

function compileTest(operator: string, set: SetOperator, ifExists: boolean, key: string, values: readonly string[], variables: boolean, type: string): Condition['test'] {
  if (operator === 'Null') {
    const expect = values.map((value) => {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw valueError(type);
      return lower === 'true';
    });
    return (request) => {
      const present = (request.get(key)?.length ?? 0) > 0;
      return expect.some((absent) => absent === !present);
    };
  }
  const { compile, negated } = OPERATORS[operator]!;
  const tests = values.map((value) => compile(value, variables, type));
  const matchesAny = (value: RawValue, lookup: VariableLookup) => tests.some((test) => test(value, lookup));
  return (request) => {
    const found = request.get(key);
    if (found === undefined || found.length === 0) {
      if (set === 'ForAllValues') return true;
      if (set === 'ForAnyValue') return ifExists && found === undefined;
      return ifExists || negated;
    }
    if (set === 'ForAllValues') return found.every((value) => matchesAny(value, request) !== negated);
    if (set === 'ForAnyValue') return found.some((value) => matchesAny(value, request) !== negated);
    return found.some((value) => matchesAny(value, request)) !== negated;
  };
}
