/**
 * Python check scripts (test/interop/python/*.py) reported as one node test per check.
 *
 * A script marks each check with `@check` above `def name():`; the names are read from the source
 * so the test list is known before the script runs (a script that dies early still reports every
 * check it did not reach). The script prints one JSON line per finished check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type CofferProcess } from './server-process.js';
import { describeRun, InteropFailure, minimalEnv, runTool, type Tool, type ToolRun } from './tool.js';

export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
  readonly traceback?: string;
  readonly note?: string;
}

export interface ChecksOutcome {
  readonly run: ToolRun;
  readonly results: ReadonlyMap<string, CheckResult>;
}

export function scriptPath(name: string): string {
  return join(REPO_ROOT, 'test', 'interop', 'python', name);
}

/** The check names a script declares, in order. */
export function declaredChecks(script: string): string[] {
  const source = readFileSync(script, 'utf8');
  return [...source.matchAll(/^@check\s*\ndef (\w+)\(/gm)].map((m) => m[1]);
}

/** Runs the whole script once against the server. */
export async function runChecks(python: Tool, script: string, server: CofferProcess, scratch: string): Promise<ChecksOutcome> {
  const env = minimalEnv(scratch, {
    COFFER_ENDPOINT: server.endpoint,
    COFFER_ACCESS_KEY_ID: server.accessKeyId,
    COFFER_SECRET_ACCESS_KEY: server.secretAccessKey,
    COFFER_REGION: server.region,
    INTEROP_SCRATCH: scratch,
    // An isolated, empty AWS config: nothing from the developer's ~/.aws leaks in.
    AWS_CONFIG_FILE: join(scratch, 'aws-config-unused'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'aws-credentials-unused'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const run = await runTool(python, ['-I', script], { env, cwd: scratch, timeoutMs: 300_000 }, server);
  const results = new Map<string, CheckResult>();
  for (const line of run.stdout.toString('utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Partial<CheckResult>;
      if (typeof parsed.check === 'string') results.set(parsed.check, parsed as CheckResult);
    } catch {
      // Not ours: a stray line from a library. Ignored; a missing result is reported below.
    }
  }
  return { run, results };
}

/** Throws the failure for one check (or for a check the script never reported). */
export function assertCheck(tool: string, outcome: ChecksOutcome, name: string, onNote?: (note: string) => void): void {
  const result = outcome.results.get(name);
  const script = outcome.run.argv[outcome.run.argv.length - 1];
  if (!result) {
    throw new InteropFailure(describeRun(outcome.run, `${tool}: check ${name} did not report (the script ended before it)`));
  }
  if (result.note) onNote?.(result.note);
  if (!result.ok) {
    throw new InteropFailure(
      [
        `[${tool}] check ${name} failed (${result.ms} ms)`,
        `  command: ${outcome.run.argv[0]} -I ${script} ${name}`,
        `  ${result.error?.split('\n').join('\n  ')}`,
        `  traceback (last frames):`,
        `    ${(result.traceback ?? '').trimEnd().split('\n').join('\n    ')}`,
      ].join('\n'),
    );
  }
}
