// Preloaded into the server by bench/memory.ts when MEMORY_PROBE=1 (`node --import <this> …`):
// appends one JSON line of process.memoryUsage() to COFFER_MEMORY_PROBE_FILE every
// COFFER_MEMORY_PROBE_MS (default 500), so that RSS can be split into V8 heap, external
// (Buffers' backing stores) and the rest (sockets, the allocator's free-but-kept pages). Plain JS
// because the server under test runs without tsx; it is never part of src/.
import { appendFileSync } from 'node:fs';

const file = process.env.COFFER_MEMORY_PROBE_FILE;
if (file) {
  const every = Number(process.env.COFFER_MEMORY_PROBE_MS ?? 500);
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers })}\n`);
  }, every);
  timer.unref();
}
