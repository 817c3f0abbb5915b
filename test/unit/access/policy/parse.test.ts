/**
 * parsePolicy: the grammar and S3's MalformedPolicy answers, each with its exact message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, PolicyError, type ParseOptions } from '../../../../src/access/policy/index.js';

const BUCKET: ParseOptions = { kind: 'bucket', bucket: 'photos' };
const IDENTITY: ParseOptions = { kind: 'identity' };

const base = { Sid: 'S1', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/*' };

function policy(...statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

function refused(json: string, message: string, options: ParseOptions = BUCKET): void {
  assert.throws(() => parsePolicy(json, options), (error: unknown) => {
    assert.ok(error instanceof PolicyError, `not a PolicyError: ${String(error)}`);
    assert.equal(error.code, 'MalformedPolicy');
    assert.equal(error.message, message);
    return true;
  });
}

const MALFORMED: [scenario: string, json: string, message: string, options?: ParseOptions][] = [
  ['empty body', '', "Policies must be valid JSON and the first byte must be '{'"],
  ['text', 'invalid json', "Policies must be valid JSON and the first byte must be '{'"],
  ['leading white space', ` ${policy(base)}`, "Policies must be valid JSON and the first byte must be '{'"],
  ['an array', `[${policy(base)}]`, "Policies must be valid JSON and the first byte must be '{'"],
  ['broken JSON', '{"Version": "2012-10-17", "Statement": [', 'This policy contains invalid Json'],
  ['no Statement', '{}', 'Missing required field Statement'],
  ['empty Statement', policy(), 'Could not parse the policy: Statement is empty!'],
  ['Statement a string', '{"Statement": "x"}', 'Invalid policy syntax.'],
  ['unknown top-level element', JSON.stringify({ Statement: [base], Foo: 1 }), 'Invalid policy syntax.'],
  ['Id not a string', JSON.stringify({ Id: 5, Statement: [base] }), 'Invalid policy syntax.'],
  ['unknown Version', JSON.stringify({ Version: '2012-10-18', Statement: [base] }), 'The policy must contain a valid version string'],
  ['duplicate Sid', policy(base, { ...base }), 'Statement IDs (SID) in a single policy must be unique.'],
  ['unknown statement element', policy({ ...base, Foo: 'x' }), 'Invalid policy syntax.'],
  ['no Effect', policy({ ...base, Effect: undefined }), 'Missing required field Effect'],
  ['Effect of another case', policy({ ...base, Effect: 'allow' }), 'Invalid effect: allow'],
  ['Effect hello', policy({ ...base, Effect: 'hello' }), 'Invalid effect: hello'],
  ['no Principal', policy({ ...base, Principal: undefined }), 'Missing required field Principal'],
  ['Principal and NotPrincipal', policy({ ...base, Effect: 'Deny', NotPrincipal: { AWS: '111122223333' } }), 'Invalid policy syntax.'],
  ['Principal a name', policy({ ...base, Principal: { AWS: 'user' } }), 'Invalid principal in policy'],
  ['Principal a partial wildcard', policy({ ...base, Principal: { AWS: 'arn:aws:iam::111122223333:user/*' } }), 'Invalid principal in policy'],
  ['Principal an empty map', policy({ ...base, Principal: {} }), 'Invalid principal in policy'],
  ['Principal an unknown type', policy({ ...base, Principal: { Account: '111122223333' } }), 'Invalid principal in policy'],
  ['Principal an access key id', policy({ ...base, Principal: { AWS: 'AKIAIOSFODNN7EXAMPLE' } }), 'Invalid principal in policy'],
  ['CanonicalUser not 64 hex', policy({ ...base, Principal: { CanonicalUser: 'abc' } }), 'Invalid principal in policy'],
  ['Service *', policy({ ...base, Principal: { Service: '*' } }), 'Invalid principal in policy'],
  ['NotPrincipal with Allow', policy({ ...base, Principal: undefined, NotPrincipal: { AWS: '111122223333' } }), 'Invalid principal in policy'],
  ['no Action', policy({ ...base, Action: undefined }), 'Missing required field Action'],
  ['Action not an S3 action', policy({ ...base, Action: 'invalid_action' }), 'Policy has invalid action'],
  ['Action of another service', policy({ ...base, Action: 'ec2:RunInstances' }), 'Policy has invalid action'],
  ['Action S3 does not define', policy({ ...base, Action: 's3:PutObjectLockConfiguration' }), 'Policy has invalid action'],
  ['Action pattern naming nothing', policy({ ...base, Action: 's3:Frobnicate*' }), 'Policy has invalid action'],
  ['Action empty list', policy({ ...base, Action: [] }), 'Policy has invalid action'],
  ['Action null', policy({ ...base, Action: null }), 'Invalid policy syntax.'],
  ['Action and NotAction', policy({ ...base, NotAction: 's3:PutObject' }), 'Invalid policy syntax.'],
  ['no Resource', policy({ ...base, Resource: undefined }), 'Missing required field Resource'],
  ['Resource *', policy({ ...base, Resource: '*' }), 'Policy has invalid resource'],
  ['Resource another bucket', policy({ ...base, Resource: 'arn:aws:s3:::other/*' }), 'Policy has invalid resource'],
  ['Resource not an ARN', policy({ ...base, Resource: 'photos/*' }), 'Policy has invalid resource'],
  ['Resource the bare prefix', policy({ ...base, Resource: 'arn:aws:s3:::' }), 'Policy has invalid resource'],
  ['object action on the bucket ARN', policy({ ...base, Action: 's3:PutObject', Resource: 'arn:aws:s3:::photos' }), 'Action does not apply to any resource(s) in statement'],
  ['bucket action on object ARNs', policy({ ...base, Action: 's3:ListBucket', Resource: 'arn:aws:s3:::photos/*' }), 'Action does not apply to any resource(s) in statement'],
  ['account action in a bucket policy', policy({ ...base, Action: 's3:ListAllMyBuckets' }), 'Action does not apply to any resource(s) in statement'],
  ['unknown condition operator', policy({ ...base, Condition: { StringEqualz: { 's3:prefix': 'a' } } }), 'Invalid Condition type : StringEqualz'],
  ['operator in another case', policy({ ...base, Condition: { stringequals: { 's3:prefix': 'a' } } }), 'Invalid Condition type : stringequals'],
  ['NullIfExists', policy({ ...base, Condition: { NullIfExists: { 's3:prefix': 'true' } } }), 'Invalid Condition type : NullIfExists'],
  ['set operator without operator', policy({ ...base, Condition: { 'ForAnyValue:': { 's3:prefix': 'a' } } }), 'Invalid Condition type : ForAnyValue:'],
  ['two set operators', policy({ ...base, Condition: { 'ForAnyValue:ForAllValues:StringEquals': { 's3:prefix': 'a' } } }), 'Invalid Condition type : ForAnyValue:ForAllValues:StringEquals'],
  ['IfExists alone', policy({ ...base, Condition: { IfExists: { 's3:prefix': 'a' } } }), 'Invalid Condition type : IfExists'],
  ['unknown s3 condition key', policy({ ...base, Condition: { StringEquals: { 's3:VersionStatus': 'a' } } }), 'Policy has an invalid condition key'],
  ['condition key of another service', policy({ ...base, Condition: { StringEquals: { 'ec2:Region': 'a' } } }), 'Policy has an invalid condition key'],
  ['condition key without a service', policy({ ...base, Condition: { StringEquals: { prefix: 'a' } } }), 'Policy has an invalid condition key'],
  ['tag key without a tag', policy({ ...base, Condition: { StringEquals: { 's3:ExistingObjectTag/': 'a' } } }), 'Policy has an invalid condition key'],
  ['invalid IP address', policy({ ...base, Condition: { IpAddress: { 'aws:SourceIp': '123' } } }), 'Invalid IP address in Conditions'],
  ['CIDR prefix too long', policy({ ...base, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } } }), 'Invalid IP address in Conditions'],
  ['numeric value not a number', policy({ ...base, Condition: { NumericLessThan: { 's3:max-keys': 'ten' } } }), 'Invalid value in Conditions for operator NumericLessThan'],
  ['date value not a date', policy({ ...base, Condition: { DateGreaterThan: { 'aws:CurrentTime': 'tomorrow' } } }), 'Invalid value in Conditions for operator DateGreaterThan'],
  ['Bool value not a boolean', policy({ ...base, Condition: { Bool: { 'aws:SecureTransport': 'yes' } } }), 'Invalid value in Conditions for operator Bool'],
  ['condition value an object', policy({ ...base, Condition: { StringEquals: { 's3:prefix': { a: 1 } } } }), 'Invalid policy syntax.'],
  ['Condition a list', policy({ ...base, Condition: [] }), 'Invalid policy syntax.'],
  ['an element written twice', '{"Statement": [{"Effect": "Allow", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}]}', 'Invalid policy syntax.'],
  ['a condition key written twice (escaped)', '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*", "Condition": {"StringEquals": {"s3:x-amz-acl": "a", "s3:x-amz-\\u0061cl": "b"}}}}', 'Invalid policy syntax.'],
  ['identity policy naming a principal', policy({ ...base }), 'Policy document should not specify a principal.', IDENTITY],
  ['identity policy with a malformed action', policy({ Effect: 'Allow', Action: 's3', Resource: '*' }), 'Policy has invalid action', IDENTITY],
  ['identity policy with a resource not an ARN', policy({ Effect: 'Allow', Action: 's3:*', Resource: 'bucket' }), 'Policy has invalid resource', IDENTITY],
];

for (const [scenario, json, message, options] of MALFORMED) {
  test(`parsePolicy.refuses ${scenario}`, () => refused(json, message, options));
}

test('parsePolicy.refuses a document over 20 KB without white space, accepts one just under', () => {
  const statements = (count: number, sidLength: number) =>
    Array.from({ length: count }, (_, i) => ({ ...base, Sid: `${i}`.padStart(sidLength, 'x') }));
  const under = policy(...statements(100, 100));
  const size = Buffer.byteLength(under);
  assert.ok(size < 20480, `${size}`);
  parsePolicy(under, BUCKET);
  // Pad the Sids so the compact form is 20,481 bytes.
  const overBy = 20481 - size;
  const padded = statements(100, 100);
  padded[0]!.Sid = padded[0]!.Sid + 'y'.repeat(overBy);
  const over = policy(...padded);
  assert.equal(Buffer.byteLength(over), 20481);
  refused(over, 'Normalized policy document exceeds the maximum allowed size of 20480 bytes');
  // White space does not count.
  parsePolicy(JSON.stringify(JSON.parse(under), null, 8), BUCKET);
});

test('parsePolicy.accepts the grammar S3 documents', () => {
  const accepted: [string, object][] = [
    ['single statement object, no Version (2008-10-17)', { Statement: base }],
    ['Id and 2008 version', { Version: '2008-10-17', Id: 'aaaa-bbbb', Statement: [base] }],
    ['account ids and root ARNs', { Statement: [{ ...base, Principal: { AWS: ['111122223333', 'arn:aws:iam::444455556666:root'] } }] }],
    ['user ARN', { Statement: [{ ...base, Principal: { AWS: 'arn:aws:iam::111122223333:user/team/alice' } }] }],
    ['AWS *', { Statement: [{ ...base, Principal: { AWS: '*' } }] }],
    ['canonical user', { Statement: [{ ...base, Principal: { CanonicalUser: 'a'.repeat(64) } }] }],
    ['service', { Statement: [{ ...base, Principal: { Service: 'logging.s3.amazonaws.com' } }] }],
    ['NotPrincipal with Deny', { Statement: [{ ...base, Effect: 'Deny', Principal: undefined, NotPrincipal: { AWS: '111122223333' } }] }],
    ['Action *', { Statement: [{ ...base, Action: '*' }] }],
    ['Action wildcards, any case', { Statement: [{ ...base, Action: ['S3:get*', 's3:?utObject'] }] }],
    ['NotAction and NotResource', { Statement: [{ ...base, Action: undefined, NotAction: 's3:DeleteObject', Resource: undefined, NotResource: 'arn:aws:s3:::photos/keep/*' }] }],
    ['bucket and objects', { Statement: [{ ...base, Action: ['s3:ListBucket', 's3:GetObject'], Resource: ['arn:aws:s3:::photos', 'arn:aws:s3:::photos/*'] }] }],
    ['wildcard bucket', { Statement: [{ ...base, Action: 's3:*', Resource: ['arn:aws:s3:::*', 'arn:aws:s3:::*/*'] }] }],
    ['variables', { Version: '2012-10-17', Statement: [{ ...base, Resource: 'arn:aws:s3:::photos/home/${aws:username}/*' }] }],
    ['every operator family', { Statement: [{ ...base, Condition: {
      StringNotEqualsIgnoreCase: { 's3:x-amz-acl': 'public-read' }, NumericGreaterThanEquals: { 's3:signatureAge': 0 },
      DateLessThanEquals: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' }, Bool: { 'aws:SecureTransport': true },
      BinaryEquals: { 'aws:Referer': 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' }, NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '2001:db8::/32'] },
      ArnLike: { 'aws:SourceArn': 'arn:aws:cloudtrail:*:111122223333:trail/*' }, Null: { 's3:x-amz-server-side-encryption': true },
      'ForAllValues:StringLikeIfExists': { 's3:RequestObjectTagKeys': ['a*'] }, 'ForAnyValue:StringEquals': { 's3:ExistingObjectTag/team': 'x' },
      StringEquals: { 'aws:SomeKeyS3DoesNotDocument': 'x' },
    } }] }],
    ['same names in sibling objects, and in strings', { Statement: [{ ...base, Sid: 'a', Condition: { StringEquals: { 's3:prefix': '{"Sid": 1, "Sid": 2}' } } }, { ...base, Sid: 'b' }] }],
    ['identity: other services and *', { Statement: [{ Effect: 'Allow', Action: ['iam:GetUser', 's3:ListAllMyBuckets'], Resource: '*', Condition: { StringEquals: { 'ec2:Region': 'x' } } }] }],
  ];
  for (const [scenario, document] of accepted) {
    const kind = scenario.startsWith('identity') ? IDENTITY : BUCKET;
    assert.doesNotThrow(() => parsePolicy(JSON.stringify(document), kind), scenario);
  }
});

test('parsePolicy.keeps what it read', () => {
  const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Id: 'P1', Statement: base }), BUCKET);
  assert.equal(parsed.version, '2012-10-17');
  assert.equal(parsed.id, 'P1');
  assert.equal(parsed.statements.length, 1);
  assert.equal(parsed.statements[0]!.sid, 'S1');
  assert.equal(parsed.statements[0]!.effect, 'Allow');
});
