/**
 * AWS's evaluation logic, for the policies of one account: an explicit Deny in any policy wins;
 * otherwise an Allow in any of them (an identity policy of the caller or the bucket's policy)
 * allows; otherwise the request is implicitly denied. A statement applies when its
 * Principal (bucket policies), Action, Resource and every Condition match.
 */
import { RequestValues, type AuthorizationRequest } from './context.js';
import { principalMatches } from './principals.js';
import type { Policy, Statement } from './policy.js';
import type { VariableLookup } from './pattern.js';

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface PolicySources {
  /** The caller's identity policies. */
  readonly identity?: readonly Policy[];
  /** The bucket's policy. */
  readonly bucket?: Policy;
}

/** One evaluation's lazily built key reader, shared by its statements. */
class Evaluation {
  private values: RequestValues | undefined;
  readonly lookup: VariableLookup = (key) => this.requestValues().text(key);
  constructor(readonly request: AuthorizationRequest) {}

  requestValues(): RequestValues {
    return (this.values ??= new RequestValues(this.request));
  }

  applies(statement: Statement): boolean {
    const { request } = this;
    if (statement.principal !== undefined && principalMatches(statement.principal.principals, request.principal) === statement.principal.not) {
      return false;
    }
    if (request.resource !== '*') {
      const named = statement.resource.patterns.some((pattern) => pattern.matches(request.resource, this.lookup));
      if (named === statement.resource.not) return false;
    }
    for (const condition of statement.conditions) {
      if (!condition.test(this.requestValues(), this.lookup)) return false;
    }
    return true;
  }
}

export function evaluate(request: AuthorizationRequest, sources: PolicySources): Decision {
  const evaluation = new Evaluation(request);
  let allowed = false;
  const visit = (policy: Policy): boolean => {
    const applicable = policy.statementsFor(request.action);
    for (const statement of applicable.deny) if (evaluation.applies(statement)) return true;
    if (!allowed) allowed = applicable.allow.some((statement) => evaluation.applies(statement));
    return false;
  };
  for (const policy of sources.identity ?? []) if (visit(policy)) return 'ExplicitDeny';
  if (sources.bucket !== undefined && visit(sources.bucket)) return 'ExplicitDeny';
  return allowed ? 'Allow' : 'ImplicitDeny';
}
