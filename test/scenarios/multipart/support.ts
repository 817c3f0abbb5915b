import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export const MiB = 1024 * 1024;

/** Deterministic pseudo-random bytes (xorshift32): the same (size, seed) gives the same data. */
export function patternBytes(size: number, seed = 1): Buffer {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, size);
}

/** A stream of `total` deterministic bytes in `chunk`-sized pieces, generated as it is read. */
export function patternStream(total: number, chunk = MiB, seed = 7): Readable {
  const block = patternBytes(chunk, seed);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk, total - sent);
      // Vary each block by its index so that misordered blocks would show.
      const piece = Buffer.from(block.subarray(0, n));
      if (n >= 4) piece.writeUInt32LE((sent / chunk) >>> 0, 0);
      sent += n;
      this.push(piece);
    },
  });
}

/** The files under `<dataDir>/blobs` (to check that nothing is left orphaned). */
export async function countBlobs(dataDir: string): Promise<number> {
  let count = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else count++;
    }
  };
  await walk(join(dataDir, 'blobs'));
  return count;
}

export async function readAll(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
