import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from '../errors.js';
import { limits } from '../limits.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A value the serializer renders: elements are object keys, arrays repeat the element. */
export type XmlValue = string | number | boolean | undefined | null | XmlObject | XmlSequence | XmlListedObjects | readonly XmlValue[];
export interface XmlObject {
  readonly [element: string]: XmlValue;
}

/**
 * The key under which an element's attributes are given (name → value), e.g. a Grantee's
 * `xmlns:xsi` and `xsi:type`; never written as a child element.
 */
export const XML_ATTRIBUTES = '#attributes';

/**
 * Children whose element names interleave in a given order (ListObjectVersions mixes `Version`
 * and `DeleteMarker` in listing order). The key it is stored under in its parent is not written.
 */
export interface XmlSequence {
  readonly '#sequence': ReadonlyArray<readonly [element: string, value: XmlValue]>;
}

function isSequence(value: object): value is XmlSequence {
  return '#sequence' in value;
}

/** One object of a ListObjects / ListObjectsV2 page, its element values as the document shows them. */
export interface ListedObject {
  readonly Key: string;
  readonly LastModified: string;
  /** Quoted, as written. */
  readonly ETag: string;
  readonly ChecksumAlgorithm?: string;
  readonly ChecksumType?: string;
  readonly Size: number;
  readonly Owner?: { readonly ID: string; readonly DisplayName: string };
  readonly StorageClass?: string;
}

/**
 * A listing page's objects, each written as the element it is stored under (`Contents`) with the
 * children of ListedObject in that order — the same bytes as the same objects given as XmlObjects,
 * with one template per entry instead of one call per element: the element-by-element walk and
 * its many small string pieces were most of a 1,000-key page's XML time.
 */
export interface XmlListedObjects {
  readonly '#objects': readonly ListedObject[];
}

function listedObjects(name: string, objects: readonly ListedObject[]): string {
  let out = '';
  for (const o of objects) {
    out += `<${name}><Key>${escapeXml(o.Key)}</Key><LastModified>${escapeXml(o.LastModified)}</LastModified><ETag>${escapeXml(o.ETag)}</ETag>`;
    if (o.ChecksumAlgorithm != null) out += `<ChecksumAlgorithm>${escapeXml(o.ChecksumAlgorithm)}</ChecksumAlgorithm>`;
    if (o.ChecksumType != null) out += `<ChecksumType>${escapeXml(o.ChecksumType)}</ChecksumType>`;
    out += `<Size>${o.Size}</Size>`;
    if (o.Owner != null) out += `<Owner><ID>${escapeXml(o.Owner.ID)}</ID><DisplayName>${escapeXml(o.Owner.DisplayName)}</DisplayName></Owner>`;
    out += o.StorageClass != null ? `<StorageClass>${escapeXml(o.StorageClass)}</StorageClass></${name}>` : `</${name}>`;
  }
  return out;
}

/** Serializes `<root xmlns=S3>…</root>` with the XML declaration, as S3 sends its documents. */
export function buildXml(root: string, body: XmlObject, namespace: string | null = S3_XMLNS): string {
  // Plain string concatenation (V8 ropes, flattened once when encoded): a 1,000-entry listing is
  // ~10,000 elements, where pushing pieces onto an array and joining costs several times more.
  const open = namespace ? `${XML_DECLARATION}<${root} xmlns="${namespace}">` : `${XML_DECLARATION}<${root}>`;
  return `${open}${children(body)}</${root}>`;
}

function children(object: XmlObject): string {
  let out = '';
  for (const name in object) {
    const value = object[name];
    if (value === undefined || value === null || name === XML_ATTRIBUTES) continue;
    out += name === '#text' ? escapeXml(String(value)) : element(name, value);
  }
  return out;
}

