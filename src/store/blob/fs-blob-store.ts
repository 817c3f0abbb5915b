import { createReadStream } from 'node:fs';
import { mkdir, open, opendir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { BlobNotFoundError, BlobTooLargeError, type BlobStore } from './blob-store.js';

const BLOB_ID = /^[0-9a-f]{32}$/;
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Blobs as files under `<root>/blobs/ab/cd/<id>`. Ids are random hex chosen here, so no client
 * input ever reaches a path. A write goes to `<root>/tmp`, is fsynced, renamed into place, and
 * the folder fsynced: a crash leaves either no blob or a complete one (maybe an orphan, which the
 * collector removes), never a partial file under `blobs/`.
 */
export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly tmpDir: string;
  private readonly madeDirs = new Set<string>();

  private constructor(root: string) {
    this.blobsDir = join(root, 'blobs');
    this.tmpDir = join(root, 'tmp');
  }

  static async open(root: string): Promise<FsBlobStore> {
    const store = new FsBlobStore(root);
    await mkdir(store.blobsDir, { recursive: true, mode: 0o700 });
    await mkdir(store.tmpDir, { recursive: true, mode: 0o700 });
    return store;
  }

  async write(source: AsyncIterable<Buffer>, options: { maxBytes?: number } = {}): Promise<{ blobId: string; size: number }> {
    const blobId = randomBytes(16).toString('hex');
    const tmpPath = join(this.tmpDir, `${blobId}.part`);
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const file = await open(tmpPath, 'wx', 0o600);
    let size = 0;
    try {
      try {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
          await file.write(chunk);
        }
        await file.sync();
      } finally {
        await file.close();
      }
      const dir = await this.dirFor(blobId);
      await rename(tmpPath, join(dir, blobId));
      await syncDirectory(dir);
      return { blobId, size };
    } catch (error) {
      await unlink(tmpPath).catch(() => {});
      throw error;
    }
  }

  read(blobId: string, start: number, end: number): Readable {
    if (!BLOB_ID.test(blobId)) return new Readable({ read() { this.destroy(new BlobNotFoundError(blobId)); } });
    if (end <= start) return new Readable({ read() { this.push(null); } });
    // A ReadStream reports a failed open through its own destroy(), so the ENOENT is translated
    // on a pass-through that the caller holds.
    const file = createReadStream(this.pathOf(blobId), { start, end: end - 1, highWaterMark: READ_CHUNK_BYTES });
    const out = new PassThrough({ highWaterMark: READ_CHUNK_BYTES });
    file.on('error', (error: NodeJS.ErrnoException) => out.destroy(error.code === 'ENOENT' ? new BlobNotFoundError(blobId) : error));
    out.on('close', () => file.destroy());
    return file.pipe(out);
  }

  async delete(blobIds: readonly string[]): Promise<void> {
    await Promise.all(blobIds.map((id) => rm(this.pathOf(id), { force: true })));
  }

  async *list(): AsyncIterable<{ blobId: string; modifiedMs: number }> {
    for (const first of await readdir(this.blobsDir)) {
      for (const second of await readdir(join(this.blobsDir, first)).catch(() => [] as string[])) {
        const dir = await opendir(join(this.blobsDir, first, second)).catch(() => undefined);
        if (!dir) continue;
        for await (const entry of dir) {
          if (!BLOB_ID.test(entry.name)) continue;
          const info = await stat(join(dir.path, entry.name)).catch(() => undefined);
          if (info) yield { blobId: entry.name, modifiedMs: info.mtimeMs };
        }
      }
    }
  }

  async sweepTemporary(olderThanMs: number): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmpDir)) {
      const path = join(this.tmpDir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && info.mtimeMs < olderThanMs) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  private pathOf(blobId: string): string {
    if (!BLOB_ID.test(blobId)) throw new BlobNotFoundError(blobId);
    return join(this.blobsDir, blobId.slice(0, 2), blobId.slice(2, 4), blobId);
  }

  private async dirFor(blobId: string): Promise<string> {
    const dir = join(this.blobsDir, blobId.slice(0, 2), blobId.slice(2, 4));
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await syncDirectory(join(this.blobsDir, blobId.slice(0, 2)));
      await syncDirectory(this.blobsDir);
      this.madeDirs.add(dir);
    }
    return dir;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
