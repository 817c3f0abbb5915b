/**
 * `aws` commands forked from one warmed-up Python interpreter (test/interop/python/aws_zygote.py)
 * instead of a new /usr/bin/aws each: the same CLI code sends the same requests, without ~0.9 s
 * of CPU per command spent importing awscli and loading its models — the awscli suite's largest
 * cost, on a 2-core machine shared with the rest of the suite. Each command still has its own
 * process, argv, working directory, stdin, stdout, stderr and exit status.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/coffer-entry.js';
import type { CofferProcess } from './server-process.js';
import type { RunOptions, Tool, ToolRun } from './tool.js';

const ZYGOTE = join(REPO_ROOT, 'test/interop/python/aws_zygote.py');
/** The interpreter /usr/bin/aws names on its #! line. */
const PYTHON = '/usr/bin/python3';

interface Running {
  pid?: number;
  /** Timed out before its pid was known: killed as soon as it is. */
  killWhenStarted?: boolean;
  resolve(end: { code: number | null; signal: NodeJS.Signals | null }): void;
}

export class ForkedAws {
  private readonly zygote: ChildProcessWithoutNullStreams;
  private readonly running = new Map<number, Running>();
  private nextId = 1;
  private failure: Error | undefined;
  private stderrTail = '';

  private constructor(
    private readonly tool: Tool,
    private readonly scratch: string,
    env: Record<string, string>,
  ) {
    this.zygote = spawn(PYTHON, [ZYGOTE], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let pending = '';
    this.zygote.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        this.onMessage(JSON.parse(pending.slice(0, newline)) as { id: number; pid?: number; code?: number; signal?: NodeJS.Signals });
        pending = pending.slice(newline + 1);
      }
    });
    this.zygote.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    this.zygote.stdin.on('error', () => {});
    this.zygote.on('exit', (code, signal) => {
      this.failure = new Error(`[${tool.name}] the aws zygote exited (${signal ?? code}): ${this.stderrTail}`);
      for (const entry of this.running.values()) entry.resolve({ code: null, signal: null });
      this.running.clear();
    });
  }

  /**
   * `env` is every command's environment (the zygote reads the CLI's configuration once, from it);
   * the commands' stdin, stdout and stderr pass through files in a new folder `scratch`.
   */
  static async start(tool: Tool, env: Record<string, string>, scratch: string): Promise<ForkedAws> {
    tool.require();
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    return new ForkedAws(tool, scratch, env);
  }

  /** Runs one command to completion (never throws for a non-zero exit), as runTool does. */
  async run(args: readonly string[], options: Omit<RunOptions, 'env'>, server?: CofferProcess): Promise<ToolRun> {
    if (this.failure) throw this.failure;
    const started = Date.now();
    const id = this.nextId++;
    const files = { stdin: join(this.scratch, `${id}.in`), stdout: join(this.scratch, `${id}.out`), stderr: join(this.scratch, `${id}.err`) };
    if (options.input !== undefined) await writeFile(files.stdin, options.input);
    let timedOut = false;
    const entry: Running = { resolve: () => {} };
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => (entry.resolve = resolve));
    this.running.set(id, entry);
    const timer = setTimeout(() => {
      timedOut = true;
      if (entry.pid === undefined) entry.killWhenStarted = true;
      else killGroup(entry.pid);
    }, options.timeoutMs ?? 120_000);
    this.zygote.stdin.write(
      `${JSON.stringify({ id, args, cwd: options.cwd ?? null, stdin: options.input === undefined ? null : files.stdin, stdout: files.stdout, stderr: files.stderr })}\n`,
    );
    const { code, signal } = await ended;
    clearTimeout(timer);
    if (this.failure && code === null && signal === null) throw this.failure;
    const [stdout, stderr] = await Promise.all([readFile(files.stdout), readFile(files.stderr, 'utf8')]);
    await Promise.all(Object.values(files).map((file) => rm(file, { force: true })));
    return {
      tool: this.tool.name,
      argv: [this.tool.path, ...args],
      code,
      signal,
      stdout,
      stderr,
      ms: Date.now() - started,
      timedOut,
      serverLog: server?.logTail(15),
    };
  }

  /** Ends the zygote once its commands have ended. */
  async close(): Promise<void> {
    if (this.zygote.exitCode === null && this.zygote.signalCode === null) {
      const exited = new Promise((resolve) => this.zygote.once('exit', resolve));
      this.zygote.stdin.end();
      await exited;
    }
    await rm(this.scratch, { recursive: true, force: true });
  }

  private onMessage(message: { id: number; pid?: number; code?: number; signal?: NodeJS.Signals }): void {
    const entry = this.running.get(message.id);
    if (!entry) return;
    if (message.pid !== undefined) {
      entry.pid = message.pid;
      if (entry.killWhenStarted) killGroup(message.pid);
      return;
    }
    this.running.delete(message.id);
    entry.resolve({ code: message.code ?? null, signal: message.signal ?? null });
  }
}

/** The command's process group (made by its first step), else the process alone; ESRCH: it has ended. */
function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
      return;
    } catch {
      // the next target
    }
  }
}
