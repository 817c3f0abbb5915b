/**
 * isPublic: S3's "meaning of public" (Block Public Access, GetBucketPolicyStatus).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPublic, parsePolicy } from '../../../../src/access/policy/index.js';

const grant = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/*' };

function publicWith(...statements: object[]): boolean {
  return isPublic(parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), { kind: 'bucket', bucket: 'photos' }));
}

const CASES: [scenario: string, statement: object, isPublic: boolean][] = [
  ['Principal * without condition', grant, true],
  ['AWS * without condition', { ...grant, Principal: { AWS: '*' } }, true],
  ['AWS * beside an account', { ...grant, Principal: { AWS: ['*', '111122223333'] } }, true],
  ['an account', { ...grant, Principal: { AWS: '111122223333' } }, false],
  ['a user', { ...grant, Principal: { AWS: 'arn:aws:iam::111122223333:user/alice' } }, false],
  ['a canonical user', { ...grant, Principal: { CanonicalUser: 'a'.repeat(64) } }, false],
  ['a service', { ...grant, Principal: { Service: 'logging.s3.amazonaws.com' } }, false],
  ['a Deny to everyone', { ...grant, Effect: 'Deny' }, false],
  ['a Deny with NotPrincipal', { ...grant, Effect: 'Deny', Principal: undefined, NotPrincipal: { AWS: '111122223333' } }, false],
  ['* limited to a /32', { ...grant, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/32' } } }, false],
  ['* limited to a /8', { ...grant, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }, false],
  ['* limited to a /7', { ...grant, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/7' } } }, true],
  ['* limited to 0.0.0.0/1', { ...grant, Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/1' } } }, true],
  ['* limited to an IPv6 /32', { ...grant, Condition: { IpAddress: { 'aws:SourceIp': '2001:db8::/32' } } }, false],
  ['* limited to an IPv6 /31', { ...grant, Condition: { IpAddress: { 'aws:SourceIp': '2001:db8::/31' } } }, true],
  ['* limited to one narrow and one broad block', { ...grant, Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/24', '0.0.0.0/0'] } } }, true],
  ['* excluding addresses (NotIpAddress)', { ...grant, Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }, true],
  ['* limited by IpAddressIfExists', { ...grant, Condition: { IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/24' } } }, true],
  ['* limited to a fixed aws:SourceArn', { ...grant, Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:cloudfront::111122223333:distribution/E1' } } }, false],
  ['* limited to a wildcard aws:SourceArn', { ...grant, Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudfront::*:distribution/*' } } }, true],
  ['* limited to a fixed aws:SourceVpc', { ...grant, Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-111bbb22' } } }, false],
  ['* limited to a fixed aws:SourceVpce', { ...grant, Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } } }, false],
  ['* limited to a fixed aws:SourceAccount', { ...grant, Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } }, false],
  ['* limited to aws:SourceAccount by a variable', { ...grant, Condition: { StringEquals: { 'aws:SourceAccount': '${aws:PrincipalAccount}' } } }, true],
  ['* limited to aws:SourceAccount with StringNotEquals', { ...grant, Condition: { StringNotEquals: { 'aws:SourceAccount': '111122223333' } } }, true],
  ['* limited to aws:userid of a role session pattern', { ...grant, Condition: { StringLike: { 'aws:userid': 'AROAEXAMPLEID:*' } } }, true],
  ['* limited to a fixed aws:userid', { ...grant, Condition: { StringEquals: { 'aws:userid': 'AIDAALICE' } } }, false],
  ['* limited to s3:DataAccessPointAccount', { ...grant, Condition: { StringEquals: { 's3:DataAccessPointAccount': '111122223333' } } }, false],
  ['* limited only by aws:SecureTransport', { ...grant, Condition: { Bool: { 'aws:SecureTransport': true } } }, true],
  ['* limited only by aws:Referer', { ...grant, Condition: { StringLike: { 'aws:Referer': 'https://example.com/*' } } }, true],
  ['* limited by ForAllValues on aws:SourceVpc', { ...grant, Condition: { 'ForAllValues:StringEquals': { 'aws:SourceVpc': 'vpc-1' } } }, true],
];

for (const [scenario, statement, expected] of CASES) {
  test(`isPublic.${scenario}`, () => assert.equal(publicWith(statement), expected));
}

test('isPublic.public if any statement is', () => {
  assert.equal(publicWith({ ...grant, Principal: { AWS: '111122223333' } }, { ...grant, Sid: 'open', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::photos' }), true);
});
