/**
 * What a request brings to policy evaluation: who asks, the action, the resource ARN, and the
 * values of the condition keys. Keys are looked up only when a statement that can apply names
 * them, and a value may be a getter, so keys no policy mentions cost nothing.
 */
import type { VariableLookup } from './pattern.js';

export interface RequestPrincipal {
  /** `Root`: the account's root credentials; `User`: an IAM-style user of the account. */
  readonly type: 'Anonymous' | 'Root' | 'User' | 'Service';
  /** The 12-digit account id (absent for Anonymous). */
  readonly accountId?: string;
  /** `arn:aws:iam::ACCOUNT:user/NAME` (User); the root's is derived from accountId. */
  readonly arn?: string;
  /** The canonical user id (64 hex), matched by `{"CanonicalUser": …}`. */
  readonly canonicalId?: string;
  /** aws:username (User only). */
  readonly username?: string;
  /** aws:userid: the user's unique id; the account id for Root, `anonymous` for Anonymous. */
  readonly userid?: string;
  /** The service principal (`logging.s3.amazonaws.com`) of a Service request. */
  readonly service?: string;
}

/** One value of a key; several for multivalued keys (s3:RequestObjectTagKeys). */
export type ConditionValue = string | number | boolean | Date | readonly string[];
export type TagSet = Readonly<Record<string, string>>;
export type Lazy<T> = T | (() => T | undefined);

/**
 * Condition-key values, spelled as AWS documents them (`aws:SourceIp`, `s3:x-amz-acl`,
 * `s3:max-keys`, `s3:signatureAge` in milliseconds, `aws:SecureTransport` as a boolean…). A
 * key absent (or a getter answering undefined) is "not present in the request".
 * `s3:ExistingObjectTag` and `s3:RequestObjectTag` take the whole tag set; the engine answers
 * `s3:ExistingObjectTag/<key>` from it, and `s3:RequestObjectTagKeys` from the request's tags
 * when not given. The engine itself answers the principal's keys (aws:username, aws:userid,
 * aws:PrincipalType, aws:PrincipalArn, aws:PrincipalAccount) and aws:CurrentTime /
 * aws:EpochTime (from `AuthorizationRequest.time`).
 */
export interface ConditionValues {
  readonly [key: string]: Lazy<ConditionValue | TagSet> | undefined;
}

export interface AuthorizationRequest {
  readonly principal: RequestPrincipal;
  /** `s3:GetObject`, as AWS spells it. */
  readonly action: string;
  /** `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key`; `*` for account-level actions (ListAllMyBuckets). */
  readonly resource: string;
  readonly values: ConditionValues;
  /** The request time (aws:CurrentTime); now when absent. */
  readonly time?: Date;
}

/** The keys S3 and IAM document, by lower-cased name: their spelling, and whether multivalued. */
const GLOBAL_KEYS = [
  'aws:SourceIp', 'aws:SecureTransport', 'aws:Referer', 'aws:UserAgent', 'aws:CurrentTime', 'aws:EpochTime',
  'aws:username', 'aws:userid', 'aws:PrincipalType', 'aws:PrincipalArn', 'aws:PrincipalAccount',
  'aws:PrincipalOrgID', 'aws:SourceArn', 'aws:SourceAccount', 'aws:SourceOwner', 'aws:SourceVpc', 'aws:SourceVpce',
  'aws:RequestedRegion', 'aws:MultiFactorAuthPresent', 'aws:MultiFactorAuthAge', 'aws:TokenIssueTime',
  'aws:ViaAWSService', 'aws:CalledVia', 'aws:ResourceAccount',
];

const S3_KEYS = [
  's3:AccessGrantsInstanceArn', 's3:AccessPointNetworkOrigin', 's3:DataAccessPointAccount', 's3:DataAccessPointArn',
  's3:LocationConstraint', 's3:RequestObjectTagKeys', 's3:ResourceAccount', 's3:TlsVersion', 's3:VersionId',
  's3:authType', 's3:delimiter', 's3:max-keys', 's3:object-lock-legal-hold', 's3:object-lock-mode',
  's3:object-lock-remaining-retention-days', 's3:object-lock-retain-until-date', 's3:prefix', 's3:signatureAge',
  's3:signatureversion', 's3:x-amz-acl', 's3:x-amz-content-sha256', 's3:x-amz-copy-source',
  's3:x-amz-grant-full-control', 's3:x-amz-grant-read', 's3:x-amz-grant-read-acp', 's3:x-amz-grant-write',
  's3:x-amz-grant-write-acp', 's3:x-amz-metadata-directive', 's3:x-amz-server-side-encryption',
  's3:x-amz-server-side-encryption-aws-kms-key-id', 's3:x-amz-server-side-encryption-customer-algorithm',
  's3:x-amz-storage-class', 's3:x-amz-website-redirect-location', 's3:x-amz-object-ownership', 's3:if-match',
  's3:if-none-match', 's3:ObjectCreationOperation',
];

