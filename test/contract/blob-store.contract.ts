/**
 * The BlobStore contract (src/store/blob/blob-store.ts), run against every implementation.
 * `inspect` lets a suite look at what an implementation leaves behind (temporary files) without
 * the contract knowing how it stores them.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BlobNotFoundError, BlobTooLargeError, type BlobStore } from '../../src/store/blob/blob-store.js';

export interface BlobStoreHarness {
  readonly store: BlobStore;
  /** Names of temporary (in-flight) files the implementation holds. */
  temporaryFiles(): Promise<string[]>;
  /** Creates a temporary file as a crash mid-write would leave: of writer `writerId`, or of no known writer. */
  leaveTemporaryFile(writerId?: string): Promise<void>;
  dispose(): Promise<void>;
}

async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield part;
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of stream) out.push(Buffer.from(chunk));
  return Buffer.concat(out);
}

async function listIds(store: BlobStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const blob of store.list()) ids.push(blob.blobId);
  return ids.sort();
}

export function blobStoreContract(name: string, factory: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let h: BlobStoreHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.dispose();
    });

    test('write.returns an id and the size; read returns the bytes', async () => {
      const data = randomBytes(300_000);
      const { blobId, size } = await h.store.write(chunks(data.subarray(0, 1), data.subarray(1, 70_000), data.subarray(70_000)));
      assert.equal(size, data.length);
      assert.deepEqual(await readAll(h.store.read(blobId, 0, size)), data);
      assert.deepEqual(await h.temporaryFiles(), []);
    });

    test('write.ids are distinct for identical content', async () => {
      const a = await h.store.write(chunks(Buffer.from('same')));
      const b = await h.store.write(chunks(Buffer.from('same')));
      assert.notEqual(a.blobId, b.blobId);
    });

    test('write.an empty source makes an empty blob', async () => {
      const { blobId, size } = await h.store.write(chunks());
      assert.equal(size, 0);
      assert.deepEqual(await readAll(h.store.read(blobId, 0, 0)), Buffer.alloc(0));
      assert.deepEqual(await listIds(h.store), [blobId]);
    });

    test('read.ranges: [start, end) anywhere in the blob', async () => {
      const data = randomBytes(1000);
      const { blobId } = await h.store.write(chunks(data));
      for (const [start, end] of [[0, 1], [10, 20], [999, 1000], [0, 1000], [500, 500], [300, 800]] as const) {
        assert.deepEqual(await readAll(h.store.read(blobId, start, end)), data.subarray(start, end), `range ${start}-${end}`);
      }
    });

    test('read.large ranges in flowing and paused mode; a stream destroyed mid-way leaves the blob readable', async () => {
      const data = randomBytes(300_000);
      const { blobId } = await h.store.write(chunks(data));
      assert.deepEqual(await readAll(h.store.read(blobId, 1, 299_999)), data.subarray(1, 299_999));
      const flowing: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = h.store.read(blobId, 0, data.length);
        stream.on('data', (chunk: Buffer) => flowing.push(chunk)).on('end', resolve).on('error', reject);
      });
      assert.deepEqual(Buffer.concat(flowing), data);
      const early = h.store.read(blobId, 0, data.length);
      const first = await new Promise<Buffer>((resolve) => early.once('data', resolve));
      early.destroy();
      await new Promise((resolve) => early.once('close', resolve));
      assert.deepEqual(first, data.subarray(0, first.length));
      assert.deepEqual(await readAll(h.store.read(blobId, 0, data.length)), data);
    });

    test('readChunks.a range in chunks of the size asked for; unread gives the tail of a chunk back; a missing blob fails with BlobNotFoundError', async () => {
      const data = randomBytes(300_000);
      const { blobId } = await h.store.write(chunks(data));
      const reader = h.store.readChunks(blobId, 5, 250_005, 100_000);
      // A chunk is valid during its callback only: it is copied there.
      const next = () => new Promise<Buffer>((resolve, reject) => reader.next((error, chunk) => (error ? reject(error) : resolve(Buffer.from(chunk)))));
      const first = await next();
      reader.unread(30_000);
      const read = [first.subarray(0, 70_000)];
      const sizes = [first.length];
      for (let chunk = await next(); chunk.length > 0; chunk = await next()) {
        sizes.push(chunk.length);
        read.push(chunk);
      }
      reader.close();
      assert.deepEqual(sizes, [100_000, 100_000, 80_000]);
      assert.deepEqual(Buffer.concat(read), data.subarray(5, 250_005));
      const missing = h.store.readChunks('0'.repeat(32), 0, 10, 10);
      await assert.rejects(new Promise((resolve, reject) => missing.next((error, chunk) => (error ? reject(error) : resolve(chunk)))), BlobNotFoundError);
      missing.close();
    });

    test('read.a missing blob errors the stream with BlobNotFoundError', async () => {
      await assert.rejects(readAll(h.store.read('0'.repeat(32), 0, 10)), BlobNotFoundError);
      await assert.rejects(readAll(h.store.read('not-an-id/../../etc/passwd', 0, 10)), BlobNotFoundError);
    });

    test('write.maxBytes exceeded → BlobTooLargeError, nothing left behind', async () => {
      await assert.rejects(h.store.write(chunks(Buffer.alloc(60), Buffer.alloc(60)), { maxBytes: 100 }), BlobTooLargeError);
      assert.deepEqual(await listIds(h.store), []);
      assert.deepEqual(await h.temporaryFiles(), []);
      const exact = await h.store.write(chunks(Buffer.alloc(60), Buffer.alloc(40)), { maxBytes: 100 });
      assert.equal(exact.size, 100);
    });

    test('write.a source that errors mid-way rejects with its error and leaves nothing', async () => {
      const boom = new Error('source failed');
      async function* failing(): AsyncGenerator<Buffer> {
        yield randomBytes(100_000);
        await new Promise((r) => setTimeout(r, 5));
        throw boom;
      }
      await assert.rejects(h.store.write(failing()), (error) => error === boom);
      assert.deepEqual(await listIds(h.store), []);
      assert.deepEqual(await h.temporaryFiles(), []);
    });

    test('delete.removes blobs; unknown ids are ignored', async () => {
      const a = await h.store.write(chunks(Buffer.from('a')));
      const b = await h.store.write(chunks(Buffer.from('b')));
      await h.store.delete([a.blobId, '0'.repeat(32)]);
      assert.deepEqual(await listIds(h.store), [b.blobId]);
      await assert.rejects(readAll(h.store.read(a.blobId, 0, 1)), BlobNotFoundError);
      await h.store.delete([]);
      await h.store.delete([a.blobId]);
    });

    test('list.every blob with its size and modification time', async () => {
      const before = Date.now() - 1000;
      const ids = [];
      const sizes = new Map<string, number>();
      for (let i = 0; i < 5; i++) {
        const { blobId } = await h.store.write(chunks(Buffer.alloc(i * 100 + 1, 'x')));
        ids.push(blobId);
        sizes.set(blobId, i * 100 + 1);
      }
      const listed = [];
      for await (const blob of h.store.list()) listed.push(blob);
      assert.deepEqual(listed.map((b) => b.blobId).sort(), ids.sort());
      for (const blob of listed) assert.ok(blob.modifiedMs >= before && blob.modifiedMs <= Date.now() + 1000);
      for (const blob of listed) assert.equal(blob.size, sizes.get(blob.blobId));
      for (const blob of listed) assert.equal(blob.writer, h.store.writerId);
    });

    test('sweepTemporary.removes temporary files older than the cutoff only', async () => {
      await h.leaveTemporaryFile();
      assert.equal((await h.temporaryFiles()).length, 1);
      assert.equal(await h.store.sweepTemporary(Date.now() - 60_000), 0);
      assert.equal((await h.temporaryFiles()).length, 1);
      const blob = await h.store.write(chunks(Buffer.from('kept')));
      assert.equal(await h.store.sweepTemporary(Date.now() + 1000), 1);
      assert.deepEqual(await h.temporaryFiles(), []);
      assert.deepEqual(await listIds(h.store), [blob.blobId]);
    });

    test('sweepTemporary.removes fresh temporary files of the writers named, and only theirs', async () => {
      await h.leaveTemporaryFile('deadbeef');
      await h.leaveTemporaryFile('0badf00d');
      await h.leaveTemporaryFile();
      assert.equal((await h.temporaryFiles()).length, 3);
      assert.equal(await h.store.sweepTemporary(Date.now() - 60_000, new Set(['deadbeef', h.store.writerId])), 1);
      const left = await h.temporaryFiles();
      assert.equal(left.length, 2);
      assert.ok(left.every((name) => !name.includes('deadbeef')), `left: ${left.join(', ')}`);
    });
  });
}
