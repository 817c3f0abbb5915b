import { constants } from 'node:fs';
import { access, chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Files and folders of a data dir that hold keys, metadata or object data. */
const PRIVATE_FILES = ['metadata.sqlite', 'metadata.sqlite-wal', 'metadata.sqlite-shm', 'root-credentials.json'];
const PRIVATE_DIRS = ['blobs', 'tmp'];
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * Creates the data dir (0700) or checks an existing one: it must be writable (a read-only file
 * system is said so in one line, where Node's mkdir would report a misleading ENOENT), and it and
 * the files Coffer keeps in it are tightened to 0700 / 0600 if other users could read them, with
 * a warning (the folder's mode alone keeps other users out of everything beneath it).
 */
export async function prepareDataDir(dataDir: string, warn: (message: string) => void): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: DIR_MODE });
    await access(dataDir, constants.W_OK);
  } catch (error) {
    throw new Error(`data dir ${dataDir} is not usable: ${await whyUnwritable(dataDir, error as NodeJS.ErrnoException)}`);
  }
  await tighten(dataDir, DIR_MODE, warn);
  for (const name of PRIVATE_DIRS) await tighten(join(dataDir, name), DIR_MODE, warn);
  for (const name of PRIVATE_FILES) await tighten(join(dataDir, name), FILE_MODE, warn);
}

/** The reason a data dir cannot be created or written, named after the nearest existing folder. */
async function whyUnwritable(dataDir: string, error: NodeJS.ErrnoException): Promise<string> {
  let existing = dataDir;
  while (!(await stat(existing).then(() => true, () => false)) && dirname(existing) !== existing) existing = dirname(existing);
  const code = await access(existing, constants.W_OK).then(() => error.code, (e: NodeJS.ErrnoException) => e.code);
  if (code === 'EROFS') return `${existing} is on a read-only file system`;
  if (code === 'EACCES' || code === 'EPERM') return `${existing} is not writable by this user`;
  if (code === 'ENOTDIR' || code === 'EEXIST') return `${existing} is not a folder`;
  return error.message;
}

async function tighten(path: string, mode: number, warn: (message: string) => void): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info || (info.mode & 0o077) === 0) return;
  await chmod(path, mode);
  warn(`${path} was accessible to other users (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}): tightened to ${mode.toString(8).padStart(4, '0')}`);
}
