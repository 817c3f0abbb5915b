import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from '../errors.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A value the builder renders: elements are object keys, arrays repeat the element. */
export type XmlValue = string | number | boolean | undefined | null | XmlObject | readonly XmlValue[];
export interface XmlObject {
  readonly [element: string]: XmlValue;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  suppressEmptyNode: false,
  processEntities: true,
  format: false,
});

/** Serializes `<root xmlns=S3>…</root>` with the XML declaration, as S3 sends its documents. */
export function buildXml(root: string, body: XmlObject, namespace: string | null = S3_XMLNS): string {
  const element = namespace ? { '@xmlns': namespace, ...body } : body;
  return DECLARATION + builder.build({ [root]: element });
}

/**
 * Parsing of request documents. Entities are not expanded (no DTD processing at all: a DOCTYPE
 * is rejected), values stay strings, and the caller has already capped the size.
 */
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses a request body into plain objects; malformed XML → MalformedXML. */
export function parseXml(text: string, error: 'MalformedXML' | 'MalformedACLError' = 'MalformedXML'): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new S3Error(error);
  if (XMLValidator.validate(text) !== true) throw new S3Error(error);
  try {
    return parser.parse(text) as Record<string, unknown>;
  } catch {
    throw new S3Error(error);
  }
}

/** An element that may appear once or repeated, as a list. */
export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** The text of a leaf element ('' for an empty element), or undefined when absent or not a leaf. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
