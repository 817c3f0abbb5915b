/**
 * Patterns of the policy language, compiled once: `*` and `?` wildcards (Action, Resource,
 * StringLike, ArnLike) and policy variables (`${aws:username}`, `${s3:prefix, 'default'}`,
 * and `${*}` `${?}` `${$}` for the literal characters). A variable's value is literal text,
 * never a wildcard. Variables exist only under Version 2012-10-17; under 2008-10-17 `${…}` is
 * plain text.
 */

/** The request's policy-variable values. */
export interface VariableLookup {
  /** A variable's value by lower-cased key name; undefined when the request has none. */
  variable(key: string): string | undefined;
}

/** For patterns compiled without variables. */
export const NO_VARIABLES: VariableLookup = { variable: () => undefined };

const STAR = -1;
const QUESTION = -2;

type Piece = { readonly text: string; readonly wild: boolean } | { readonly key: string; readonly fallback: string | undefined };

/** `${*}`, `${?}`, `${$}`: the characters themselves. */
const ESCAPES = new Map([['*', '*'], ['?', '?'], ['$', '$']]);
const VARIABLE = /^\s*([A-Za-z0-9_.:\/-]+)\s*(?:,\s*'([^']*)'\s*)?$/;

/** Splits text into literal runs and variables. */
function pieces(source: string, variables: boolean, wildcards: boolean): Piece[] {
  if (!variables || !source.includes('${')) return [{ text: source, wild: wildcards }];
  const out: Piece[] = [];
  let at = 0;
  for (let open = source.indexOf('${'); open >= 0; open = source.indexOf('${', at)) {
    const close = source.indexOf('}', open + 2);
    if (close < 0) break;
    const body = source.slice(open + 2, close);
    const escaped = ESCAPES.get(body);
    const variable = VARIABLE.exec(body);
    if (escaped === undefined && variable === null) {
      out.push({ text: source.slice(at, open + 2), wild: wildcards });
      at = open + 2;
      continue;
    }
    if (open > at) out.push({ text: source.slice(at, open), wild: wildcards });
    out.push(escaped !== undefined ? { text: escaped, wild: false } : { key: variable![1]!.toLowerCase(), fallback: variable![2] });
    at = close + 1;
  }
  if (at < source.length) out.push({ text: source.slice(at), wild: wildcards });
  return out;
}

function pushUnits(units: number[], text: string, wild: boolean): void {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    units.push(wild && code === 42 ? STAR : wild && code === 63 ? QUESTION : code);
  }
}

/** Classic `*`/`?` matching with one backtrack point: O(pattern × text) at worst, no RegExp. */
function globMatch(units: readonly number[], text: string): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let starText = 0;
  while (t < text.length) {
    const unit = units[p];
    if (p < units.length && (unit === QUESTION || unit === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (unit === STAR) {
      starAt = p++;
      starText = t;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (units[p] === STAR) p++;
  return p === units.length;
}

export interface PatternOptions {
  /** `*` and `?` are wildcards (Resource, Action, …Like operators). */
  readonly wildcards: boolean;
  /** `${…}` are policy variables (Version 2012-10-17, Resource and string conditions). */
  readonly variables: boolean;
}

/** How a pattern compares: as one text, as a prefix (a single trailing `*`), or by glob matching. */
type Shape = 'exact' | 'prefix' | 'glob';

function shapeOf(pieces: readonly Piece[]): Shape {
  let wildcards = 0;
  for (const piece of pieces) if ('wild' in piece && piece.wild) for (const c of piece.text) if (c === '*' || c === '?') wildcards++;
  if (wildcards === 0) return 'exact';
  const last = pieces[pieces.length - 1]!;
  return wildcards === 1 && 'wild' in last && last.wild && last.text.endsWith('*') ? 'prefix' : 'glob';
}

export class Pattern {
  readonly source: string;
  readonly hasVariables: boolean;
  /** Whether the pattern is one fixed value: no wildcard, no variable. */
  readonly isFixed: boolean;
  private readonly pieces: readonly Piece[];
  private readonly shape: Shape;
  /** Without variables: the text compared (exact, prefix) or the glob's units. */
  private readonly literal: string | undefined;
  private readonly units: readonly number[] | undefined;

  constructor(source: string, options: PatternOptions) {
    this.source = source;
    this.pieces = pieces(source, options.variables, options.wildcards);
    this.hasVariables = this.pieces.some((piece) => 'key' in piece);
    this.shape = shapeOf(this.pieces);
    this.isFixed = !this.hasVariables && this.shape === 'exact';
    this.literal = this.hasVariables || this.shape === 'glob' ? undefined : this.text(NO_VARIABLES, this.shape === 'prefix');
    this.units = this.hasVariables || this.shape !== 'glob' ? undefined : this.unitsWith(NO_VARIABLES);
  }

  /** Whether `text` matches; a variable without a value matches nothing. */
  matches(text: string, lookup: VariableLookup): boolean {
    if (this.shape === 'glob') {
      const units = this.units ?? this.unitsWith(lookup);
      return units !== undefined && globMatch(units, text);
    }
    const literal = this.literal ?? this.text(lookup, this.shape === 'prefix');
    if (literal === undefined) return false;
    return this.shape === 'exact' ? text === literal : text.startsWith(literal);
  }

  /** The text with its variables replaced; undefined when one has no value. For patterns without wildcards. */
  resolve(lookup: VariableLookup): string | undefined {
    return this.literal ?? this.text(lookup, false);
  }

  private text(lookup: VariableLookup, withoutTrailingStar: boolean): string | undefined {
    let out = '';
    for (const piece of this.pieces) {
      if ('key' in piece) {
        const value = lookup.variable(piece.key) ?? piece.fallback;
        if (value === undefined) return undefined;
        out += value;
      } else {
        out += piece.text;
      }
    }
    return withoutTrailingStar ? out.slice(0, -1) : out;
  }

  private unitsWith(lookup: VariableLookup): number[] | undefined {
    const units: number[] = [];
    for (const piece of this.pieces) {
      if ('key' in piece) {
        const value = lookup.variable(piece.key) ?? piece.fallback;
        if (value === undefined) return undefined;
        pushUnits(units, value, false);
      } else {
        pushUnits(units, piece.text, piece.wild);
      }
    }
    return units;
  }
}
