/** What every interop test file shares: one Coffer process and a scratch folder per tool suite. */
import assert from 'node:assert/strict';
import { removeDir, tempDir } from './files.js';
import { startCofferProcess, type CofferProcess } from './server-process.js';
import type { Tool } from './tool.js';

export interface InteropContext {
  readonly server: CofferProcess;
  /** A scratch folder for this suite (tool HOME, configs, local trees); removed at the end. */
  readonly scratch: string;
}

/**
 * Call from `before`: fails (on CI) when the tool is missing, starts Coffer, makes a scratch folder.
 * Pair with finishInterop in `after`.
 */
export async function startInterop(tool: Tool): Promise<InteropContext> {
  tool.require();
  const server = await startCofferProcess();
  try {
    const scratch = await tempDir(tool.name.replace(/[^A-Za-z0-9.-]+/g, '-'));
    return { server, scratch };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Stops the server (SIGTERM must end it cleanly) and removes the scratch folder. */
export async function finishInterop(tool: Tool, context: InteropContext | undefined): Promise<void> {
  if (!context) return;
  await removeDir(context.scratch);
  const end = await context.server.stop();
  assert.equal(end.code, 0, `[${tool.name}] Coffer did not exit cleanly on SIGTERM (code ${end.code}, signal ${end.signal}):\n${end.log}`);
}

let counter = 0;
/** A fresh bucket name per scenario, recognisable by tool and scenario. */
export function bucketName(tool: string, label: string): string {
  counter++;
  const base = `${tool}-${label}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-');
  return `${base.slice(0, 40)}-${process.pid}-${counter}`.slice(0, 63);
}
