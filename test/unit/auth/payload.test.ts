import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { readWhole, verifiedBody } from '../../../src/auth/payload.js';
import { S3Error } from '../../../src/errors.js';

const sha = (d: Buffer) => createHash('sha256').update(d).digest('hex');
const bytes = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

/** A source that hands out `pieces` one per read, a tick apart (as a socket would). */
function trickle(pieces: Buffer[]): Readable {
  let at = 0;
  return new Readable({
    read() {
      setImmediate(() => this.push(at < pieces.length ? pieces[at++]! : null));
    },
  });
}

describe('readWhole (a small body in one buffer)', () => {
  test('sha256: several chunks come back as one buffer, checked against the signed hash', async () => {
    const body = bytes(5000);
    const { body: stream } = verifiedBody(trickle([body.subarray(0, 1), body.subarray(1, 4096), body.subarray(4096)]), { kind: 'sha256', expectedHex: sha(body) });
    const whole = await readWhole(stream, 64 * 1024);
    assert.ok(whole && whole.equals(body));
  });

  test('sha256: a body other than the signed one → XAmzContentSHA256Mismatch with both hashes', async () => {
    const signed = bytes(100, 1);
    const sent = bytes(100, 2);
    const { body: stream } = verifiedBody(trickle([sent]), { kind: 'sha256', expectedHex: sha(signed) });
    await assert.rejects(readWhole(stream, 1024), (error: unknown) => {
      assert.ok(error instanceof S3Error);
      assert.equal(error.code, 'XAmzContentSHA256Mismatch');
      assert.deepEqual(error.detail, { ClientComputedContentSHA256: sha(signed), S3ComputedContentSHA256: sha(sent) });
      return true;
    });
  });

  test('a body longer than the limit → undefined, and the source is not read further', async () => {
    for (const kind of ['sha256', 'unsigned'] as const) {
      const body = bytes(3000);
      const source = trickle([body.subarray(0, 1000), body.subarray(1000, 2000), body.subarray(2000)]);
      const { body: stream } = verifiedBody(source, kind === 'sha256' ? { kind, expectedHex: sha(body) } : { kind });
      assert.equal(await readWhole(stream, 1500), undefined, kind);
      assert.equal(source.destroyed, true, kind);
    }
  });

  test('a source that fails or closes before its end rejects', async () => {
    const failing = new PassThrough();
    const read = readWhole(verifiedBody(failing, { kind: 'sha256', expectedHex: sha(Buffer.alloc(0)) }).body, 1024);
    failing.write(bytes(10));
    failing.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    await assert.rejects(read, /aborted/);

    const closing = new PassThrough();
    const closed = readWhole(closing, 1024);
    closing.write(bytes(10));
    closing.destroy();
    await assert.rejects(closed, /Premature close/);
  });

  test('an empty body is an empty buffer', async () => {
    const whole = await readWhole(verifiedBody(trickle([]), { kind: 'sha256', expectedHex: sha(Buffer.alloc(0)) }).body, 10);
    assert.equal(whole?.length, 0);
  });
});

describe('verifiedBody sha256 read as a stream', () => {
  test('a large body read slowly (back-pressure on the source) arrives whole and checked', async () => {
    const body = bytes(1024 * 1024 + 17);
    const pieces: Buffer[] = [];
    for (let at = 0; at < body.length; at += 16 * 1024) pieces.push(body.subarray(at, at + 16 * 1024));
    const source = trickle(pieces);
    const { body: stream } = verifiedBody(source, { kind: 'sha256', expectedHex: sha(body) });
    const out: Buffer[] = [];
    for await (const chunk of stream) {
      out.push(chunk as Buffer);
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.ok(Buffer.concat(out).equals(body));
  });

  test('a mismatch fails the stream at its end; a reader that gives up destroys the source', async () => {
    const { body: stream } = verifiedBody(trickle([bytes(10), bytes(10)]), { kind: 'sha256', expectedHex: sha(bytes(20)) });
    await assert.rejects(async () => { for await (const _ of stream) void _; }, (error: unknown) => error instanceof S3Error && error.code === 'XAmzContentSHA256Mismatch');

    const source = trickle([bytes(10), bytes(10), bytes(10)]);
    const { body: abandoned } = verifiedBody(source, { kind: 'sha256', expectedHex: sha(bytes(30)) });
    for await (const _ of abandoned) break;
    await new Promise((r) => setImmediate(r)); // taken down on the body's 'close', as by pipeline
    assert.equal(source.destroyed, true);
  });

  test('a body read whole cannot then be read as a stream', async () => {
    const body = bytes(10);
    const { body: stream } = verifiedBody(trickle([body]), { kind: 'sha256', expectedHex: sha(body) });
    assert.ok((await readWhole(stream, 100))?.equals(body));
    await assert.rejects(async () => { for await (const _ of stream) void _; }, /already read whole/);
  });
});
