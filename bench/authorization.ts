/**
 * Policy evaluation cost: `npm run bench:auth` (node --import tsx bench/authorization.ts [iterations] [rounds]).
 *
 * A 20-statement bucket policy (per-user prefixes with IpAddress and StringLike conditions,
 * denies on insecure transport and on a secret prefix, a public-read prefix, a policy variable)
 * compiled once, then `evaluate` per request, for requests that are allowed late in the policy,
 * denied explicitly, and implicitly denied; and with no policy at all. Prints the median
 * nanoseconds of CPU time (this process's, so that other load on the machine does not count as
 * ours) per evaluation over the rounds. The target is < 5 µs per evaluation.
 */
import { evaluate, parsePolicy, type AuthorizationRequest, type Decision, type PolicySources } from '../src/access/policy/index.js';

const iterations = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 7);
const ACCOUNT = '111122223333';
const BUCKET = 'photos';

const statements: object[] = [
  { Sid: 'DenyInsecure', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
  { Sid: 'DenySecret', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*`, Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } } },
  { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/public/*` },
  { Sid: 'Home', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${BUCKET}/home/\${aws:username}/*` },
];
for (let i = 0; statements.length < 20; i++) {
  statements.push({
    Sid: `User${i}`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/user${i}` },
    Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `arn:aws:s3:::${BUCKET}/team${i}/*`,
    Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] }, StringLike: { 's3:x-amz-content-sha256': ['*'] } },
  });
}
const policy = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), { kind: 'bucket', bucket: BUCKET });
const last = 15;
const readOnlyPrefix = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `arn:aws:s3:::${BUCKET}/shared/*` },
  { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringLike: { 's3:prefix': 'shared/*' } } },
] }), { kind: 'identity' });

function user(n: number, key: string, extra: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  return {
    principal: { type: 'User', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/user${n}`, username: `user${n}`, userid: `AIDA${n}` },
    action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/${key}`,
    values: { 'aws:SourceIp': '10.1.2.3', 'aws:SecureTransport': true, 's3:x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    ...extra,
  };
}

const cases: [string, AuthorizationRequest, PolicySources, Decision][] = [
  ['allowed by the last statement (20-statement policy)', user(last, `team${last}/photo.jpg`), { bucket: policy }, 'Allow'],
  ['allowed by a policy variable (own home prefix)', user(3, 'home/user3/a.txt'), { bucket: policy }, 'Allow'],
  ['explicitly denied (insecure transport)', user(2, 'team2/x', { values: { 'aws:SecureTransport': false, 'aws:SourceIp': '10.0.0.1' } }), { bucket: policy }, 'ExplicitDeny'],
  ['implicitly denied (another user\'s prefix)', user(1, 'team2/x'), { bucket: policy }, 'ImplicitDeny'],
  ['anonymous public read', { principal: { type: 'Anonymous' }, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/public/logo.png`, values: { 'aws:SecureTransport': true } }, { bucket: policy }, 'Allow'],
  ['identity policy (read-only prefix) and the bucket policy', user(7, 'shared/report.pdf'), { identity: [readOnlyPrefix], bucket: policy }, 'Allow'],
  ['no policy', user(1, 'team1/x'), {}, 'ImplicitDeny'],
];

function nanosPerEvaluation(request: AuthorizationRequest, sources: PolicySources): number {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) evaluate(request, sources);
    const used = process.cpuUsage(start);
    samples.push(((used.user + used.system) * 1e3) / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

console.log(`policy: ${policy.statements.length} statements; ${iterations} evaluations x ${rounds} rounds, median`);
for (const [name, request, sources, expected] of cases) {
  const decision = evaluate(request, sources);
  if (decision !== expected) throw new Error(`${name}: ${decision}, expected ${expected}`);
  const nanos = nanosPerEvaluation(request, sources);
  console.log(`${name.padEnd(58)} ${decision.padEnd(13)} ${nanos.toFixed(0).padStart(6)} ns`);
}
