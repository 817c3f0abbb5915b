import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { accountIdFor, knownRootUser } from '../auth/users.js';
import { loadMasterKeyRing } from '../crypto/key-ring.js';
import { keyArn, KmsKeyRing, parseKeyReference } from '../crypto/kms-keys.js';

export const KMS_USAGE = `Usage: coffer kms create [--alias alias/NAME] [--description TEXT]
       coffer kms list
       coffer kms disable|enable KEY
  [--data-dir DIR] [--region REGION] [--master-key-file FILE]
  The local key ring that stands in for AWS KMS (SSE-KMS): DATA_DIR/kms-keys.json, each key's
  material wrapped by the master key. KEY is a key id, its ARN, an alias or an alias ARN.
  A running server sees changes at once (a disabled key's objects answer 400 KMS.DisabledException).`;

/** `coffer kms create|list|disable|enable`. */
export async function runKmsCommand(argv: readonly string[], env: NodeJS.ProcessEnv, print: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      'data-dir': { type: 'string' }, region: { type: 'string' }, 'master-key-file': { type: 'string' },
      alias: { type: 'string' }, description: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, target] = positionals;
  const arity: Record<string, number> = { create: 1, list: 1, disable: 2, enable: 2 };
  if (values.help || action === undefined || arity[action] !== positionals.length) {
    print(KMS_USAGE);
    return values.help ? 0 : 2;
  }
  const dataDir = resolve(values['data-dir'] ?? (env.COFFER_DATA_DIR || './data'));
  const region = values.region ?? (env.COFFER_REGION || 'us-east-1');
  // ARNs carry the account id, which follows from the root's keys (as the server derives it).
  // Without them here, keys are shown by id, which every request and configuration accepts too.
  const root = await knownRootUser(dataDir, env.COFFER_ACCESS_KEY_ID || undefined, env.COFFER_SECRET_ACCESS_KEY || undefined);
  const scope = root && { region, accountId: accountIdFor(root.id) };
  const nameOf = (id: string) => (scope ? keyArn(scope, id) : id);
  const ring = new KmsKeyRing(dataDir, await loadMasterKeyRing(dataDir, values['master-key-file'] ?? (env.COFFER_MASTER_KEY_FILE || undefined)));
  try {
    if (action === 'create') {
      const key = await ring.create({ alias: values.alias, description: values.description });
      print(nameOf(key.id));
    } else if (action === 'list') {
      for (const key of await ring.list()) {
        print([key.id, key.enabled ? 'Enabled' : 'Disabled', nameOf(key.id), key.alias ?? '-', key.description ?? ''].join('\t'));
      }
    } else {
      // An ARN names this account when the account is unknown here: the server checks it where it is known.
      const reference = parseKeyReference(target!, scope ?? { region, accountId: /^arn:aws:kms:[^:]*:([^:]*):/.exec(target!)?.[1] ?? '' });
      if (!(await ring.setEnabled(reference, action === 'enable'))) {
        console.error(`coffer kms ${action}: no key ${target}`);
        return 1;
      }
    }
  } catch (error) {
    console.error(`coffer kms ${action}: ${(error as Error).message}`);
    return 1;
  }
  return 0;
}
