/**
 * parsePolicy: a policy document read, checked against the grammar as S3 checks a bucket
 * policy (or IAM an identity policy), and compiled once: wildcards into matchers, conditions
 * into tests, statements indexed by action on first use.
 */
import { S3_ACTIONS, type ActionScope } from './actions.js';
import { compileConditions, type Condition } from './conditions.js';
import { POLICY_MESSAGES, PolicyError } from './errors.js';
import { hasDuplicateNames } from './json.js';
import { NO_VARIABLES, Pattern } from './pattern.js';
import { parsePrincipals, type Principals } from './principals.js';

/** "Bucket policies are limited to 20 KB in size", measured on the document without white space. */
export const POLICY_BYTES_MAX = 20 * 1024;
/** The text read at all: the normalized limit with room for indentation. */
export const POLICY_TEXT_BYTES_MAX = 10 * POLICY_BYTES_MAX;

export type PolicyKind = 'bucket' | 'identity';

export interface ParseOptions {
  readonly kind: PolicyKind;
  /** The bucket a bucket policy is for: its Resources must name it (or a pattern matching it). */
  readonly bucket?: string;
}

export interface Statement {
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  /** Absent in identity policies (the principal is the policy's owner). */
  readonly principal: { readonly not: boolean; readonly principals: Principals } | undefined;
  readonly action: { readonly not: boolean; readonly patterns: readonly Pattern[] };
  readonly resource: { readonly not: boolean; readonly patterns: readonly Pattern[]; readonly hasVariables: boolean };
  readonly conditions: readonly Condition[];
}

/** The statements that can apply to one action, denies apart. */
export interface ApplicableStatements {
  readonly deny: readonly Statement[];
  readonly allow: readonly Statement[];
}

const INDEX_ENTRIES_MAX = 1024;

export class Policy {
  private readonly index = new Map<string, ApplicableStatements>();

  constructor(
    readonly kind: PolicyKind,
    readonly version: '2012-10-17' | '2008-10-17',
    readonly id: string | undefined,
    readonly statements: readonly Statement[],
  ) {}

  /** The statements whose Action / NotAction covers `action` (compared case-insensitively). */
  statementsFor(action: string): ApplicableStatements {
    let entry = this.index.get(action);
    if (entry === undefined) {
      const lower = action.toLowerCase();
      const covering = this.statements.filter((s) => s.action.patterns.some((p) => p.matches(lower, NO_VARIABLES)) !== s.action.not);
      entry = { deny: covering.filter((s) => s.effect === 'Deny'), allow: covering.filter((s) => s.effect === 'Allow') };
      if (this.index.size < INDEX_ENTRIES_MAX) this.index.set(action, entry);
    }
    return entry;
  }
}

const syntax = () => new PolicyError(POLICY_MESSAGES.syntax);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An element that takes one string or a list of them. */
function strings(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item): item is string => typeof item === 'string')) throw syntax();
  return list;
}

export function parsePolicy(json: string, options: ParseOptions): Policy {
  if (json.charCodeAt(0) !== 0x7b) throw new PolicyError(POLICY_MESSAGES.notJsonObject);
  if (Buffer.byteLength(json) > POLICY_TEXT_BYTES_MAX) throw new PolicyError(POLICY_MESSAGES.tooLarge);
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch {
    throw new PolicyError(POLICY_MESSAGES.invalidJson);
  }
  if (hasDuplicateNames(json)) throw syntax();
  if (Buffer.byteLength(JSON.stringify(document)) > POLICY_BYTES_MAX) throw new PolicyError(POLICY_MESSAGES.tooLarge);
  if (!isObject(document)) throw new PolicyError(POLICY_MESSAGES.notJsonObject);
  for (const name of Object.keys(document)) if (name !== 'Version' && name !== 'Id' && name !== 'Statement') throw syntax();
  const version = document.Version ?? '2008-10-17';
  if (version !== '2012-10-17' && version !== '2008-10-17') throw new PolicyError(POLICY_MESSAGES.version);
  if (document.Id !== undefined && typeof document.Id !== 'string') throw syntax();
  const body = document.Statement;
  if (body === undefined) throw new PolicyError(POLICY_MESSAGES.missingStatement);
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw new PolicyError(POLICY_MESSAGES.emptyStatement);
  const sids = new Set<string>();
  const statements = list.map((item) => {
    const statement = parseStatement(item, version === '2012-10-17', options);
    if (statement.sid !== undefined && statement.sid !== '') {
      if (sids.has(statement.sid)) throw new PolicyError(POLICY_MESSAGES.duplicateSid);
      sids.add(statement.sid);
    }
    return statement;
  });
  return new Policy(options.kind, version, document.Id, statements);
}

const STATEMENT_ELEMENTS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

/** The element of a pair (`Action` / `NotAction`) a statement holds; both is a syntax error. */
function either(statement: Record<string, unknown>, name: string, missing: string): { not: boolean; value: unknown } {
  const plain = statement[name];
  const not = statement[`Not${name}`];
  if (plain !== undefined && not !== undefined) throw syntax();
  if (plain === undefined && not === undefined) throw new PolicyError(missing);
  return plain !== undefined ? { not: false, value: plain } : { not: true, value: not };
}

