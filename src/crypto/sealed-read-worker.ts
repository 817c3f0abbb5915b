/**
 * The worker thread behind WorkerReadStream (./worker-reads.ts): opens a large sealed read's
 * segments off the event loop. For each read it is given an open file descriptor (the loop opened
 * it: a missing blob fails there, as on the loop), the data key and a lane of shared memory cut
 * into slots; on each `fill` it reads the next slot's worth of whole sealed segments from the file
 * synchronously (this thread has nothing else to do), opens them and writes the plaintext, trimmed
 * to [from, to), into the slot. The loop then sends views of the slot: no copy on its side.
 *
 * Garbage: `Decipher.update` returns a fresh buffer per segment, which V8 frees only when a
 * scavenge finds it dead. This thread allocates almost no JavaScript, so on its own it scavenged
 * about once per ~64 MiB opened (external memory's trigger): a 5 GiB GET held ~60 MB of dead
 * plaintext (docs/performance.md, session 6). So each segment also allocates a short-lived array
 * of SCAVENGE_NUDGE_SLOTS slots, and the worker runs with a small young generation (see
 * worker-reads.ts): new space fills every few segments and the scavenge that empties it frees the
 * dead segment buffers with it — cheaply, as nothing in new space survives.
 */
import { readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { openSegment, TAG_BYTES } from './segments.js';

/**
 * Slots (8 bytes each: 32 KiB) of the short-lived array allocated per opened segment. Measured
 * (docs/performance.md, session 7): 1,024–4,096 hold the worker's growth alike; 16,384 (128 KiB)
 * goes to large-object space, which no scavenge empties, and cost 4× the CPU.
 */
const SCAVENGE_NUDGE_SLOTS = 4096;

export type WorkerReadRequest =
  | {
      readonly op: 'open';
      readonly id: number;
      readonly fd: number;
      /** The stored range [start, end) holding the segments of plaintext [from, to). */
      readonly start: number;
      readonly end: number;
      readonly firstSegment: number;
      readonly from: number;
      readonly to: number;
      readonly key: Uint8Array;
      readonly nonceBase: Uint8Array;
      readonly segmentBytes: number;
      readonly lane: SharedArrayBuffer;
      readonly slotBytes: number;
    }
  | { readonly op: 'fill'; readonly id: number; readonly slot: number }
  | { readonly op: 'close'; readonly id: number };

export type WorkerReadAnswer =
  /** `bytes` of plaintext are in the slot; `done`: the read is complete (no more fills needed). */
  | { readonly id: number; readonly slot: number; readonly bytes: number; readonly done: boolean }
  /** 'short': the file ended early (a missing blob's answer); 'altered': a segment failed its tag. */
  | { readonly id: number; readonly failure: 'short' | 'altered' | 'io'; readonly message: string }
  | { readonly id: number; readonly closed: true };

interface Read {
  readonly fd: number;
  readonly end: number;
  readonly from: number;
  readonly to: number;
  readonly key: Buffer;
  readonly nonceBase: Buffer;
  readonly segmentBytes: number;
  readonly lane: Buffer;
  readonly slotBytes: number;
  /** The stored position and index of the next segment. */
  position: number;
  segment: number;
}

const reads = new Map<number, Read>();
/** Sealed bytes are read into this (grown when a layout needs more), one read at a time. */
let sealedBuffer = Buffer.allocUnsafe(0);
/** Where the nudge arrays go, so that they are not optimized away. */
export let scavengeNudge: unknown;

function fill(read: Read, slot: number): WorkerReadAnswer {
  const stride = read.segmentBytes + TAG_BYTES;
  const segments = Math.max(1, Math.floor(read.slotBytes / read.segmentBytes));
  const length = Math.min(segments * stride, read.end - read.position);
  if (length <= 0) return { id: -1, slot, bytes: 0, done: true };
  if (sealedBuffer.length < length) sealedBuffer = Buffer.allocUnsafe(segments * stride);
  for (let filled = 0; filled < length; ) {
    const bytes = readSync(read.fd, sealedBuffer, filled, length - filled, read.position + filled);
    if (bytes === 0) return { id: -1, failure: 'short', message: 'the blob file is shorter than its manifest says' };
    filled += bytes;
  }
  const out = read.lane.subarray(slot * read.slotBytes, (slot + 1) * read.slotBytes);
  let written = 0;
  for (let at = 0; at < length; at += stride, read.segment++) {
    const plain = openSegment(sealedBuffer.subarray(at, Math.min(at + stride, length)), read.key, read.nonceBase, read.segment);
    scavengeNudge = new Array(SCAVENGE_NUDGE_SLOTS);
    const position = read.segment * read.segmentBytes;
    const start = Math.max(read.from - position, 0);
    const end = Math.min(read.to - position, plain.length);
    if (end > start) written += plain.copy(out, written, start, end);
  }
  read.position += length;
  return { id: -1, slot, bytes: written, done: read.position >= read.end };
}

function answer(request: WorkerReadRequest): WorkerReadAnswer | undefined {
  const { id } = request;
  if (request.op === 'open') {
    const { fd, start, end, firstSegment, from, to, segmentBytes, slotBytes } = request;
    const lane = Buffer.from(request.lane);
    reads.set(id, { fd, end, from, to, segmentBytes, slotBytes, lane, key: Buffer.from(request.key), nonceBase: Buffer.from(request.nonceBase), position: start, segment: firstSegment });
    return undefined;
  }
  const read = reads.get(id);
  if (request.op === 'close') {
    reads.delete(id);
    return { id, closed: true };
  }
  if (!read) return undefined; // failed before: the loop has its answer
  try {
    return { ...fill(read, request.slot), id };
  } catch (failure) {
    reads.delete(id);
    const error = failure as NodeJS.ErrnoException;
    return { id, failure: error.name === 'SegmentAuthenticationError' ? 'altered' : 'io', message: error.message };
  }
}

parentPort?.on('message', (request: WorkerReadRequest) => {
  const reply = answer(request);
  if (reply) parentPort!.postMessage(reply);
});