/** Keys that end in `/<tag key>`. */
export const TAG_FAMILIES = ['s3:ExistingObjectTag', 's3:RequestObjectTag'];

const SPELLING = new Map([...GLOBAL_KEYS, ...S3_KEYS].map((key) => [key.toLowerCase(), key]));

/** The key as a ConditionValues property names it; undefined for an `s3:` key S3 does not define. */
export function canonicalKey(written: string): string | undefined {
  const lower = written.toLowerCase();
  const known = SPELLING.get(lower);
  if (known !== undefined) return known;
  for (const family of TAG_FAMILIES) {
    const prefix = `${family.toLowerCase()}/`;
    if (lower.startsWith(prefix) && lower.length > prefix.length) return `${family}/${written.slice(prefix.length)}`;
  }
  return lower.startsWith('s3:') ? undefined : written;
}

export type RawValue = string | number | boolean | Date;

/** One request's key reads, each done at most once. */
export class RequestValues implements VariableLookup {
  private readonly cache = new Map<string, readonly RawValue[] | undefined>();
  private readonly resolved = new Map<string, ConditionValue | TagSet | undefined>();
  constructor(private readonly request: AuthorizationRequest) {}

  /** The values of a key (canonical spelling); undefined when the request has none. */
  get(key: string): readonly RawValue[] | undefined {
    if (this.cache.has(key)) return this.cache.get(key);
    const values = this.read(key);
    this.cache.set(key, values);
    return values;
  }

  /** A single-valued key as text, for a policy variable. */
  variable(lowerKey: string): string | undefined {
    const key = canonicalKey(lowerKey);
    const values = key === undefined ? undefined : this.get(key);
    if (values === undefined || values.length !== 1) return undefined;
    return asText(values[0]!);
  }

  private read(key: string): readonly RawValue[] | undefined {
    const principal = this.request.principal;
    switch (key) {
      case 'aws:username':
        return one(principal.type === 'User' ? principal.username : undefined);
      case 'aws:userid':
        return one(principal.type === 'Anonymous' ? 'anonymous' : principal.type === 'Root' ? principal.accountId : principal.userid);
      case 'aws:PrincipalType':
        return one({ Anonymous: 'Anonymous', Root: 'Account', User: 'User', Service: undefined }[principal.type]);
      case 'aws:PrincipalArn':
        if (principal.type === 'Root') return one(principal.accountId === undefined ? undefined : `arn:aws:iam::${principal.accountId}:root`);
        return one(principal.type === 'User' ? principal.arn : undefined);
      case 'aws:PrincipalAccount':
        return one(principal.type === 'Anonymous' ? undefined : principal.accountId);
      case 'aws:CurrentTime':
        return [this.now()];
      case 'aws:EpochTime':
        return [Math.floor(this.now().getTime() / 1000)];
      case 's3:RequestObjectTagKeys': {
        const given = this.supplied(key);
        if (given !== undefined) return given;
        const tags = this.tags('s3:RequestObjectTag');
        return tags === undefined ? undefined : Object.keys(tags);
      }
    }
    const slash = key.indexOf('/');
    if (slash > 0 && TAG_FAMILIES.includes(key.slice(0, slash))) {
      const tags = this.tags(key.slice(0, slash));
      const tag = key.slice(slash + 1);
      return one(tags !== undefined && Object.hasOwn(tags, tag) ? tags[tag] : undefined);
    }
    return this.supplied(key);
  }

  private now(): Date {
    return this.request.time ?? new Date();
  }

  /** A supplied value, its getter called at most once. */
  private resolve(key: string): ConditionValue | TagSet | undefined {
    const entry = Object.hasOwn(this.request.values, key) ? this.request.values[key] : undefined;
    if (typeof entry !== 'function') return entry;
    if (this.resolved.has(key)) return this.resolved.get(key);
    const value = entry();
    this.resolved.set(key, value);
    return value;
  }

  private supplied(key: string): readonly RawValue[] | undefined {
    const value = this.resolve(key);
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return value as readonly string[];
    if (typeof value === 'object' && !(value instanceof Date)) return undefined;
    return [value as RawValue];
  }

  private tags(family: string): TagSet | undefined {
    const value = this.resolve(family);
    return typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) ? (value as TagSet) : undefined;
  }
}

function one(value: string | undefined): readonly RawValue[] | undefined {
  return value === undefined ? undefined : [value];
}

export function asText(value: RawValue): string {
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return String(value);
}
