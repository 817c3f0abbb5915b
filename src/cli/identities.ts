/**
 * `coffer user …` and `coffer key …`: manage the account's users, access keys and identity
 * policies in the data dir's metadata store (or --metadata), whether the server runs or not: a
 * running server picks the change up within a second. Secrets are printed once, at creation.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { IdentityDirectory, IdentityError } from '../auth/identities.js';
import { accountIdFor, knownRootUser } from '../auth/users.js';
import { openMetadataStore } from '../coffer.js';

export const IDENTITY_USAGE = `Usage:
  coffer user add NAME [--email EMAIL]     create a user and its first access key (secret shown once)
  coffer user list
  coffer user rm NAME                      delete a user with its keys and policy
  coffer user policy set NAME FILE         attach an IAM policy document (JSON) to the user
  coffer user policy get NAME
  coffer user policy rm NAME
  coffer key add NAME                      a further access key for the user (secret shown once)
  coffer key list [NAME]
  coffer key disable|enable|rm ACCESS_KEY_ID
Options: --data-dir DIR (env COFFER_DATA_DIR, default ./data), --metadata URL (env COFFER_METADATA_URL, default sqlite)`;

class UsageError extends Error {}

/** Runs one identity command; returns the exit code. */
export async function runIdentityCommand(argv: readonly string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { 'data-dir': { type: 'string' }, metadata: { type: 'string' }, email: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${IDENTITY_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const dataDir = resolve(values['data-dir'] ?? (env.COFFER_DATA_DIR || './data'));
  const meta = await openMetadataStore(values.metadata ?? (env.COFFER_METADATA_URL || 'sqlite'), dataDir);
  try {
    // The account id (in ARNs) follows from the root's keys: shown when they are known here, as the server knows them.
    const root = await knownRootUser(dataDir, env.COFFER_ACCESS_KEY_ID || undefined, env.COFFER_SECRET_ACCESS_KEY || undefined);
    const directory = await IdentityDirectory.open(meta.identities, root);
    const arn = (name: string) => (root ? `arn:aws:iam::${accountIdFor(root.id)}:user/${name}` : `user/${name}`);
    await run(directory, positionals, values.email, arn, out);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${IDENTITY_USAGE}`);
      return 2;
    }
    if (error instanceof IdentityError) {
      console.error(`coffer: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await meta.close();
  }
}

async function run(directory: IdentityDirectory, words: readonly string[], email: string | undefined, arn: (name: string) => string, out: (line: string) => void): Promise<void> {
  const [noun, verb, ...rest] = words;
  const args = (count: number): string[] => {
    if (rest.length !== count) throw new UsageError(`coffer ${noun} ${verb}: expected ${count} argument(s)`);
    return rest;
  };
  const printKey = (key: { accessKeyId: string; secretAccessKey: string }) => {
    out(`AccessKeyId:     ${key.accessKeyId}`);
    out(`SecretAccessKey: ${key.secretAccessKey}   (shown only now)`);
  };
  switch (`${noun} ${verb}`) {
    case 'user add': {
      const [name] = args(1);
      const user = await directory.addUser(name!, { email });
      out(`User ${user.name}: ${arn(user.name)}, canonical id ${user.canonicalId}`);
      printKey(await directory.addKey(user.name));
      return;
    }
    case 'user list':
      args(0);
      for (const user of await directory.users()) {
        out([user.name, arn(user.name), user.canonicalId, user.email ?? '-', user.policy === undefined ? 'no policy' : 'policy'].join('\t'));
      }
      return;
    case 'user rm':
      await directory.removeUser(args(1)[0]!);
      return;
    case 'user policy':
      return runPolicy(directory, rest, out);
    case 'key add':
      printKey(await directory.addKey(args(1)[0]!));
      return;
    case 'key list': {
      if (rest.length > 1) throw new UsageError('coffer key list: at most one user name');
      for (const key of await directory.keys(rest[0])) out([key.accessKeyId, key.userName, key.status, key.createdAt.toISOString()].join('\t'));
      return;
    }
    case 'key disable':
      return directory.setKeyStatus(args(1)[0]!, 'Inactive');
    case 'key enable':
      return directory.setKeyStatus(args(1)[0]!, 'Active');
    case 'key rm':
      return directory.removeKey(args(1)[0]!);
    default:
      throw new UsageError(`unknown command: coffer ${words.join(' ')}`);
  }
}

async function runPolicy(directory: IdentityDirectory, words: readonly string[], out: (line: string) => void): Promise<void> {
  const [action, name, file, ...extra] = words;
  if (name === undefined || extra.length > 0 || (action === 'set') !== (file !== undefined)) throw new UsageError('coffer user policy set NAME FILE | get NAME | rm NAME');
  switch (action) {
    case 'set':
      return directory.setPolicy(name, await readFile(file!, 'utf8'));
    case 'get': {
      const user = (await directory.users()).find((u) => u.name === name);
      if (user === undefined) throw new IdentityError('no such user');
      if (user.policy === undefined) throw new IdentityError(`user ${name} has no policy`);
      out(user.policy);
      return;
    }
    case 'rm':
      return directory.setPolicy(name, undefined);
    default:
      throw new UsageError(`unknown command: coffer user policy ${action}`);
  }
}
