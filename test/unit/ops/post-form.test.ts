/** POST Object's form reader and policy checks, without a server: the cases the scenarios do not reach. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readPostForm } from '../../../src/ops/post/form.js';
import { checkPostPolicy, parsePostPolicy } from '../../../src/ops/post/policy.js';

const BOUNDARY = 'b0undary';
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

function part(name: string, value: string, filename?: string): string {
  const disposition = `form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}`;
  return `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\n${value}\r\n`;
}

async function contentOf(file: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of file) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

test('PostForm.a part with a filename that is not `file` is a field; a text field named File is the file', async () => {
  const body = part('key', 'k') + part('x-amz-meta-note', 'from a file input', 'note.txt') + part('File', 'text content') + part('after', 'ignored') + `--${BOUNDARY}--\r\n`;
  const form = await readPostForm(Readable.from([Buffer.from(body)]), TYPE);
  assert.deepEqual([...form.fields], [['key', 'k'], ['x-amz-meta-note', 'from a file input']]);
  assert.equal(await contentOf(form.file), 'text content');
  assert.equal(form.filename, '');
});

test('PostForm.the file part keeps its filename; a second file part and later fields are ignored', async () => {
  const body = part('Key', 'k') + part('file', 'one', 'a.txt') + part('file', 'two', 'b.txt') + part('acl', 'public-read') + `--${BOUNDARY}--\r\n`;
  const form = await readPostForm(Readable.from([Buffer.from(body)]), TYPE);
  assert.equal(form.filename, 'a.txt');
  assert.equal(form.spelling.get('key'), 'Key');
  assert.equal(await contentOf(form.file), 'one');
  assert.equal(form.fields.has('acl'), false);
});

test('PostForm.more than 1,000 fields before the file → MaxPostPreDataLengthExceededError', async () => {
  const body = Array.from({ length: 1001 }, (_, i) => part(`x-ignore-${i}`, '')).join('') + part('file', 'x', 'a') + `--${BOUNDARY}--\r\n`;
  await assert.rejects(readPostForm(Readable.from([Buffer.from(body)]), TYPE), { code: 'MaxPostPreDataLengthExceededError' });
});

test('PostForm.no boundary → MalformedPOSTRequest', async () => {
  await assert.rejects(readPostForm(Readable.from([Buffer.from('x')]), 'multipart/form-data; charset=utf-8'), { code: 'MalformedPOSTRequest' });
});

const encode = (document: unknown) => Buffer.from(JSON.stringify(document)).toString('base64');
const fields = (entries: Record<string, string>) => new Map(Object.entries(entries));
const FUTURE = new Date(Date.now() + 3600_000).toISOString();

test('PostPolicy.conditions: object form, eq and starts-with (names case-insensitive), content-length-range as numbers or strings', () => {
  const policy = parsePostPolicy(encode({
    expiration: FUTURE,
    conditions: [{ bucket: 'b' }, ['eq', '$Key', 'user/1/a'], ['starts-with', '$Content-Type', 'image/'], ['starts-with', '$x-amz-meta-tag', ''], ['content-length-range', '10', 20]],
  }));
  const form = fields({ bucket: 'b', key: 'user/1/a', 'content-type': 'image/png', 'x-amz-meta-tag': 'anything' });
  assert.deepEqual(checkPostPolicy(policy, form, new Map(), new Date()), { min: 10, max: 20 });
  assert.throws(() => checkPostPolicy(policy, fields({ bucket: 'b', key: 'user/1/a', 'content-type': 'text/plain' }), new Map(), new Date()), {
    code: 'AccessDenied', message: 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]',
  });
  assert.throws(() => checkPostPolicy(policy, fields({ bucket: 'other', key: 'user/1/a', 'content-type': 'image/png' }), new Map(), new Date()), {
    message: 'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "b"]',
  });
});

test('PostPolicy.malformed documents → InvalidPolicyDocument with AWS\'s messages', () => {
  const cases: Array<[unknown, string]> = [
    [{ expiration: 'tomorrow', conditions: [] }, "Invalid Policy: Invalid 'expiration' value: 'tomorrow'"],
    [{ expiration: FUTURE }, 'Invalid Policy: Policy missing conditions.'],
    [{ expiration: FUTURE, conditions: {} }, "Invalid Policy: Invalid 'conditions' value: must be a List."],
    [{ expiration: FUTURE, conditions: ['eq'] }, 'Invalid Policy: Invalid condition test: must be a List or Object.'],
    [{ expiration: FUTURE, conditions: [['gt', '$key', 'a']] }, "Invalid Policy: Invalid Condition: unknown operation 'gt'."],
    [{ expiration: FUTURE, conditions: [['eq', '$key']] }, 'Invalid Policy: Invalid eq: wrong number of arguments.'],
    [{ expiration: FUTURE, conditions: [{ key: 'a', acl: 'b' }] }, 'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.'],
    [{ expiration: FUTURE, conditions: [], extra: 1 }, 'Invalid Policy: Unexpected: "extra"'],
  ];
  for (const [document, message] of cases) assert.throws(() => parsePostPolicy(encode(document)), { code: 'InvalidPolicyDocument', message });
  assert.throws(() => parsePostPolicy('not*base64'), { message: 'Invalid Policy: invalid Base64 encoding.' });
});

test('PostPolicy.x-ignore-* fields and the signature fields need no condition', () => {
  const policy = parsePostPolicy(encode({ expiration: FUTURE, conditions: [['starts-with', '$key', '']] }));
  const form = fields({ key: 'a', 'x-ignore-trace': '1', policy: 'p', 'x-amz-signature': 's', awsaccesskeyid: 'id', signature: 's', file: '' });
  assert.equal(checkPostPolicy(policy, form, new Map(), new Date()), undefined);
});
