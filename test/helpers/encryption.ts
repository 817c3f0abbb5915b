import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runKmsCommand } from '../../src/cli/kms.js';
import { layout } from './data-dir.js';
import { ROOT_KEYS } from './start-server.js';

/** A marker that must never appear in a blob file: every body made by body() contains it. */
export const MARKER = 'PLAINTEXT-MARKER-7f3a9c';

/** `bytes` bytes of a recognisable pattern with MARKER every 4 KiB. */
export function body(bytes: number, seed = 1): Buffer {
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  for (let at = 0; at + MARKER.length <= bytes; at += 4096) out.write(MARKER, at);
  return out;
}

export const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** A fresh SSE-C key, as the SDK's request fields take it. */
export function customerKey(): { SSECustomerAlgorithm: string; SSECustomerKey: string; SSECustomerKeyMD5: string } {
  const key = randomBytes(32);
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
}

export async function bytesOf(response: { Body?: unknown }): Promise<Buffer> {
  return Buffer.from(await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/**
 * Asserts that no non-empty blob file of the data dir holds `marker`, nor the SQLite metadata files
 * (small objects are kept inline there, base64 in their manifest: a body starting with the marker
 * would show as the base64 of its first 21 bytes), and that there are at least `atLeastBlobs`
 * blob files. (With PostgreSQL metadata only the blob files are in the data dir.)
 */
export async function assertNoPlaintextAtRest(dataDir: string, atLeastBlobs: number, marker = MARKER): Promise<void> {
  let files = 0;
  for (const path of await layout(dataDir).blobs()) {
    if ((await stat(path)).size === 0) continue;
    files++;
    assert.equal((await readFile(path)).includes(marker), false, `plaintext found in ${path}`);
  }
  const inClear = [Buffer.from(marker), Buffer.from(Buffer.from(marker.slice(0, 21)).toString('base64'))];
  for (const name of (await readdir(dataDir)).filter((entry) => entry.startsWith('metadata.sqlite'))) {
    const bytes = await readFile(join(dataDir, name));
    for (const needle of inClear) assert.equal(bytes.includes(needle), false, `plaintext found in ${name}`);
  }
  assert.ok(files >= atLeastBlobs, `expected the workload's blob files, found ${files}`);
}

/** The environment `coffer kms` runs with beside a test server: its root keys, from which ARNs' account id follows. */
export const KMS_CLI_ENV = { COFFER_ACCESS_KEY_ID: ROOT_KEYS.accessKeyId, COFFER_SECRET_ACCESS_KEY: ROOT_KEYS.secretAccessKey };

/** A new key in the KMS key ring of a server's data dir (`coffer kms create`, as an operator runs it beside the server). */
export async function newKmsKey(server: { dataDir: string; coffer: { region: string } }): Promise<{ id: string; arn: string }> {
  const lines: string[] = [];
  assert.equal(await runKmsCommand(['create', '--data-dir', server.dataDir, '--region', server.coffer.region], KMS_CLI_ENV, (line) => lines.push(line)), 0);
  const arn = lines[0]!;
  return { id: /key\/(.+)$/.exec(arn)![1]!, arn };
}