function parseStatement(item: unknown, variables: boolean, options: ParseOptions): Statement {
  if (!isObject(item)) throw syntax();
  for (const name of Object.keys(item)) if (!STATEMENT_ELEMENTS.has(name)) throw syntax();
  if (item.Sid !== undefined && typeof item.Sid !== 'string') throw syntax();
  const effect = item.Effect;
  if (effect === undefined) throw new PolicyError(POLICY_MESSAGES.missingEffect);
  if (typeof effect !== 'string') throw syntax();
  if (effect !== 'Allow' && effect !== 'Deny') throw new PolicyError(POLICY_MESSAGES.effect(effect));

  let principal: Statement['principal'];
  if (options.kind === 'bucket') {
    const written = either(item, 'Principal', POLICY_MESSAGES.missingPrincipal);
    // "NotPrincipal must be used with "Effect":"Deny"".
    if (written.not && effect === 'Allow') throw new PolicyError(POLICY_MESSAGES.principal);
    principal = { not: written.not, principals: parsePrincipals(written.value) };
  } else if (item.Principal !== undefined || item.NotPrincipal !== undefined) {
    throw new PolicyError(POLICY_MESSAGES.principalInIdentityPolicy);
  }

  const action = either(item, 'Action', POLICY_MESSAGES.missingAction);
  const actionTexts = strings(action.value);
  if (actionTexts.length === 0) throw new PolicyError(POLICY_MESSAGES.action);
  const actionPatterns = actionTexts.map((text) => parseAction(text, options.kind));

  const resource = either(item, 'Resource', POLICY_MESSAGES.missingResource);
  const resourceTexts = strings(resource.value);
  if (resourceTexts.length === 0) throw new PolicyError(POLICY_MESSAGES.resource);
  for (const text of resourceTexts) checkResource(text, options);
  const resourcePatterns = resourceTexts.map((text) => new Pattern(text, { wildcards: true, variables }));

  if (options.kind === 'bucket' && !action.not && !resource.not) checkApplies(actionPatterns, resourceTexts);

  const conditions: Condition[] = [];
  if (item.Condition !== undefined) {
    if (!isObject(item.Condition)) throw syntax();
    for (const [type, block] of Object.entries(item.Condition)) {
      conditions.push(...compileConditions(type, block, variables, { otherServices: options.kind === 'identity' }, syntax));
    }
  }
  return {
    sid: item.Sid as string | undefined,
    effect,
    principal,
    action: { not: action.not, patterns: actionPatterns },
    resource: { not: resource.not, patterns: resourcePatterns, hasVariables: resourcePatterns.some((p) => p.hasVariables) },
    conditions,
  };
}

const ACTION = /^[a-z0-9-]+:[a-z0-9*?]+$/;

/** `*`, or `service:Name` with `*` / `?` wildcards; an `s3:` one must name an action S3 defines. */
function parseAction(text: string, kind: PolicyKind): Pattern {
  const lower = text.toLowerCase();
  const invalid = new PolicyError(POLICY_MESSAGES.action);
  if (lower !== '*') {
    if (!ACTION.test(lower)) throw invalid;
    const s3 = lower.startsWith('s3:');
    if (kind === 'bucket' && !s3) throw invalid;
    const pattern = new Pattern(lower, { wildcards: true, variables: false });
    if (s3 && !S3_ACTIONS.some((known) => pattern.matches(known.lower, NO_VARIABLES))) throw invalid;
    return pattern;
  }
  return new Pattern(lower, { wildcards: true, variables: false });
}

const S3_ARN = 'arn:aws:s3:::';

/**
 * A bucket policy's Resource is an S3 ARN of its own bucket or of objects in it ("Each policy
 * must cover only a single bucket and resources within that bucket"); an identity policy's is
 * `*` or any ARN.
 */
function checkResource(text: string, options: ParseOptions): void {
  const invalid = new PolicyError(POLICY_MESSAGES.resource);
  if (options.kind === 'identity') {
    if (text !== '*' && !(text.startsWith('arn:') && text.split(':').length >= 6)) throw invalid;
    return;
  }
  if (!text.startsWith(S3_ARN) || text.length === S3_ARN.length) throw invalid;
  const rest = text.slice(S3_ARN.length);
  const slash = rest.indexOf('/');
  const bucketPart = slash >= 0 ? rest.slice(0, slash) : rest;
  if (options.bucket === undefined || bucketPart.includes('${')) return;
  const bucketPattern = new Pattern(bucketPart, { wildcards: true, variables: false });
  // A pattern such as `b*` may reach objects (`b*` matches `bucket/key`): judged on the whole.
  const reaches = bucketPattern.matches(options.bucket, NO_VARIABLES) ||
    (slash < 0 && new Pattern(rest, { wildcards: true, variables: false }).matches(`${options.bucket}/`, NO_VARIABLES));
  if (!reaches) throw invalid;
}

/** The scopes a Resource of a bucket policy can reach: a bucket ARN has no `/`; `*` reaches objects too. */
function scopesOf(resource: string): ActionScope[] {
  const rest = resource.slice(S3_ARN.length);
  if (rest.includes('/')) return ['object'];
  return rest.includes('*') ? ['bucket', 'object'] : ['bucket'];
}

/** "Action does not apply to any resource(s) in statement": each Action must name an action of a reached scope. */
function checkApplies(actions: readonly Pattern[], resources: readonly string[]): void {
  const scopes = new Set(resources.flatMap(scopesOf));
  for (const action of actions) {
    if (!S3_ACTIONS.some((known) => scopes.has(known.scope) && action.matches(known.lower, NO_VARIABLES))) {
      throw new PolicyError(POLICY_MESSAGES.actionNotApplicable);
    }
  }
}
