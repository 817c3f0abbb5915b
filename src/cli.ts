import { FSCK_USAGE, runFsck } from './cli/fsck.js';
import { runServe } from './cli/serve.js';
import { IDENTITY_USAGE, runIdentityCommand } from './cli/identities.js';
import { usage as serveUsage } from './config.js';
import { LIFECYCLE_USAGE, runLifecycleCommand } from './cli/lifecycle.js';
import { KEY_USAGE, runKeyCommand } from './cli/key.js';
import { KMS_USAGE, runKmsCommand } from './cli/kms.js';
import { ENCRYPT_USAGE, runEncryptCommand } from './cli/encrypt.js';
import { MIGRATE_USAGE, runMigrate } from './cli/migrate.js';

interface Command {
  readonly summary: string;
  readonly usage: () => string;
  run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number>;
}

/** Every `coffer <command>`; other features add theirs here. */
const COMMANDS: Readonly<Record<string, Command>> = {
  serve: { summary: 'serve the S3 API (the default when no command is given)', usage: serveUsage, run: runServe },
  lifecycle: { summary: 'run a lifecycle pass now (lifecycle run; same --data-dir / --metadata)', usage: () => LIFECYCLE_USAGE, run: runLifecycleCommand },
  fsck: { summary: 'check that metadata and blob files agree; --repair moves unreferenced blobs aside', usage: () => FSCK_USAGE, run: runFsck },
  migrate: { summary: "copy an embedded deployment's metadata into PostgreSQL (--from DATA_DIR --to postgres://…; resumable, --verify)", usage: () => MIGRATE_USAGE, run: runMigrate },
  user: { summary: 'manage users and their identity policies (user add|list|rm, user policy set|get|rm)', usage: () => IDENTITY_USAGE, run: identityCommand('user') },
  key: {
    summary: "manage users' access keys (key add|list|disable|enable|rm); key rotate-master rewraps every data key (server stopped)",
    usage: () => `${IDENTITY_USAGE}\n${KEY_USAGE}`,
    run: (argv, env) => (argv[0] === 'rotate-master' ? runKeyCommand(argv, env) : identityCommand('key')(argv, env)),
  },
  encrypt: { summary: 'encrypt --all: encrypts the objects stored before encryption at rest (resumable, safe beside the server)', usage: () => ENCRYPT_USAGE, run: runEncryptCommand },
  kms: { summary: 'the local KMS key ring for SSE-KMS (kms create|list|disable|enable)', usage: () => KMS_USAGE, run: (argv, env) => runKmsCommand(argv, env) },
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

/** `coffer user …` and `coffer key …`: one parser for both (cli/identities.ts). */
function identityCommand(name: 'user' | 'key'): Command['run'] {
  return (argv, env) => runIdentityCommand([name, ...argv], env, (line) => console.log(line));
}

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'Usage: coffer <command> [options]      coffer [options] is coffer serve [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    `  ${'help'.padEnd(width)}  this overview, or a command's options: coffer help <command> (or coffer <command> --help)`,
  ].join('\n');
}

/** `coffer [command] [options]`: dispatches to a command; options alone mean `serve`. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) {
    if (first === '--help' || first === '-h') {
      console.log(`${overview()}\n\n${serveUsage()}`);
      return 0;
    }
    return runServe(argv, env);
  }
  if (first === 'help') {
    const command = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    if (rest[0] !== undefined && !command) {
      console.error(`coffer: unknown command '${rest[0]}'\n\n${overview()}`);
      return 2;
    }
    console.log(command ? command.usage() : overview());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    console.error(`coffer: unknown command '${first}'\n\n${overview()}`);
    return 2;
  }
  // Every command explains itself, whatever its own parser makes of the other arguments.
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage());
    return 0;
  }
  return command.run(rest, env);
}
