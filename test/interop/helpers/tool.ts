/**
 * Running the real tools and saying precisely what went wrong when one misbehaves.
 *
 * Every failure message names the tool, the exact command, its exit code and the tail of its
 * stderr, then the expected-vs-actual difference, e.g.
 *
 *   [awscli] aws s3 cp s3://b/k ./out — downloaded bytes
 *     command: /usr/bin/aws --endpoint-url http://127.0.0.1:40123 s3 cp s3://b/k ./out
 *     exit code: 0 after 0.71 s
 *     difference (- expected, + actual): …
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { AssertionError } from 'node:assert';
import type { CofferProcess } from './server-process.js';

/** CI=true (or 1): a missing tool fails the suite instead of skipping it. */
export const ON_CI = /^(true|1|yes)$/i.test(process.env.CI ?? '');

export interface Tool {
  /** Display name used in test names and failure messages: awscli, boto3, s3cmd, rclone, minio-js… */
  readonly name: string;
  /** Absolute path of the executable. */
  readonly path: string;
  /** Why the tool cannot run here, or undefined when it can. */
  readonly missing?: string;
  /** node:test `skip` option: the reason off CI, never on CI (the suite then fails in `before`). */
  readonly skip: string | false;
  /** Throws (fails the suite) when the tool is missing; call it in `before`. */
  require(): void;
}

/**
 * Finds a tool at an absolute path and probes it (e.g. `--version`). The Debian package that
 * provides it is named in the skip / failure reason.
 */
export function locateTool(name: string, path: string, options: { probe?: readonly string[]; debianPackage: string }): Tool {
  let missing: string | undefined;
  try {
    accessSync(path, constants.X_OK);
    if (options.probe) {
      const probe = spawnSync(path, options.probe, { env: minimalEnv(process.env.TMPDIR ?? '/tmp'), encoding: 'utf8', timeout: 30_000 });
      if (probe.status !== 0) missing = `${path} ${options.probe.join(' ')} exited ${probe.status}: ${tail(probe.stderr ?? '', 5)}`;
    }
  } catch {
    missing = `${path} not found`;
  }
  return unavailableAs(name, path, missing && `${missing} (install the Debian package '${options.debianPackage}'; .ci/run does)`);
}

/** A Tool record for something found another way (e.g. an npm module). */
export function unavailableAs(name: string, path: string, missing: string | undefined): Tool {
  const reason = missing && `${name} is not available: ${missing}`;
  return {
    name,
    path,
    missing,
    skip: reason && !ON_CI ? reason : false,
    require() {
      if (reason) throw new Error(`${reason}${ON_CI ? ' — CI=true, so a missing tool is a failure, not a skip' : ''}`);
    },
  };
}

/** An environment with nothing inherited but what a tool needs: no AWS_*, proxies or pyenv. */
export function minimalEnv(home: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    NO_PROXY: '127.0.0.1,localhost,.localhost',
    no_proxy: '127.0.0.1,localhost,.localhost',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
}

export interface RunOptions {
  readonly env: Record<string, string>;
  readonly cwd?: string;
  /** Bytes for the tool's stdin (stdin is closed when absent). */
  readonly input?: Buffer | string;
  readonly timeoutMs?: number;
}

/** One finished tool invocation. */
export interface ToolRun {
  readonly tool: string;
  /** The executable and its arguments, as run. */
  readonly argv: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
  /** The server's last log lines when the run ended (for InternalError hunting). */
  readonly serverLog?: string;
}

