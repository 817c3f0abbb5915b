/**
 * The worker thread behind parseXmlOffLoop (./off-loop.ts): decodes and parses one request document
 * at a time with the event loop's parser, and answers with the parsed object or the S3 error code.
 *
 * Receiving a parsed document costs the event loop ~0.5 µs per value (structured clone), 40 ms
 * for 10,000 parts with their checksums on a busy machine. So the answer is a skeleton in which
 * every long array (repeated elements) is a placeholder, and those arrays' items follow in batches
 * of ARRAY_BATCH_ITEMS, each sent only when the loop asks for it: the loop takes them one task
 * at a time, with other clients' work in between.
 */
import { parentPort } from 'node:worker_threads';
import { S3Error } from '../errors.js';
import { parseXml, type XmlParseError } from './codec.js';

const ARRAY_BATCH_ITEMS = 500;

/** A document as text, or as UTF-8 bytes (transferred, not copied); or a request for the next batch. */
export type ParseRequest =
  | { readonly id: number; readonly document: string | Uint8Array; readonly error: XmlParseError }
  | { readonly id: number; readonly next: true };

/** Where a long array was in the skeleton: its items arrive in batches, in order. */
export interface ArrayPlaceholder { readonly '#batchedArray': number; readonly length: number }

export type ParseAnswer =
  | { readonly id: number; readonly skeleton: Record<string, unknown>; readonly batches: number }
  | { readonly id: number; readonly array: number; readonly items: unknown[] }
  | { readonly id: number; readonly code: XmlParseError }
  | { readonly id: number; readonly failure: string };

const utf8 = new TextDecoder();
/** Per document being delivered: its batches not yet sent. */
const queued = new Map<number, Batch[]>();

interface Batch { readonly array: number; readonly items: unknown[] }

parentPort!.on('message', (request: ParseRequest) => {
  if ('next' in request) {
    const batches = queued.get(request.id);
    const batch = batches?.shift();
    if (batches?.length === 0) queued.delete(request.id);
    if (batch) parentPort!.postMessage({ id: request.id, ...batch } satisfies ParseAnswer);
    return;
  }
  let answer: ParseAnswer;
  try {
    const text = typeof request.document === 'string' ? request.document : utf8.decode(request.document);
    const batches: Batch[] = [];
    const skeleton = withLongArraysBatched(parseXml(text, request.error), batches, { arrays: 0 }) as Record<string, unknown>;
    if (batches.length > 0) queued.set(request.id, batches);
    answer = { id: request.id, skeleton, batches: batches.length };
  } catch (error) {
    answer = error instanceof S3Error ? { id: request.id, code: request.error } : { id: request.id, failure: String((error as Error)?.stack ?? error) };
  }
  parentPort!.postMessage(answer);
});

/**
 * The value with each array longer than a batch replaced by a placeholder; its items go to
 * `batches`. An array's own long arrays are numbered and queued before it, so that they are
 * complete when it arrives.
 */
function withLongArraysBatched(value: unknown, batches: Batch[], numbering: { arrays: number }): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => withLongArraysBatched(item, batches, numbering));
    if (items.length <= ARRAY_BATCH_ITEMS) return items;
    const array = numbering.arrays++;
    for (let at = 0; at < items.length; at += ARRAY_BATCH_ITEMS) batches.push({ array, items: items.slice(at, at + ARRAY_BATCH_ITEMS) });
    return { '#batchedArray': array, length: items.length } satisfies ArrayPlaceholder;
  }
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) out[name] = withLongArraysBatched(child, batches, numbering);
  return out;
}