function element(name: string, value: XmlValue): string {
  switch (typeof value) {
    case 'string':
      return `<${name}>${escapeXml(value)}</${name}>`;
    case 'number':
    case 'boolean':
      return `<${name}>${String(value)}</${name}>`;
    case 'undefined':
      return '';
  }
  if (value === null) return '';
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value as readonly XmlValue[]) out += element(name, item);
    return out;
  }
  if ('#objects' in (value as object)) return listedObjects(name, (value as XmlListedObjects)['#objects']);
  if (isSequence(value as object)) {
    let out = '';
    for (const [child, item] of (value as XmlSequence)['#sequence']) out += element(child, item);
    return out;
  }
  const attributes = (value as XmlObject)[XML_ATTRIBUTES] as Readonly<Record<string, string>> | undefined;
  let open = name;
  if (attributes) for (const attribute in attributes) open += ` ${attribute}="${escapeXml(attributes[attribute]!)}"`;
  return `<${open}>${children(value as XmlObject)}</${name}>`;
}

const XML_SPECIAL = /[&<>"'\r\x00-\x08\x0b\x0c\x0e-\x1f]/;

/**
 * Escapes text for element content. Carriage returns and other control characters (legal in S3
 * keys, not as raw XML text) become numeric character references, as S3 writes them.
 * A loop over the characters, not `replace` with a callback: every listing entry's quoted ETag
 * takes this path, and the callback per match cost more than the rest of the entry's XML.
 */
export function escapeXml(text: string): string {
  if (!XML_SPECIAL.test(text)) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let reference: string;
    switch (c) {
      case 0x26: reference = '&amp;'; break;
      case 0x3c: reference = '&lt;'; break;
      case 0x3e: reference = '&gt;'; break;
      case 0x22: reference = '&quot;'; break;
      case 0x27: reference = '&apos;'; break;
      default:
        // Tab and line feed stay as they are; every other control character is referenced.
        if (c >= 0x20 || c === 0x09 || c === 0x0a) continue;
        reference = `&#${c};`;
    }
    out += text.slice(from, i) + reference;
    from = i + 1;
  }
  return out + text.slice(from);
}

const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/**
 * The parser (htmlEntities, for character references) would also decode HTML's named entities
 * (`&nbsp;`): XML knows only its five, and character references to characters XML 1.0 allows.
 */
function referencesAreXml(text: string): boolean {
  for (const [, name, semicolon] of text.matchAll(/&([^;&<]*)(;?)/g)) {
    if (!semicolon) return false;
    if (XML_ENTITIES.has(name!)) continue;
    const hex = /^#x([0-9a-fA-F]{1,6})$/.exec(name!);
    const decimal = /^#([0-9]{1,7})$/.exec(name!);
    const code = hex ? parseInt(hex[1]!, 16) : decimal ? Number(decimal[1]) : NaN;
    if (!isXmlChar(code)) return false;
  }
  return true;
}

/** XML 1.0's Char production. */
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
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
  htmlEntities: true, // decodes numeric character references (&#13; in keys); named ones are refused first
  ignoreDeclaration: true,
  ignorePiTags: true,
});

export type XmlParseError = 'MalformedXML' | 'MalformedACLError';

/**
 * Parses a request body into plain objects; malformed XML, or more than limits.xmlElementsMax
 * elements → MalformedXML. Synchronous: the HTTP edge hands ops src/xml/off-loop.ts's
 * parseXmlOffLoop, which runs this in a worker thread for large documents.
 */
export function parseXml(text: string, error: XmlParseError = 'MalformedXML'): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new S3Error(error);
  if (elementsOver(text, limits.xmlElementsMax)) throw new S3Error(error);
  if (text.includes('&') && !referencesAreXml(text)) throw new S3Error(error);
  if (XMLValidator.validate(text) !== true) throw new S3Error(error);
  try {
    return parser.parse(text) as Record<string, unknown>;
  } catch {
    throw new S3Error(error);
  }
}

const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;

/** Whether the text has more than `max` start tags (`<` not followed by `/`, `!` or `?`). */
function elementsOver(text: string, max: number): boolean {
  let count = 0;
  for (let at = text.indexOf('<'); at >= 0; at = text.indexOf('<', at + 1)) {
    const next = text.charCodeAt(at + 1);
    if (next !== SLASH && next !== BANG && next !== QUESTION && ++count > max) return true;
  }
  return false;
}
