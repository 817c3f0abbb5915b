/**
 * Strict reading of configuration documents (parsed by the edge's XML codec): children must be
 * the schema's, leaves must be text, single elements must not repeat — anything else is
 * MalformedXML, as AWS answers a document that does not validate against its schema.
 */
import { S3Error } from '../../errors.js';
import { asList, textOf } from '../request-xml.js';

export type Element = Readonly<Record<string, unknown>>;

/** An element's children ('' → none); whitespace between elements is ignored; a text leaf → MalformedXML. */
export function childrenOf(value: unknown, allowed: readonly string[]): Element {
  if (value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new S3Error('MalformedXML');
  const element = value as Record<string, unknown>;
  for (const name of Object.keys(element)) {
    if (name === '#text' && textOf(element[name])?.trim() === '') continue;
    if (!allowed.includes(name)) throw new S3Error('MalformedXML');
  }
  return element;
}

/** A child that may appear at most once. */
export function single(element: Element, name: string): unknown {
  const value = element[name];
  if (Array.isArray(value)) throw new S3Error('MalformedXML');
  return value;
}

/** Children that may repeat, in document order. */
export function repeated(element: Element, name: string): unknown[] {
  const value = element[name];
  return value === '' ? [''] : asList(value as unknown[]);
}

/** The text of a leaf child that may appear at most once (undefined when absent). */
export function leaf(element: Element, name: string): string | undefined {
  const value = single(element, name);
  if (value === undefined) return undefined;
  const text = textOf(value);
  if (text === undefined) throw new S3Error('MalformedXML');
  return text;
}

export function requiredLeaf(element: Element, name: string): string {
  const text = leaf(element, name);
  if (text === undefined) throw new S3Error('MalformedXML');
  return text;
}

/** An xsd:int / xsd:long leaf: optional sign and digits, else MalformedXML. */
export function integerLeaf(element: Element, name: string): number | undefined {
  const text = leaf(element, name);
  if (text === undefined) return undefined;
  if (!/^\s*[+-]?\d{1,15}\s*$/.test(text)) throw new S3Error('MalformedXML');
  return Number(text);
}

/** A leaf restricted to a set of values (an xsd enumeration), else MalformedXML. */
export function enumLeaf<T extends string>(element: Element, name: string, values: readonly T[]): T | undefined {
  const text = leaf(element, name);
  if (text === undefined) return undefined;
  if (!(values as readonly string[]).includes(text)) throw new S3Error('MalformedXML');
  return text as T;
}
