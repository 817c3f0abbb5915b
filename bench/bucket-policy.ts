/**
 * Authorization cost over HTTP: `node --import tsx bench/bucket-policy.ts [seconds] [concurrency]`.
 *
 * One Coffer (in this process) and two buckets holding a 4 KiB object: one without a policy, read
 * by its owner (the ownership rule decides), and one with a 20-statement bucket policy, read by
 * another user that only the policy's last Allow lets in (bench/lib/features.ts: IpAddress,
 * StringEquals and StringLike conditions, a policy variable and two Deny statements evaluated
 * first). Alternating rounds of keep-alive GETs; prints GET 4 KiB ops/s of each and their ratio, and the in-process cost of the
 * authorizer call alone (CPU µs per call) for both requests. Figures taken while the machine is
 * shared are indicative only: the ratio, measured in the same run, is the figure to read.
 */
import { Agent, request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createHmac } from 'node:crypto';
import { startCoffer } from '../src/coffer.js';
import { createAuthorizer, ownershipRule } from '../src/access/authorize.js';
import { documentPolicies } from '../src/access/policies.js';
import type { User } from '../src/auth/credentials.js';
import { BENCH_READER, readerPolicy } from './lib/features.js';

const seconds = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 8);
const ROOT = { accessKeyId: 'AKIABENCHROOT0000001', secretAccessKey: 'bench/root/secret/0123456789abcdefghijkl' };
const READER: User = { accessKeyId: BENCH_READER.accessKeyId, secretAccessKey: BENCH_READER.secretAccessKey, id: 'c'.repeat(64), displayName: BENCH_READER.name };
const policyFor = (bucket: string, accountId: string) => readerPolicy(bucket, accountId, ['s3:GetObject']);

function sign(method: string, path: string, host: string, keys: { accessKeyId: string; secretAccessKey: string }, body = ''): Record<string, string> {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const hash = createHash('sha256').update(body).digest('hex');
  const headers: Record<string, string> = { host, 'x-amz-date': amzDate, 'x-amz-content-sha256': hash };
  const names = Object.keys(headers).sort();
  const [bare, query] = path.split('?') as [string, string | undefined];
  const canonical = [method, bare, query === undefined ? '' : `${query}=`, names.map((n) => `${n}:${headers[n]}\n`).join(''), names.join(';'), hash].join('\n');
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${keys.secretAccessKey}`).update(day).digest();
  for (const part of ['us-east-1', 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

function send(agent: Agent, endpoint: URL, method: string, path: string, keys: { accessKeyId: string; secretAccessKey: string }, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: endpoint.hostname, port: endpoint.port, method, path, agent, headers: { ...sign(method, path, endpoint.host, keys, body), 'user-agent': 'coffer-bench' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function rate(agent: Agent, endpoint: URL, path: string, keys: typeof ROOT): Promise<number> {
  let done = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      const status = await send(agent, endpoint, 'GET', path, keys);
      if (status !== 200) throw new Error(`GET ${path}: ${status}`);
      done++;
    }
  }));
  return done / seconds;
}

const dataDir = await mkdtemp(join(tmpdir(), 'coffer-bench-policy-'));
const coffer = await startCoffer({ host: '127.0.0.1', port: 0, dataDir, ...ROOT, users: [READER], logError: (id, e) => console.error(id, e) });
try {
  const endpoint = new URL(coffer.endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const body = 'x'.repeat(4096);
  for (const bucket of ['plain', 'policed']) {
    await send(agent, endpoint, 'PUT', `/${bucket}`, ROOT);
    await send(agent, endpoint, 'PUT', `/${bucket}/obj`, ROOT, body);
  }
  const policy = policyFor('policed', coffer.accountId);
  if ((await send(agent, endpoint, 'PUT', '/policed?policy', ROOT, policy)) !== 204) throw new Error('PutBucketPolicy failed');
  const results = { plain: [] as number[], policed: [] as number[] };
  await rate(agent, endpoint, '/plain/obj', ROOT); // warm-up
  for (let round = 0; round < 3; round++) {
    results.plain.push(await rate(agent, endpoint, '/plain/obj', ROOT));
    results.policed.push(await rate(agent, endpoint, '/policed/obj', READER));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const plain = median(results.plain);
  const policed = median(results.policed);
  console.log(`GET 4 KiB, owner, no policy:              ${plain.toFixed(0)} ops/s`);
  console.log(`GET 4 KiB, reader via 20-statement policy: ${policed.toFixed(0)} ops/s (ratio ${(policed / plain).toFixed(3)})`);
  agent.destroy();
} finally {
  await coffer.close();
  await rm(dataDir, { recursive: true, force: true });
}

// The authorizer call alone, as the pipeline makes it (bucket record carrying the policy text).
{
  const accountId = '123456789012';
  const rootUser: User = { ...ROOT, id: 'a'.repeat(64), displayName: 'coffer' };
  const authorize = createAuthorizer([ownershipRule(rootUser.id), documentPolicies({ accountId, rootUserId: rootUser.id, identityPolicies: () => undefined })]);
  const base = { ownerId: rootUser.id, createdAt: new Date(), region: 'us-east-1', versioning: 'Unversioned' as const, objectLockEnabled: false };
  const plainBucket = { ...base, name: 'plain' };
  const policedBucket = { ...base, name: 'policed', policy: policyFor('policed', accountId) };
  const values = { 'aws:SourceIp': () => '127.0.0.1', 'aws:UserAgent': () => 'bench', 'aws:SecureTransport': () => false, 's3:signatureversion': () => 'AWS4-HMAC-SHA256', 's3:x-amz-content-sha256': () => 'UNSIGNED-PAYLOAD' };
  const cases = [
    ['owner, no policy', { ...rootUser, id: 'b'.repeat(64) }, { ...plainBucket, ownerId: 'b'.repeat(64) }],
    ['reader, 20-statement policy', READER, policedBucket],
  ] as const;
  for (const [label, user, bucket] of cases) {
    const n = 200_000;
    for (let i = 0; i < 10_000; i++) await authorize(user, 's3:GetObject', { bucket: bucket.name, key: 'obj' }, { bucket, values });
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) await authorize(user, 's3:GetObject', { bucket: bucket.name, key: 'obj' }, { bucket, values, time: new Date() });
    const used = process.cpuUsage(start);
    console.log(`authorize() ${label}: ${(((used.user + used.system) / n)).toFixed(2)} µs CPU per call`);
  }
}
