import { S3Error } from '../../errors.js';

export interface ByteRange {
  /** Inclusive first byte. */
  readonly start: number;
  /** Exclusive end. */
  readonly end: number;
}

/**
 * A `Range: bytes=…` header against an object of `size` bytes, as S3 reads it: one range only;
 * an end past the object is clamped; a syntactically invalid or multi-range header is ignored
 * (the whole object is served); a range that starts at or past the end (so any range of an
 * empty object) → 416 InvalidRange, with a Content-Range header of `bytes *` + `/size`.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    // No suffix of an empty object, nor an empty suffix, overlaps any byte (RFC 9110; S3 agrees).
    if (suffix === 0 || size === 0) throw unsatisfiable(size, header);
    return { start: Math.max(size - suffix, 0), end: size };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) throw unsatisfiable(size, header);
  const end = last === '' ? size : Math.min(Number(last) + 1, size);
  return { start, end };
}

function unsatisfiable(size: number, header: string): S3Error {
  return new S3Error('InvalidRange', undefined, { RangeRequested: header, ActualObjectSize: size }, { 'content-range': `bytes */${size}` });
}
