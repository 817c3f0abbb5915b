/**
 * A small declarative check of configuration documents against AWS's XML schema: which children
 * an element may have (in any order), which repeat, which are required, and the values a leaf may
 * take. What does not validate is MalformedXML, as AWS answers. The checked document comes back
 * as a clean tree (no whitespace text) that serializes back to the same XML.
 */
import { S3Error } from '../../errors.js';
import type { XmlObject, XmlValue } from '../types.js';
import { childrenOf } from './elements.js';

export type Spec = LeafSpec | ElementSpec;

interface Occurrence {
  readonly required?: boolean;
  readonly repeat?: boolean;
}

export interface LeafSpec extends Occurrence {
  readonly kind: 'leaf';
  readonly values?: readonly string[];
  readonly pattern?: RegExp;
}

export interface ElementSpec extends Occurrence {
  readonly kind: 'element';
  readonly children: Readonly<Record<string, Spec>>;
  /** At most one of the children (an xsd:choice). */
  readonly choice?: boolean;
}

export const text = (options: Omit<LeafSpec, 'kind'> = {}): LeafSpec => ({ kind: 'leaf', ...options });
export const element = (children: Record<string, Spec>, options: Omit<ElementSpec, 'kind' | 'children'> = {}): ElementSpec => ({ kind: 'element', children, ...options });

/** A leaf that must be a non-negative decimal integer. */
export const integer = (options: Omit<LeafSpec, 'kind' | 'pattern'> = {}): LeafSpec => text({ ...options, pattern: /^\d{1,15}$/ });

/** Checks `value` (the document's root element) against `spec`; returns the clean tree. */
export function checkDocument(value: unknown, spec: ElementSpec): XmlObject {
  return checkElement(value, spec);
}

function checkElement(value: unknown, spec: ElementSpec): XmlObject {
  const element = childrenOf(value, Object.keys(spec.children));
  const clean: Record<string, XmlValue> = {};
  let present = 0;
  for (const [name, childSpec] of Object.entries(spec.children)) {
    const raw = element[name];
    if (raw === undefined) {
      if (childSpec.required) throw new S3Error('MalformedXML');
      continue;
    }
    present++;
    if (Array.isArray(raw) && !childSpec.repeat) throw new S3Error('MalformedXML');
    const items = Array.isArray(raw) ? raw : [raw];
    const checked = items.map((item) => (childSpec.kind === 'leaf' ? checkLeaf(item, childSpec) : checkElement(item, childSpec)));
    clean[name] = childSpec.repeat ? checked : checked[0];
  }
  if (spec.choice && present > 1) throw new S3Error('MalformedXML');
  // Keep the document's own element order (AWS answers configurations as they were written).
  const ordered: Record<string, XmlValue> = {};
  for (const name of Object.keys(element)) if (name in clean) ordered[name] = clean[name];
  return ordered;
}

function checkLeaf(value: unknown, spec: LeafSpec): string {
  if (typeof value !== 'string') throw new S3Error('MalformedXML');
  if (spec.values && !spec.values.includes(value)) throw new S3Error('MalformedXML');
  if (spec.pattern && !spec.pattern.test(value)) throw new S3Error('MalformedXML');
  return value;
}

/** The element child `name` of a checked tree (undefined when absent). */
export function child(tree: XmlObject, name: string): XmlObject | undefined {
  const value = tree[name];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as XmlObject) : undefined;
}

/** The text of the leaf child `name` of a checked tree. */
export function childText(tree: XmlObject | undefined, name: string): string | undefined {
  const value = tree?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Filters shared by analytics, metrics and intelligent-tiering: Prefix | Tag | And(Prefix?, Tag*). */
const tag = element({ Key: text({ required: true }), Value: text({ required: true }) });
export const filterSpec = (extra: Record<string, Spec> = {}) =>
  element(
    {
      Prefix: text(),
      Tag: tag,
      ...extra,
      And: element({ Prefix: text(), Tag: { ...tag, repeat: true }, ...extra }),
    },
    { choice: true },
  );
