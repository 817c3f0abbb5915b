/**
 * evaluate: AWS's evaluation logic and the condition operators, as the IAM reference's
 * "Policy evaluation logic", "Condition operators", "Single-valued vs. multivalued context
 * keys" and "Policy variables" pages describe them; each case one request against one policy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, parsePolicy, type AuthorizationRequest, type ConditionValues, type Decision, type RequestPrincipal } from '../../../../src/access/policy/index.js';

const ACCOUNT = '111122223333';
const ALICE: RequestPrincipal = { type: 'User', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/alice`, username: 'alice', userid: 'AIDAALICE', canonicalId: 'a'.repeat(64) };
const BOB: RequestPrincipal = { type: 'User', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/bob`, username: 'bob', userid: 'AIDABOB' };
const ROOT: RequestPrincipal = { type: 'Root', accountId: ACCOUNT, canonicalId: 'c'.repeat(64) };
const OTHER_ROOT: RequestPrincipal = { type: 'Root', accountId: '444455556666' };
const ANONYMOUS: RequestPrincipal = { type: 'Anonymous' };

function request(overrides: Partial<AuthorizationRequest> & { values?: ConditionValues } = {}): AuthorizationRequest {
  return { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/a.jpg', values: {}, ...overrides };
}

function bucketPolicy(...statements: object[]) {
  return parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), { kind: 'bucket', bucket: 'photos' });
}

function identityPolicy(...statements: object[]) {
  return parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), { kind: 'identity' });
}

const allowAll = { Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::photos', 'arn:aws:s3:::photos/*'] };

/** The decision of a bucket policy holding `allowAll` restricted by `condition`. */
function withCondition(condition: object, values: ConditionValues, extra: Partial<AuthorizationRequest> = {}): Decision {
  return evaluate(request({ values, ...extra }), { bucket: bucketPolicy({ ...allowAll, Condition: condition }) });
}

test('evaluate.no policy is an implicit deny', () => {
  assert.equal(evaluate(request(), {}), 'ImplicitDeny');
});

