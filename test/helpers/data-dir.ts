import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Where an FsBlobStore keeps things in a data dir, for tests that damage it by hand. */
export function layout(dataDir: string) {
  return {
    /** Paths of every blob file under blobs/ab/cd/. */
    async blobs(): Promise<string[]> {
      const found: string[] = [];
      const walk = async (dir: string, depth: number): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory() && depth < 2) await walk(path, depth + 1);
          else if (entry.isFile() && depth === 2) found.push(path);
        }
      };
      await walk(join(dataDir, 'blobs'), 0);
      return found;
    },
    /** The path a blob with this id would have. */
    blobPath: (blobId: string) => join(dataDir, 'blobs', blobId.slice(0, 2), blobId.slice(2, 4), blobId),
  };
}
