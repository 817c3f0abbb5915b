import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { User } from './credentials.js';

const ROOT_CREDENTIALS_FILE = 'root-credentials.json';

/** A canonical user id as AWS shows them: 64 hex characters, here derived from the access key. */
export function canonicalIdFor(accessKeyId: string): string {
  return createHash('sha256').update(`coffer-user:${accessKeyId}`).digest('hex');
}

/**
 * The account's 12-digit id (policies name it: `arn:aws:iam::ACCOUNT:user/NAME`), derived from the
 * root's canonical id so that it stays the same for the same root keys.
 */
export function accountIdFor(rootCanonicalId: string): string {
  return (BigInt(`0x${rootCanonicalId.slice(0, 16)}`) % 10n ** 12n).toString().padStart(12, '0');
}

/**
 * The root user: from the environment when set, else generated once and kept in the data dir
 * (mode 0600) so restarts keep the same keys.
 */
export async function loadRootUser(dataDir: string, accessKeyId?: string, secretAccessKey?: string): Promise<{ user: User; generated: boolean }> {
  const known = await knownRootUser(dataDir, accessKeyId, secretAccessKey);
  if (known) return { user: known, generated: false };
  const path = join(dataDir, ROOT_CREDENTIALS_FILE);
  const keys = generateKeys();
  await writeFile(`${path}.tmp`, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  await rename(`${path}.tmp`, path);
  return { user: rootUser(keys.accessKeyId, keys.secretAccessKey), generated: true };
}

/** The root user from the environment or the data dir, without generating one (undefined when neither has it). */
export async function knownRootUser(dataDir: string, accessKeyId?: string, secretAccessKey?: string): Promise<User | undefined> {
  if (accessKeyId && secretAccessKey) return rootUser(accessKeyId, secretAccessKey);
  try {
    const saved = JSON.parse(await readFile(join(dataDir, ROOT_CREDENTIALS_FILE), 'utf8')) as { accessKeyId: string; secretAccessKey: string };
    return rootUser(saved.accessKeyId, saved.secretAccessKey);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return undefined;
  }
}

/** A fresh access key id and secret (the secret is shown once, when created). */
export function generateKeys(): { accessKeyId: string; secretAccessKey: string } {
  return {
    accessKeyId: 'CF' + randomBytes(9).toString('hex').toUpperCase(),
    secretAccessKey: randomBytes(45).toString('base64').replace(/[+/=]/g, '').slice(0, 40),
  };
}

function rootUser(accessKeyId: string, secretAccessKey: string): User {
  return { accessKeyId, secretAccessKey, id: canonicalIdFor(accessKeyId), displayName: 'coffer' };
}

/** Extra users from a JSON file: `{"users": [{"accessKeyId", "secretAccessKey", "id"?, "displayName"?, "email"?}]}`. */
export async function loadUsersFile(path: string): Promise<User[]> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as { users?: unknown };
  if (!parsed || !Array.isArray(parsed.users)) throw new Error(`${path}: expected {"users": [...]}`);
  return parsed.users.map((entry, i) => {
    const u = entry as Partial<User>;
    if (typeof u.accessKeyId !== 'string' || typeof u.secretAccessKey !== 'string' || !u.accessKeyId || !u.secretAccessKey) {
      throw new Error(`${path}: users[${i}] needs accessKeyId and secretAccessKey`);
    }
    return {
      accessKeyId: u.accessKeyId,
      secretAccessKey: u.secretAccessKey,
      id: typeof u.id === 'string' && u.id ? u.id : canonicalIdFor(u.accessKeyId),
      displayName: typeof u.displayName === 'string' ? u.displayName : u.accessKeyId,
      email: typeof u.email === 'string' ? u.email : undefined,
    };
  });
}
