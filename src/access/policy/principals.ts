/**
 * Principal / NotPrincipal: `"*"`, or a map of `AWS` (`*`, an account id, an account's root ARN,
 * a user's or role's ARN), `CanonicalUser`, `Service` and `Federated` to one value or a list.
 * "You cannot use a wildcard to match part of a principal name or ARN."
 *
 * Naming an account (its id or `arn:aws:iam::ID:root`) names the account itself: it matches
 * the account's root, and delegates to its users, who then need an identity policy of their
 * own (IAM: "When you specify the account principal … this delegates permissions to the
 * account"). A user is matched by its ARN.
 *
 * NotPrincipal (with Deny) exempts a user only when its account is named too: S3 evaluates a
 * user's request as the user's and as its account's ("When you use NotPrincipal with Deny, you
 * must also specify the account ARN of the not-denied principal").
 */
import { POLICY_MESSAGES, PolicyError } from './errors.js';
import type { RequestPrincipal } from './context.js';

export interface Principals {
  /** `"*"` or `{"AWS": "*"}`: everyone, anonymous included. */
  readonly everyone: boolean;
  readonly accounts: ReadonlySet<string>;
  readonly arns: ReadonlySet<string>;
  readonly canonicalUsers: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  readonly federated: ReadonlySet<string>;
}

const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ARN = /^arn:aws:iam::(\d{12}):root$/;
const IAM_ARN = /^arn:aws:(iam|sts)::\d{12}:(user|role|assumed-role|federated-user)\/[\w+=,.@\/-]+$/;
const CANONICAL_ID = /^[0-9a-f]{64}$/i;
const SERVICE = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/;

function listed(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((item): item is string => typeof item === 'string' && item !== '')) {
    throw new PolicyError(POLICY_MESSAGES.principal);
  }
  return list;
}

export function parsePrincipals(value: unknown): Principals {
  const invalid = () => new PolicyError(POLICY_MESSAGES.principal);
  const accounts = new Set<string>();
  const arns = new Set<string>();
  const canonicalUsers = new Set<string>();
  const services = new Set<string>();
  const federated = new Set<string>();
  let everyone = false;
  if (value === '*') {
    everyone = true;
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [type, names] of Object.entries(value as Record<string, unknown>)) {
      for (const name of listed(names)) {
        if (type === 'AWS') {
          if (name === '*') everyone = true;
          else if (ACCOUNT_ID.test(name)) accounts.add(name);
          else if (ROOT_ARN.test(name)) accounts.add(ROOT_ARN.exec(name)![1]!);
          else if (IAM_ARN.test(name)) arns.add(name);
          else throw invalid();
        } else if (type === 'CanonicalUser' && CANONICAL_ID.test(name)) {
          canonicalUsers.add(name.toLowerCase());
        } else if (type === 'Service' && SERVICE.test(name)) {
          services.add(name);
        } else if (type === 'Federated' && !name.includes('*')) {
          federated.add(name);
        } else {
          throw invalid();
        }
      }
    }
  } else {
    throw invalid();
  }
  return { everyone, accounts, arns, canonicalUsers, services, federated };
}

export function principalMatches(principals: Principals, who: RequestPrincipal): boolean {
  if (principals.everyone) return true;
  switch (who.type) {
    case 'Anonymous':
      return false;
    case 'Service':
      return who.service !== undefined && principals.services.has(who.service);
    case 'Root':
      return (who.accountId !== undefined && principals.accounts.has(who.accountId)) || canonical(principals, who);
    case 'User':
      return (who.arn !== undefined && principals.arns.has(who.arn)) || canonical(principals, who);
  }
}

/** Whether a NotPrincipal list exempts the caller from its statement. */
export function notPrincipalExempts(principals: Principals, who: RequestPrincipal): boolean {
  if (!principalMatches(principals, who)) return false;
  if (who.type !== 'User' || principals.everyone) return true;
  return who.accountId !== undefined && principals.accounts.has(who.accountId);
}

function canonical(principals: Principals, who: RequestPrincipal): boolean {
  return who.canonicalId !== undefined && principals.canonicalUsers.has(who.canonicalId.toLowerCase());
}