/** Runs a tool to completion (never throws for a non-zero exit: use expectSuccess). */
export function runTool(tool: Tool, args: readonly string[], options: RunOptions, server?: CofferProcess): Promise<ToolRun> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(tool.path, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {}); // a tool may exit without reading all of stdin
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`[${tool.name}] could not start ${tool.path}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        tool: tool.name,
        argv: [tool.path, ...args],
        code,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
        timedOut,
        serverLog: server?.logTail(15),
      });
    });
    child.stdin.end(options.input);
  });
}

/** The failure of an interop scenario: tool, command, exit code, stderr tail and the difference. */
export class InteropFailure extends AssertionError {
  constructor(message: string, expected?: unknown, actual?: unknown) {
    super({ message, expected, actual, operator: 'interop' });
    this.name = 'InteropFailure';
  }
}

/** Asserts a tool exited 0; `what` says what the command was for. Returns the run for chaining. */
export function expectSuccess(run: ToolRun, what = 'command'): ToolRun {
  if (run.code !== 0 || run.timedOut) {
    throw new InteropFailure(describeRun(run, `${what} failed`));
  }
  return run;
}

/** Asserts a tool failed with this exit code (e.g. `rclone check` finding a difference). */
export function expectExitCode(run: ToolRun, code: number, what: string): ToolRun {
  if (run.code !== code) throw new InteropFailure(describeRun(run, `${what}: expected exit code ${code}, got ${run.code}`));
  return run;
}

/**
 * Asserts equality (deep for objects, byte-wise for Buffers) of something a tool produced with
 * what the scenario expects; the message carries the run and a readable difference.
 */
export function expectSame(run: ToolRun | undefined, what: string, expected: unknown, actual: unknown): void {
  const equal = Buffer.isBuffer(expected) && Buffer.isBuffer(actual) ? expected.equals(actual) : isDeepStrictEqual(expected, actual);
  if (equal) return;
  const head = run ? describeRun(run, what) : `${what}`;
  throw new InteropFailure(`${head}\n  difference (- expected, + actual):\n${indent(difference(expected, actual), 4)}`, expected, actual);
}

/** Asserts a condition about a run, with the run described when it does not hold. */
export function expectThat(run: ToolRun | undefined, what: string, condition: boolean, detail = ''): void {
  if (!condition) throw new InteropFailure(`${run ? describeRun(run, what) : what}${detail ? `\n${indent(detail, 2)}` : ''}`);
}

/** "[tool] what" + command, exit code, stderr tail (and stdout tail when stderr is empty). */
export function describeRun(run: ToolRun, what: string): string {
  const lines = [
    `[${run.tool}] ${what}`,
    `  command: ${run.argv.map(shellQuote).join(' ')}`,
    `  exit code: ${run.code}${run.signal ? ` (signal ${run.signal})` : ''}${run.timedOut ? ' — TIMED OUT' : ''} after ${(run.ms / 1000).toFixed(2)} s`,
  ];
  const stderr = tail(run.stderr, 20);
  if (stderr) lines.push('  stderr (last lines):', indent(stderr, 4));
  const stdout = tail(run.stdout.toString('utf8'), stderr ? 8 : 20);
  if (stdout) lines.push('  stdout (last lines):', indent(stdout, 4));
  if (run.serverLog && /error|\[stderr\]/i.test(run.serverLog)) lines.push('  server log (last lines):', indent(run.serverLog, 4));
  return lines.join('\n');
}

export function tail(text: string, lines: number): string {
  const all = text.replace(/\r/g, '').trimEnd().split('\n');
  return all.slice(-lines).join('\n').trim() === '' ? '' : all.slice(-lines).join('\n');
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A readable difference: byte summary for buffers, a line diff of the JSON otherwise. */
export function difference(expected: unknown, actual: unknown): string {
  if (Buffer.isBuffer(expected) && Buffer.isBuffer(actual)) return bufferDifference(expected, actual);
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, replacer, 2) ?? String(v));
  return lineDiff(text(expected).split('\n'), text(actual).split('\n'));
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') return '<Buffer>';
  return value;
}

function bufferDifference(expected: Buffer, actual: Buffer): string {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);
  let at = 0;
  while (at < expected.length && at < actual.length && expected[at] === actual[at]) at++;
  const show = (b: Buffer) => JSON.stringify(b.subarray(Math.max(0, at - 8), at + 24).toString('latin1'));
  return [
    `- ${expected.length} bytes, sha256 ${sha(expected)}…`,
    `+ ${actual.length} bytes, sha256 ${sha(actual)}…`,
    `first difference at byte ${at}:`,
    `- …${show(expected)}`,
    `+ …${show(actual)}`,
  ].join('\n');
}

/** A minimal LCS line diff (inputs here are small: listings, JSON documents, tree summaries). */
export function lineDiff(a: readonly string[], b: readonly string[]): string {
  if (a.length * b.length > 4_000_000) return [...a.map((l) => `- ${l}`), ...b.map((l) => `+ ${l}`)].join('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push(`- ${a[i++]}`);
    } else {
      out.push(`+ ${b[j++]}`);
    }
  }
  return out.join('\n');
}
