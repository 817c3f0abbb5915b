import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMAND_NAMES, runCli } from '../../src/cli.js';

/** Runs the CLI in-process and returns its exit status and what it printed. */
async function cli(argv: string[]): Promise<{ status: number; out: string }> {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (line: string) => void lines.push(String(line));
  console.error = (line: string) => void lines.push(String(line));
  try {
    return { status: await runCli(argv, {}), out: lines.join('\n') };
  } finally {
    Object.assign(console, { log, error });
  }
}

test('CLI.help: coffer --help lists every command', async () => {
  const { status, out } = await cli(['--help']);
  assert.equal(status, 0);
  for (const name of COMMAND_NAMES) assert.match(out, new RegExp(`^  ${name} `, 'm'));
});

test('CLI.help: coffer <command> --help and -h print the command\'s usage and exit 0, without running it', async () => {
  for (const name of COMMAND_NAMES) {
    for (const flag of ['--help', '-h']) {
      const { status, out } = await cli([name, flag]);
      assert.equal(status, 0, `${name} ${flag}`);
      assert.match(out, /Usage/, `${name} ${flag}: ${out}`);
      assert.doesNotMatch(out, /Unknown option/, `${name} ${flag}`);
    }
  }
  const sub = await cli(['key', 'add', 'someone', '--help']);
  assert.deepEqual([sub.status, /Usage/.test(sub.out)], [0, true]);
});
