/**
 * AWS's evaluation logic, for the policies of one account: an explicit Deny in any policy wins;
 * otherwise an Allow in any of them (an identity policy of the caller or the bucket's policy)
 * allows; otherwise the request is implicitly denied. A statement applies when its
 * Principal (bucket policies), Action, Resource and every Condition match.
 */
import { RequestValues, type AuthorizationRequest } from './context.js';
import { NO_VARIABLES, type VariableLookup } from './pattern.js';
import { notPrincipalExempts, principalMatches } from './principals.js';
import type { Policy, Statement } from './policy.js';

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface PolicySources {
  /** The caller's identity policies. */
  readonly identity?: readonly Policy[];
  /** The bucket's policy. */
  readonly bucket?: Policy;
}

/** One request's evaluation: condition keys and variables read lazily, once, shared by its statements. */
class Evaluation {
  private values: RequestValues | undefined;
  allowed = false;
  constructor(private readonly request: AuthorizationRequest) {}

  private requestValues(): RequestValues {
    return (this.values ??= new RequestValues(this.request));
  }

  /** Whether the policy explicitly denies; notes whether it allows. */
  denies(policy: Policy): boolean {
    const applicable = policy.statementsFor(this.request.action);
    for (const statement of applicable.deny) if (this.applies(statement)) return true;
    if (!this.allowed) for (const statement of applicable.allow) if (this.applies(statement)) this.allowed = true;
    return false;
  }

  private applies(statement: Statement): boolean {
    const { request } = this;
    const principal = statement.principal;
    if (principal !== undefined) {
      const applies = principal.not
        ? !notPrincipalExempts(principal.principals, request.principal)
        : principalMatches(principal.principals, request.principal);
      if (!applies) return false;
    }
    if (request.resource !== '*') {
      const variables: VariableLookup = statement.resource.hasVariables ? this.requestValues() : NO_VARIABLES;
      let named = false;
      for (const pattern of statement.resource.patterns) if (pattern.matches(request.resource, variables)) named = true;
      if (named === statement.resource.not) return false;
    }
    if (statement.conditions.length === 0) return true;
    const values = this.requestValues();
    for (const condition of statement.conditions) if (!condition.test(values)) return false;
    return true;
  }
}

export function evaluate(request: AuthorizationRequest, sources: PolicySources): Decision {
  const evaluation = new Evaluation(request);
  for (const policy of sources.identity ?? []) if (evaluation.denies(policy)) return 'ExplicitDeny';
  if (sources.bucket !== undefined && evaluation.denies(sources.bucket)) return 'ExplicitDeny';
  return evaluation.allowed ? 'Allow' : 'ImplicitDeny';
}