test('evaluate.an allow that applies allows; one for another action, resource or principal does not', () => {
  const policy = bucketPolicy({ Effect: 'Allow', Principal: { AWS: ALICE.arn }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/public/*' });
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/public/a.jpg' }), { bucket: policy }), 'Allow');
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/private/a.jpg' }), { bucket: policy }), 'ImplicitDeny');
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/public/a.jpg', action: 's3:PutObject' }), { bucket: policy }), 'ImplicitDeny');
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/public/a.jpg', principal: BOB }), { bucket: policy }), 'ImplicitDeny');
});

test('evaluate.an explicit deny beats any allow, in any policy', () => {
  const deny = { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/secret/*' };
  const bucket = bucketPolicy(allowAll, deny);
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/secret/x' }), { bucket }), 'ExplicitDeny');
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/open/x' }), { bucket }), 'Allow');
  const identity = identityPolicy({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/secret/x' }), { identity: [identity], bucket: bucketPolicy(deny) }), 'ExplicitDeny');
  const identityDeny = identityPolicy({ Effect: 'Deny', Action: 's3:GetObject', Resource: '*' });
  assert.equal(evaluate(request(), { identity: [identityDeny], bucket: bucketPolicy(allowAll) }), 'ExplicitDeny');
});

test('evaluate.an allow in the identity policy or in the bucket policy is enough (same account)', () => {
  const identity = identityPolicy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/*' });
  assert.equal(evaluate(request(), { identity: [identity] }), 'Allow');
  assert.equal(evaluate(request(), { identity: [identityPolicy({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' })], bucket: bucketPolicy(allowAll) }), 'Allow');
});

test('evaluate.actions compare without case, with * and ? wildcards', () => {
  const identity = identityPolicy({ Effect: 'Allow', Action: ['S3:get*', 's3:?utObjectTagging'], Resource: '*' });
  assert.equal(evaluate(request({ action: 's3:GetObjectVersion' }), { identity: [identity] }), 'Allow');
  assert.equal(evaluate(request({ action: 's3:PutObjectTagging' }), { identity: [identity] }), 'Allow');
  assert.equal(evaluate(request({ action: 's3:PutObject' }), { identity: [identity] }), 'ImplicitDeny');
});

test('evaluate.resources compare with case; * crosses /; ? is one character', () => {
  const policy = bucketPolicy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: ['arn:aws:s3:::photos/*/test/*', 'arn:aws:s3:::photos/v?.txt'] });
  const decide = (key: string) => evaluate(request({ resource: `arn:aws:s3:::photos/${key}` }), { bucket: policy });
  // The IAM Resource page's own example.
  assert.equal(decide('1///test///object.jpg'), 'Allow');
  assert.equal(decide('/test/object.jpg'), 'Allow');
  assert.equal(decide('1/test/'), 'Allow');
  assert.equal(decide('1-test/object.jpg'), 'ImplicitDeny');
  assert.equal(decide('test/object.jpg'), 'ImplicitDeny');
  assert.equal(decide('1/2/test.jpg'), 'ImplicitDeny');
  assert.equal(decide('v1.txt'), 'Allow');
  assert.equal(decide('v10.txt'), 'ImplicitDeny');
  assert.equal(decide('V1.txt'), 'ImplicitDeny');
  assert.equal(decide('1/TEST/x'), 'ImplicitDeny');
});

test('evaluate.NotAction allows every action but those listed', () => {
  const policy = bucketPolicy({ Effect: 'Allow', Principal: '*', NotAction: 's3:DeleteObject', Resource: 'arn:aws:s3:::photos/*' });
  assert.equal(evaluate(request({ action: 's3:PutObject' }), { bucket: policy }), 'Allow');
  assert.equal(evaluate(request({ action: 's3:DeleteObject' }), { bucket: policy }), 'ImplicitDeny');
});

test('evaluate.NotResource denies everywhere but the listed resources', () => {
  const policy = bucketPolicy(allowAll, { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', NotResource: 'arn:aws:s3:::photos/uploads/*' });
  assert.equal(evaluate(request({ action: 's3:PutObject', resource: 'arn:aws:s3:::photos/uploads/x' }), { bucket: policy }), 'Allow');
  assert.equal(evaluate(request({ action: 's3:PutObject', resource: 'arn:aws:s3:::photos/other/x' }), { bucket: policy }), 'ExplicitDeny');
});

test('evaluate.principals: * includes anonymous; an account names its root; a user its ARN; canonical ids', () => {
  const everyone = bucketPolicy({ ...allowAll, Principal: '*' });
  assert.equal(evaluate(request({ principal: ANONYMOUS }), { bucket: everyone }), 'Allow');
  assert.equal(evaluate(request({ principal: ANONYMOUS }), { bucket: bucketPolicy({ ...allowAll, Principal: { AWS: '*' } }) }), 'Allow');
  const account = bucketPolicy({ ...allowAll, Principal: { AWS: ACCOUNT } });
  assert.equal(evaluate(request({ principal: ROOT }), { bucket: account }), 'Allow');
  assert.equal(evaluate(request({ principal: OTHER_ROOT }), { bucket: account }), 'ImplicitDeny');
  assert.equal(evaluate(request({ principal: ANONYMOUS }), { bucket: account }), 'ImplicitDeny');
  assert.equal(evaluate(request({ principal: ALICE }), { bucket: account }), 'ImplicitDeny');
  const rootArn = bucketPolicy({ ...allowAll, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } });
  assert.equal(evaluate(request({ principal: ROOT }), { bucket: rootArn }), 'Allow');
  const alice = bucketPolicy({ ...allowAll, Principal: { AWS: [ALICE.arn] } });
  assert.equal(evaluate(request({ principal: ALICE }), { bucket: alice }), 'Allow');
  assert.equal(evaluate(request({ principal: BOB }), { bucket: alice }), 'ImplicitDeny');
  const canonical = bucketPolicy({ ...allowAll, Principal: { CanonicalUser: 'A'.repeat(64) } });
  assert.equal(evaluate(request({ principal: ALICE }), { bucket: canonical }), 'Allow');
  const service = bucketPolicy({ ...allowAll, Principal: { Service: 'logging.s3.amazonaws.com' } });
  assert.equal(evaluate(request({ principal: { type: 'Service', service: 'logging.s3.amazonaws.com' } }), { bucket: service }), 'Allow');
  assert.equal(evaluate(request({ principal: ALICE }), { bucket: service }), 'ImplicitDeny');
});

test('evaluate.NotPrincipal denies everyone but those named', () => {
  const policy = bucketPolicy(allowAll, { Effect: 'Deny', NotPrincipal: { AWS: [ALICE.arn, ACCOUNT] }, Action: 's3:*', Resource: 'arn:aws:s3:::photos/*' });
  assert.equal(evaluate(request({ principal: ALICE }), { bucket: policy }), 'Allow');
  assert.equal(evaluate(request({ principal: ROOT }), { bucket: policy }), 'Allow');
  assert.equal(evaluate(request({ principal: BOB }), { bucket: policy }), 'ExplicitDeny');
  assert.equal(evaluate(request({ principal: ANONYMOUS }), { bucket: policy }), 'ExplicitDeny');
  // A user named without its account is still denied: the request is its account's too.
  const userOnly = bucketPolicy(allowAll, { Effect: 'Deny', NotPrincipal: { AWS: ALICE.arn }, Action: 's3:*', Resource: 'arn:aws:s3:::photos/*' });
  assert.equal(evaluate(request({ principal: ALICE }), { bucket: userOnly }), 'ExplicitDeny');
  assert.equal(evaluate(request({ principal: ROOT }), { bucket: userOnly }), 'ExplicitDeny');
  const accountOnly = bucketPolicy(allowAll, { Effect: 'Deny', NotPrincipal: { AWS: ACCOUNT }, Action: 's3:*', Resource: 'arn:aws:s3:::photos/*' });
  assert.equal(evaluate(request({ principal: ROOT }), { bucket: accountOnly }), 'Allow');
  assert.equal(evaluate(request({ principal: ALICE }), { bucket: accountOnly }), 'ExplicitDeny');
});

test('evaluate.policy variables in Resource: ${aws:username}, default values, ${*} literal; none under 2008-10-17', () => {
  const home = bucketPolicy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/home/${aws:username}/*' });
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/home/alice/x' }), { bucket: home }), 'Allow');
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/home/bob/x' }), { bucket: home }), 'ImplicitDeny');
  // A variable with no value matches no resource (anonymous has no aws:username).
  assert.equal(evaluate(request({ principal: ANONYMOUS, resource: 'arn:aws:s3:::photos/home//x' }), { bucket: home }), 'ImplicitDeny');
  const fallback = bucketPolicy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: "arn:aws:s3:::photos/home/${aws:username, 'guest'}/*" });
  assert.equal(evaluate(request({ principal: ANONYMOUS, resource: 'arn:aws:s3:::photos/home/guest/x' }), { bucket: fallback }), 'Allow');
  const literal = bucketPolicy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/${*}${?}${$}' });
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/*?$' }), { bucket: literal }), 'Allow');
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/ab$' }), { bucket: literal }), 'ImplicitDeny');
  // A variable's value is literal text, never a wildcard.
  const star: RequestPrincipal = { ...ALICE, username: '*' };
  assert.equal(evaluate(request({ principal: star, resource: 'arn:aws:s3:::photos/home/bob/x' }), { bucket: home }), 'ImplicitDeny');
  const old = parsePolicy(JSON.stringify({ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/${aws:username}' }] }), { kind: 'bucket', bucket: 'photos' });
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/alice' }), { bucket: old }), 'ImplicitDeny');
  assert.equal(evaluate(request({ resource: 'arn:aws:s3:::photos/${aws:username}' }), { bucket: old }), 'Allow');
});

test('evaluate.policy variables in conditions: s3:prefix against ${aws:username}', () => {
  const policy = bucketPolicy({ Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::photos', Condition: { StringLike: { 's3:prefix': ['${aws:username}/*', ''] } } });
  const list = (prefix: string | undefined, principal = ALICE) =>
    evaluate(request({ principal, action: 's3:ListBucket', resource: 'arn:aws:s3:::photos', values: prefix === undefined ? {} : { 's3:prefix': prefix } }), { bucket: policy });
  assert.equal(list('alice/2024/'), 'Allow');
  assert.equal(list(''), 'Allow');
  assert.equal(list('bob/'), 'ImplicitDeny');
  assert.equal(list(undefined), 'ImplicitDeny');
  // With no username, StringNotEquals against the variable matches (IAM: inverted operators match a null value).
  const notHome = bucketPolicy({ ...allowAll, Condition: { StringNotEquals: { 's3:prefix': '${aws:username}' } } });
  assert.equal(evaluate(request({ principal: ANONYMOUS, values: { 's3:prefix': 'x' } }), { bucket: notHome }), 'Allow');
});

const T = true;
const F = false;

/** [scenario, condition, request values, allowed?] */
const CONDITIONS: [string, object, ConditionValues, boolean][] = [
  ['StringEquals matches exactly', { StringEquals: { 's3:x-amz-acl': 'public-read' } }, { 's3:x-amz-acl': 'public-read' }, T],
  ['StringEquals is case-sensitive', { StringEquals: { 's3:x-amz-acl': 'public-read' } }, { 's3:x-amz-acl': 'Public-Read' }, F],
  ['StringEquals has no wildcards', { StringEquals: { 's3:prefix': 'a*' } }, { 's3:prefix': 'abc' }, F],
  ['StringEquals: values are ORed', { StringEquals: { 's3:x-amz-acl': ['private', 'public-read'] } }, { 's3:x-amz-acl': 'private' }, T],
  ['StringEquals: absent key is false', { StringEquals: { 's3:x-amz-acl': 'private' } }, {}, F],
  ['StringEquals: key names are case-insensitive', { StringEquals: { 'S3:X-AMZ-ACL': 'private' } }, { 's3:x-amz-acl': 'private' }, T],
  ['StringNotEquals: values are NORed', { StringNotEquals: { 's3:x-amz-acl': ['private', 'public-read'] } }, { 's3:x-amz-acl': 'private' }, F],
  ['StringNotEquals: other value', { StringNotEquals: { 's3:x-amz-acl': ['private', 'public-read'] } }, { 's3:x-amz-acl': 'authenticated-read' }, T],
  ['StringNotEquals: absent key is true', { StringNotEquals: { 's3:x-amz-acl': 'private' } }, {}, T],
  ['StringEqualsIgnoreCase', { StringEqualsIgnoreCase: { 'aws:UserAgent': 'Aws-Cli' } }, { 'aws:UserAgent': 'aws-cli' }, T],
  ['StringNotEqualsIgnoreCase', { StringNotEqualsIgnoreCase: { 'aws:UserAgent': 'Aws-Cli' } }, { 'aws:UserAgent': 'AWS-CLI' }, F],
  ['StringLike with *', { StringLike: { 'aws:Referer': 'https://www.example.com/*' } }, { 'aws:Referer': 'https://www.example.com/page' }, T],
  ['StringLike with ?', { StringLike: { 's3:prefix': 'home/?' } }, { 's3:prefix': 'home/ab' }, F],
  ['StringLike is case-sensitive', { StringLike: { 's3:prefix': 'Home/*' } }, { 's3:prefix': 'home/x' }, F],
  ['StringNotLike', { StringNotLike: { 's3:x-amz-acl': 'public*' } }, { 's3:x-amz-acl': 'public-read' }, F],
  ['StringNotLike: absent key is true', { StringNotLike: { 's3:x-amz-acl': 'public*' } }, {}, T],
  ['NumericEquals', { NumericEquals: { 's3:max-keys': '10' } }, { 's3:max-keys': 10 }, T],
  ['NumericEquals with text values', { NumericEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': '10.0' }, T],
  ['NumericNotEquals', { NumericNotEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': 10 }, F],
  ['NumericLessThan', { NumericLessThan: { 's3:max-keys': 10 } }, { 's3:max-keys': 9 }, T],
  ['NumericLessThan at the bound', { NumericLessThan: { 's3:max-keys': 10 } }, { 's3:max-keys': 10 }, F],
  ['NumericLessThanEquals', { NumericLessThanEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': 10 }, T],
  ['NumericGreaterThan', { NumericGreaterThan: { 's3:signatureAge': 600000 } }, { 's3:signatureAge': 600001 }, T],
  ['NumericGreaterThanEquals', { NumericGreaterThanEquals: { 's3:signatureAge': 600000 } }, { 's3:signatureAge': 599999 }, F],
  ['Numeric: a request value not a number matches nothing', { NumericLessThan: { 's3:max-keys': 10 } }, { 's3:max-keys': 'many' }, F],
  ['DateEquals', { DateEquals: { 's3:object-lock-retain-until-date': '2026-01-01T00:00:00Z' } }, { 's3:object-lock-retain-until-date': new Date('2026-01-01T00:00:00Z') }, T],
  ['DateNotEquals', { DateNotEquals: { 's3:object-lock-retain-until-date': '2026-01-01T00:00:00Z' } }, { 's3:object-lock-retain-until-date': new Date('2026-01-01T00:00:00Z') }, F],
  ['DateLessThan', { DateLessThan: { 's3:object-lock-retain-until-date': '2026-06-30' } }, { 's3:object-lock-retain-until-date': new Date('2026-06-29T23:59:59Z') }, T],
  ['DateLessThanEquals', { DateLessThanEquals: { 's3:object-lock-retain-until-date': '2026-06-30T00:00:00Z' } }, { 's3:object-lock-retain-until-date': new Date('2026-06-30T00:00:00Z') }, T],
  ['DateGreaterThan', { DateGreaterThan: { 's3:object-lock-retain-until-date': '2026-06-30T00:00:00Z' } }, { 's3:object-lock-retain-until-date': new Date('2026-06-30T00:00:00Z') }, F],
  ['aws:CurrentTime is the request time', { DateLessThan: { 'aws:CurrentTime': '2026-07-01T00:00:01Z' } }, {}, T],
  ['aws:CurrentTime is not a value supplied', { DateLessThan: { 'aws:CurrentTime': '2026-06-01T00:00:00Z' } }, { 'aws:CurrentTime': new Date('2020-01-01T00:00:00Z') }, F],
  ['DateGreaterThanEquals with epoch seconds', { DateGreaterThanEquals: { 'aws:EpochTime': '1782777600' } }, {}, T],
  ['Bool true', { Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': true }, T],
  ['Bool false against true', { Bool: { 'aws:SecureTransport': false } }, { 'aws:SecureTransport': true }, F],
  ['Bool: absent key is false', { Bool: { 'aws:SecureTransport': 'false' } }, {}, F],
  ['BinaryEquals', { BinaryEquals: { 'aws:Referer': 'aGVsbG8=' } }, { 'aws:Referer': 'aGVsbG8=' }, T],
  ['BinaryEquals other bytes', { BinaryEquals: { 'aws:Referer': 'aGVsbG8=' } }, { 'aws:Referer': 'aGVsbG9v' }, F],
  ['IpAddress IPv4 CIDR', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.113.200' }, T],
  ['IpAddress IPv4 outside', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.114.1' }, F],
  ['IpAddress without prefix is /32', { IpAddress: { 'aws:SourceIp': '203.0.113.5' } }, { 'aws:SourceIp': '203.0.113.5' }, T],
  ['IpAddress IPv4 CIDR and an IPv4-mapped IPv6 caller', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '::ffff:10.1.2.3' }, T],
  ['IpAddress IPv6 CIDR', { IpAddress: { 'aws:SourceIp': '2001:db8:1234::/48' } }, { 'aws:SourceIp': '2001:db8:1234:ffff::1' }, T],
  ['IpAddress IPv6 outside', { IpAddress: { 'aws:SourceIp': '2001:db8:1234::/48' } }, { 'aws:SourceIp': '2001:db8:1235::1' }, F],
  ['IpAddress odd prefix', { IpAddress: { 'aws:SourceIp': '192.168.0.0/23' } }, { 'aws:SourceIp': '192.168.1.255' }, T],
  ['IpAddress odd prefix outside', { IpAddress: { 'aws:SourceIp': '192.168.0.0/23' } }, { 'aws:SourceIp': '192.168.2.0' }, F],
  ['IpAddress 0.0.0.0/0', { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, { 'aws:SourceIp': '8.8.8.8' }, T],
  ['NotIpAddress', { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '198.51.100.0/24'] } }, { 'aws:SourceIp': '198.51.100.7' }, F],
  ['NotIpAddress outside every block', { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '198.51.100.0/24'] } }, { 'aws:SourceIp': '203.0.113.1' }, T],
  ['ArnEquals per component with wildcards', { ArnEquals: { 'aws:SourceArn': 'arn:aws:cloudtrail:*:111122223333:trail/*' } }, { 'aws:SourceArn': 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main' }, T],
  ['ArnLike: * stays in its component', { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:111122223333' } }, { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:extra:x' }, F],
  ['ArnLike: resource part keeps its colons', { ArnLike: { 'aws:SourceArn': 'arn:aws:logs:us-east-1:111122223333:log-group:*' } }, { 'aws:SourceArn': 'arn:aws:logs:us-east-1:111122223333:log-group:g:stream' }, T],
  ['ArnLike: not an ARN', { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::*' } }, { 'aws:SourceArn': 'bucket' }, F],
  ['ArnNotEquals', { ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/alice' } }, {}, F],
  ['ArnNotLike', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/b*' } }, {}, T],
  ['Null true: key absent', { Null: { 's3:x-amz-server-side-encryption': 'true' } }, {}, T],
  ['Null true: key present', { Null: { 's3:x-amz-server-side-encryption': 'true' } }, { 's3:x-amz-server-side-encryption': 'AES256' }, F],
  ['Null false: key present', { Null: { 's3:x-amz-server-side-encryption': false } }, { 's3:x-amz-server-side-encryption': 'AES256' }, T],
  ['Null false: key absent', { Null: { 's3:x-amz-server-side-encryption': false } }, {}, F],
  ['IfExists: absent key is true', { StringEqualsIfExists: { 's3:x-amz-acl': 'private' } }, {}, T],
  ['IfExists: present key is compared', { StringEqualsIfExists: { 's3:x-amz-acl': 'private' } }, { 's3:x-amz-acl': 'public-read' }, F],
  ['NumericLessThanIfExists present', { NumericLessThanIfExists: { 's3:max-keys': 10 } }, { 's3:max-keys': 5 }, T],
  ['IpAddressIfExists absent', { IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' } }, {}, T],
  ['BoolIfExists absent', { BoolIfExists: { 'aws:SecureTransport': 'true' } }, {}, T],
  ['ForAnyValue: one request value matches', { 'ForAnyValue:StringEquals': { 's3:RequestObjectTagKeys': ['team', 'cost'] } }, { 's3:RequestObjectTagKeys': ['owner', 'team'] }, T],
  ['ForAnyValue: none matches', { 'ForAnyValue:StringEquals': { 's3:RequestObjectTagKeys': ['team'] } }, { 's3:RequestObjectTagKeys': ['owner'] }, F],
  ['ForAnyValue: empty set is false', { 'ForAnyValue:StringEquals': { 's3:RequestObjectTagKeys': ['team'] } }, { 's3:RequestObjectTagKeys': [] }, F],
  ['ForAnyValue: absent key is false', { 'ForAnyValue:StringEquals': { 's3:RequestObjectTagKeys': ['team'] } }, {}, F],
  ['ForAnyValue IfExists: absent key is true', { 'ForAnyValue:StringEqualsIfExists': { 's3:RequestObjectTagKeys': ['team'] } }, {}, T],
  ['ForAnyValue:StringNotEquals: one value outside', { 'ForAnyValue:StringNotEquals': { 's3:RequestObjectTagKeys': ['team'] } }, { 's3:RequestObjectTagKeys': ['team', 'x'] }, T],
  ['ForAllValues: every value listed', { 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['team', 'cost'] } }, { 's3:RequestObjectTagKeys': ['cost', 'team'] }, T],
  ['ForAllValues: one value not listed', { 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['team', 'cost'] } }, { 's3:RequestObjectTagKeys': ['team', 'owner'] }, F],
  ['ForAllValues: empty set is true', { 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['team'] } }, { 's3:RequestObjectTagKeys': [] }, T],
  ['ForAllValues: absent key is true', { 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['team'] } }, {}, T],
  ['ForAllValues:StringLike', { 'ForAllValues:StringLike': { 's3:RequestObjectTagKeys': ['proj-*'] } }, { 's3:RequestObjectTagKeys': ['proj-a', 'proj-b'] }, T],
  ['ForAllValues:StringNotEquals: no value listed', { 'ForAllValues:StringNotEquals': { 's3:RequestObjectTagKeys': ['secret'] } }, { 's3:RequestObjectTagKeys': ['a', 'b'] }, T],
  ['ForAllValues:StringNotEquals: one value listed', { 'ForAllValues:StringNotEquals': { 's3:RequestObjectTagKeys': ['secret'] } }, { 's3:RequestObjectTagKeys': ['a', 'secret'] }, F],
  ['RequestObjectTagKeys derived from the request tags', { 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['team'] } }, { 's3:RequestObjectTag': { team: 'x', owner: 'y' } }, F],
  ['s3:RequestObjectTag/<key>', { StringEquals: { 's3:RequestObjectTag/team': 'blue' } }, { 's3:RequestObjectTag': { team: 'blue' } }, T],
  ['s3:ExistingObjectTag/<key> from a getter', { StringEquals: { 's3:ExistingObjectTag/security': 'public' } }, { 's3:ExistingObjectTag': () => ({ security: 'public' }) }, T],
  ['s3:ExistingObjectTag/<key> absent tag', { StringEquals: { 's3:ExistingObjectTag/security': 'public' } }, { 's3:ExistingObjectTag': { other: 'public' } }, F],
  ['a tag named like an Object.prototype member is absent', { Null: { 's3:ExistingObjectTag/constructor': true } }, { 's3:ExistingObjectTag': { a: '1' } }, T],
  ['several keys under one operator are ANDed', { StringEquals: { 's3:x-amz-acl': 'private', 's3:x-amz-server-side-encryption': 'AES256' } }, { 's3:x-amz-acl': 'private' }, F],
  ['several operators are ANDed', { StringEquals: { 's3:x-amz-acl': 'private' }, Bool: { 'aws:SecureTransport': true } }, { 's3:x-amz-acl': 'private', 'aws:SecureTransport': true }, T],
  ['a getter answering undefined is absent', { Null: { 'aws:Referer': true } }, { 'aws:Referer': () => undefined }, T],
  ['s3:signatureversion / s3:authType', { StringEquals: { 's3:signatureversion': 'AWS4-HMAC-SHA256', 's3:authType': 'REST-HEADER' } }, { 's3:signatureversion': 'AWS4-HMAC-SHA256', 's3:authType': 'REST-HEADER' }, T],
  ['s3:x-amz-copy-source', { StringLike: { 's3:x-amz-copy-source': 'photos/public/*' } }, { 's3:x-amz-copy-source': 'photos/public/a' }, T],
  ['s3:x-amz-metadata-directive absent', { StringEquals: { 's3:x-amz-metadata-directive': 'COPY' } }, {}, F],
  ['s3:VersionId', { StringEquals: { 's3:VersionId': 'v1' } }, { 's3:VersionId': 'v1' }, T],
  ['s3:x-amz-content-sha256', { StringNotEquals: { 's3:x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, { 's3:x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, F],
  ['s3:delimiter', { StringEquals: { 's3:delimiter': '/' } }, { 's3:delimiter': '/' }, T],
  ['s3:ResourceAccount', { StringEquals: { 's3:ResourceAccount': ACCOUNT } }, { 's3:ResourceAccount': ACCOUNT }, T],
  ['aws:username from the principal', { StringEquals: { 'aws:username': 'alice' } }, { 'aws:username': 'mallory' }, T],
  ['aws:userid from the principal', { StringEquals: { 'aws:userid': 'AIDAALICE' } }, {}, T],
  ['aws:PrincipalType User', { StringEquals: { 'aws:PrincipalType': 'User' } }, {}, T],
  ['aws:PrincipalArn', { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/alice` } }, {}, T],
  ['aws:PrincipalAccount', { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } }, {}, T],
  ['aws:Referer', { StringLike: { 'aws:Referer': ['http://www.example.com/*'] } }, { 'aws:Referer': 'http://evil.example.net/' }, F],
  ['a key S3 does not document is absent', { StringEquals: { 'aws:SomethingElse': 'x' } }, {}, F],
];

for (const [scenario, condition, values, allowed] of CONDITIONS) {
  test(`evaluate.condition ${scenario}`, () => {
    const time = new Date('2026-07-01T00:00:00Z');
    assert.equal(withCondition(condition, values, { time }), allowed ? 'Allow' : 'ImplicitDeny');
  });
}

test('evaluate.principal keys of anonymous and root requests', () => {
  const anonymous = { principal: ANONYMOUS };
  assert.equal(withCondition({ StringEquals: { 'aws:PrincipalType': 'Anonymous', 'aws:userid': 'anonymous' } }, {}, anonymous), 'Allow');
  assert.equal(withCondition({ Null: { 'aws:username': true, 'aws:PrincipalArn': true, 'aws:PrincipalAccount': true } }, {}, anonymous), 'Allow');
  const root = { principal: ROOT };
  assert.equal(withCondition({ StringEquals: { 'aws:PrincipalType': 'Account', 'aws:userid': ACCOUNT, 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:root` } }, {}, root), 'Allow');
});

test('evaluate.aws:CurrentTime and aws:EpochTime default to now', () => {
  assert.equal(withCondition({ DateGreaterThan: { 'aws:CurrentTime': '2000-01-01T00:00:00Z' }, NumericGreaterThan: { 'aws:EpochTime': 946684800 } }, {}), 'Allow');
});

test('evaluate.keys are read only when a statement that can apply names them, once each', () => {
  let reads = 0;
  const values: ConditionValues = { 's3:ExistingObjectTag': () => { reads++; return { a: '1' }; } };
  const policy = bucketPolicy(
    { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/*', Condition: { StringEquals: { 's3:ExistingObjectTag/a': '1', 's3:ExistingObjectTag/b': 'x' } } },
    { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/*', Condition: { StringEquals: { 's3:ExistingObjectTag/a': '1' } } },
    { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::photos/*', Condition: { StringEquals: { 's3:ExistingObjectTag/a': '1' } } },
  );
  assert.equal(evaluate(request({ action: 's3:ListBucket', resource: 'arn:aws:s3:::photos', values }), { bucket: policy }), 'ImplicitDeny');
  assert.equal(reads, 0);
  assert.equal(evaluate(request({ values }), { bucket: policy }), 'Allow');
  assert.equal(reads, 1);
});

test('evaluate.account-level actions (resource *) in an identity policy', () => {
  const identity = identityPolicy({ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: 'arn:aws:s3:::*' });
  assert.equal(evaluate(request({ action: 's3:ListAllMyBuckets', resource: '*' }), { identity: [identity] }), 'Allow');
  assert.equal(evaluate(request({ action: 's3:ListBucket', resource: 'arn:aws:s3:::photos' }), { identity: [identity] }), 'ImplicitDeny');
});

test('evaluate.a read-only key for one prefix (the issue\'s "done when" policy)', () => {
  const policy = bucketPolicy(
    { Sid: 'List', Effect: 'Allow', Principal: { AWS: BOB.arn }, Action: 's3:ListBucket', Resource: 'arn:aws:s3:::photos', Condition: { StringLike: { 's3:prefix': 'shared/*' } } },
    { Sid: 'Read', Effect: 'Allow', Principal: { AWS: BOB.arn }, Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: 'arn:aws:s3:::photos/shared/*' },
  );
  const as = (action: string, resource: string, values: ConditionValues = {}) => evaluate(request({ principal: BOB, action, resource, values }), { bucket: policy });
  assert.equal(as('s3:GetObject', 'arn:aws:s3:::photos/shared/a'), 'Allow');
  assert.equal(as('s3:ListBucket', 'arn:aws:s3:::photos', { 's3:prefix': 'shared/' }), 'Allow');
  assert.equal(as('s3:ListBucket', 'arn:aws:s3:::photos', { 's3:prefix': '' }), 'ImplicitDeny');
  assert.equal(as('s3:GetObject', 'arn:aws:s3:::photos/private/a'), 'ImplicitDeny');
  assert.equal(as('s3:PutObject', 'arn:aws:s3:::photos/shared/a'), 'ImplicitDeny');
  assert.equal(as('s3:DeleteObject', 'arn:aws:s3:::photos/shared/a'), 'ImplicitDeny');
});
