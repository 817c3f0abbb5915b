import type { Readable, Transform } from 'node:stream';

/**
 * `source.pipe(transform)` with failures carried both ways, as `stream.pipeline` would, without its
 * per-request AbortController (whose abort at the end creates a DOMException) and end-of-stream
 * machinery, a measurable share of a small PUT: a source that fails or closes before its end fails
 * the transform; a transform given up on before it finished takes the source down.
 */
export function joinSource(source: Readable, transform: Transform): void {
  let sourceEnded = false;
  source.once('end', () => (sourceEnded = true));
  source.once('error', (error) => transform.destroy(error));
  source.once('close', () => {
    if (!sourceEnded) transform.destroy(prematureClose());
  });
  transform.once('close', () => {
    if (!sourceEnded && !source.destroyed) source.destroy(transform.errored ?? prematureClose());
  });
  source.pipe(transform);
}

export function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}
