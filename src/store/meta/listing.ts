/**
 * The listing walk shared by every MetadataStore: rolls keys up into common prefixes at the
 * delimiter and, after each common prefix, seeks to the first key past it instead of scanning
 * every key under it — so a page costs O(page) index seeks reading O(page) rows in all, whatever the bucket holds.
 *
 * Order is UTF-8 byte order, which equals Unicode code point order; stores must scan in it
 * (SQLite's BINARY collation does; PostgreSQL needs COLLATE "C").
 */

/** Where a scan resumes: at `key` (inclusive or not), or inside `key` after the row `within`. */
export interface ScanCursor<W> {
  readonly key: string;
  readonly inclusive: boolean;
  /** Store-specific position among rows of the same key (e.g. a version sequence number). */
  readonly within?: W;
}

export interface Scanner<R, W> {
  /** Up to `limit` rows with key starting at the cursor, in listing order. */
  scan(cursor: ScanCursor<W>, limit: number): Promise<readonly R[]> | readonly R[];
  keyOf(row: R): string;
  /** The cursor just after `row` (for stores with several rows per key, inside the key). */
  after(row: R): ScanCursor<W>;
}

export type WalkEntry<R> = { readonly kind: 'row'; readonly row: R } | { readonly kind: 'prefix'; readonly prefix: string };

export interface WalkQuery<W> {
  readonly prefix: string;
  readonly delimiter: string;
  /**
   * List strictly after this key ('' = from the start), or, with `within`, after that row of it.
   * A common prefix containing the marker (or equal to it) was already listed and is skipped.
   */
  readonly marker: string;
  /** Store-specific position among the marker key's rows (a version, an upload). */
  readonly within?: W;
  readonly limit: number;
}

/** Rows asked for right after a seek past a common prefix. */
const SEEK_BATCH_ROWS = 1;

export async function walkListing<R, W>(scanner: Scanner<R, W>, query: WalkQuery<W>): Promise<{ entries: WalkEntry<R>[]; isTruncated: boolean }> {
  const { prefix, delimiter, limit, marker: markerKey } = query;
  const start: ScanCursor<W> = { key: markerKey, inclusive: markerKey === '', within: query.within };
  const entries: WalkEntry<R>[] = [];
  /** The common prefix just listed: without a successor to seek to, its keys are scanned past. */
  let lastPrefix: string | undefined;
  let cursor: ScanCursor<W> =
    compareKeys(start.key, prefix) >= 0 ? start : { key: prefix, inclusive: true };
  // The first scan asks for a whole page. After a seek the next row is most often another
  // common prefix, whose first row is all we need: asking for a page there would read O(page)
  // rows per prefix, O(page²) per page. So after a seek the batch restarts small and doubles
  // while rows keep being listed one by one.
  let batchSize = limit + 1;

  for (;;) {
    const want = Math.min(batchSize, limit - entries.length + 1);
    const batch = await scanner.scan(cursor, want);
    let jumped = false;
    for (const row of batch) {
      const key = scanner.keyOf(row);
      if (!key.startsWith(prefix)) return { entries, isTruncated: false };
      const commonPrefix = delimiter === '' ? undefined : commonPrefixOf(key, prefix, delimiter);
      if (commonPrefix !== undefined) {
        if (!markerKey.startsWith(commonPrefix) && commonPrefix !== lastPrefix) {
          if (entries.length === limit) return { entries, isTruncated: true };
          entries.push({ kind: 'prefix', prefix: commonPrefix });
          lastPrefix = commonPrefix;
        }
        const next = successorOfPrefix(commonPrefix);
        if (next === undefined) {
          cursor = scanner.after(row);
          continue;
        }
        cursor = { key: next, inclusive: true };
        jumped = true;
        break;
      }
      if (entries.length === limit) return { entries, isTruncated: true };
      entries.push({ kind: 'row', row });
      cursor = scanner.after(row);
    }
    // A short batch that we read to its end means there is nothing more to scan.
    if (!jumped && batch.length < want) return { entries, isTruncated: false };
    batchSize = jumped ? SEEK_BATCH_ROWS : batchSize * 2;
  }
}

function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}

/**
 * The smallest string greater than every string that starts with `prefix`: the prefix with its
 * last code point incremented (skipping the surrogate range). Undefined when the last code point
 * is U+10FFFF, where callers fall back to scanning.
 */
export function successorOfPrefix(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const codePoints = Array.from(prefix);
  const last = codePoints.pop()!.codePointAt(0)!;
  if (last === 0x10ffff) return undefined;
  const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
  return codePoints.join('') + String.fromCodePoint(next);
}

/** UTF-8 byte order (= code point order), unlike JS's `<` which compares UTF-16 code units. */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF, which sort after 0xE000-0xFFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
