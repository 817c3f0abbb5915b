/** Local file trees and payloads for the interop scenarios, compared byte for byte. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';

/** A map of relative POSIX path → content. */
export type Tree = Map<string, Buffer>;

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `coffer-interop-${label}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Writes a tree under `dir` (creating folders). */
export async function writeTree(dir: string, tree: Tree): Promise<void> {
  for (const [path, content] of tree) {
    const file = join(dir, ...path.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/** Reads every regular file under `dir` into a tree (sorted by path). */
export async function readTree(dir: string): Promise<Tree> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // Node 20.x: `parentPath` (20.12+) or `path` holds the folder.
    const parent = (entry as unknown as { parentPath?: string; path?: string }).parentPath ?? (entry as unknown as { path: string }).path;
    files.push(relative(dir, join(parent, entry.name)).split(sep).join('/'));
  }
  files.sort();
  const tree: Tree = new Map();
  for (const path of files) tree.set(path, await readFile(join(dir, ...path.split('/'))));
  return tree;
}

/** One line per file, `path  size  sha256-prefix`: what a failure diff shows. */
export function treeSummary(tree: Tree): string[] {
  return [...tree.keys()].sort().map((path) => `${path}  ${tree.get(path)!.length} B  sha256:${sha256(tree.get(path)!).slice(0, 12)}`);
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** The ETag S3 gives a multipart object uploaded in parts of `partBytes`: md5(md5s)-N. */
export function multipartEtag(data: Buffer, partBytes: number): string {
  const digests: Buffer[] = [];
  for (let at = 0; at < data.length; at += partBytes) digests.push(createHash('md5').update(data.subarray(at, at + partBytes)).digest());
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}`;
}

/** Random bytes (incompressible, so nothing along the way can shortcut them). */
export function payload(bytes: number): Buffer {
  return randomBytes(bytes);
}

/**
 * A tree with what breaks naive clients: nested folders, spaces, UTF-8, '+', '=', '&', an empty
 * file, a file whose name sorts between a folder and its contents ("a" vs "a.txt" vs "a/…").
 */
export function sampleTree(): Tree {
  return new Map<string, Buffer>([
    ['a.txt', Buffer.from('first file\n')],
    ['a/b/c.txt', Buffer.from('nested three deep\n')],
    ['a/b.bin', payload(70_000)],
    ['docs/read me.md', Buffer.from('# spaces in the name\n')],
    ['docs/été/résumé.txt', Buffer.from('UTF-8 key: été / résumé\n')],
    ['docs/plus+equals=and&.txt', Buffer.from('reserved characters\n')],
    ['empty.dat', Buffer.alloc(0)],
    ['z/last.bin', payload(300_000)],
  ]);
}
