/**
 * "Is this policy public?" as S3 judges it for GetBucketPolicyStatus and Block Public Access
 * (S3 user guide, "The meaning of public"): S3 assumes a policy public unless each Allow grants
 * only to fixed values (no wildcard, no policy variable) of a principal, or is limited by a
 * condition on one of the keys that pin the caller: aws:SourceIp (CIDR no broader than /8 for
 * IPv4, /32 for IPv6), aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner,
 * aws:SourceAccount, aws:userid, s3:DataAccessPointArn, s3:DataAccessPointAccount (and the
 * principal keys aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalOrgID).
 * A condition a request without the key satisfies (`…IfExists`, `ForAllValues:`) pins nothing.
 */
import type { Condition } from './conditions.js';
import { parseCidr } from './ip.js';
import { Pattern } from './pattern.js';
import type { Policy, Statement } from './policy.js';

const PINNING_KEYS = new Set([
  'aws:SourceArn', 'aws:SourceVpc', 'aws:SourceVpce', 'aws:SourceOwner', 'aws:SourceAccount', 'aws:userid',
  's3:DataAccessPointArn', 's3:DataAccessPointAccount', 'aws:PrincipalArn', 'aws:PrincipalAccount', 'aws:PrincipalOrgID',
]);
const PINNING_OPERATORS = new Set(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike']);

function fixed(value: string): boolean {
  return new Pattern(value, { wildcards: true, variables: true }).isFixed;
}

function pins(condition: Condition): boolean {
  if (condition.ifExists || condition.set === 'ForAllValues' || condition.values.length === 0) return false;
  if (condition.key === 'aws:SourceIp') {
    return condition.operator === 'IpAddress' && condition.values.every((value) => {
      const cidr = parseCidr(value.trim());
      return cidr !== undefined && cidr.writtenPrefix >= (cidr.ipv4 ? 8 : 32);
    });
  }
  if (!PINNING_KEYS.has(condition.key) || !PINNING_OPERATORS.has(condition.operator)) return false;
  // A wildcard (aws:userid `AROLEID:*`, every session of a role) pins nothing.
  return condition.values.every(fixed);
}

function grantsPublicly(statement: Statement): boolean {
  if (statement.effect !== 'Allow' || statement.principal === undefined) return false;
  if (!statement.principal.principals.everyone) return false;
  return !statement.conditions.some(pins);
}

export function isPublic(policy: Policy): boolean {
  return policy.statements.some(grantsPublicly);
}
