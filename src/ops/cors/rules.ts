/**
 * A bucket's CORS configuration: reading the CORSConfiguration document as AWS validates it, its
 * stored form (JSON, opaque to the store), and the evaluation AWS describes: the first rule whose
 * origin, method and (for a preflight) every requested header match answers the request.
 */
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import { childrenOf, integerLeaf, leaf, repeated } from '../config/elements.js';
import { textOf } from '../request-xml.js';
import type { XmlObject } from '../types.js';

export interface CorsRule {
  readonly id?: string;
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds?: number;
}

/** The methods a rule may allow (AWS refuses any other with InvalidRequest). */
export const CORS_METHODS: readonly string[] = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];

const RULE_ELEMENTS = ['ID', 'AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader', 'MaxAgeSeconds'];

/** The parsed `<CORSConfiguration>` element → rules; MalformedXML / InvalidRequest as AWS. */
export function readCorsConfiguration(document: Record<string, unknown>): CorsRule[] {
  const root = childrenOf(document, ['CORSRule']);
  if (root.CORSRule === undefined) throw new S3Error('MalformedXML');
  const rules = repeated(root, 'CORSRule').map(readRule);
  if (rules.length > limits.corsRulesMax) throw new S3Error('MalformedXML');
  return rules;
}

function readRule(value: unknown): CorsRule {
  const rule = childrenOf(value, RULE_ELEMENTS);
  const texts = (name: string) =>
    repeated(rule, name).map((value) => {
      const text = textOf(value);
      if (text === undefined) throw new S3Error('MalformedXML');
      return text;
    });
  const allowedOrigins = texts('AllowedOrigin');
  const allowedMethods = texts('AllowedMethod');
  const allowedHeaders = texts('AllowedHeader');
  const exposeHeaders = texts('ExposeHeader');
  if (allowedOrigins.length === 0 || allowedMethods.length === 0) throw new S3Error('MalformedXML');
  for (const method of allowedMethods) {
    if (!CORS_METHODS.includes(method)) throw new S3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`);
  }
  for (const origin of allowedOrigins) {
    if (wildcards(origin) > 1) throw new S3Error('InvalidRequest', `AllowedOrigin "${origin}" can not have more than one wildcard.`);
  }
  for (const header of allowedHeaders) {
    if (wildcards(header) > 1) throw new S3Error('InvalidRequest', `AllowedHeader "${header}" can not have more than one wildcard.`);
  }
  for (const header of exposeHeaders) {
    if (header.includes('*')) throw new S3Error('InvalidRequest', `ExposeHeader "${header}" contains wildcard. We currently do not support wildcard for ExposeHeader.`);
  }
  const id = leaf(rule, 'ID');
  const maxAgeSeconds = integerLeaf(rule, 'MaxAgeSeconds');
  return {
    ...(id !== undefined ? { id } : {}),
    allowedOrigins,
    allowedMethods,
    allowedHeaders,
    exposeHeaders,
    ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}),
  };
}

function wildcards(text: string): number {
  return text.split('*').length - 1;
}

/** GetBucketCors's document body. */
export function corsConfigurationXml(rules: readonly CorsRule[]): XmlObject {
  return {
    CORSRule: rules.map((rule) => ({
      ID: rule.id,
      AllowedHeader: [...rule.allowedHeaders],
      AllowedMethod: [...rule.allowedMethods],
      AllowedOrigin: [...rule.allowedOrigins],
      ExposeHeader: [...rule.exposeHeaders],
      MaxAgeSeconds: rule.maxAgeSeconds,
    })),
  };
}

/** The stored document (BucketRecord.cors) → rules. */
export function storedCorsRules(document: string): readonly CorsRule[] {
  return JSON.parse(document) as CorsRule[];
}

/** What a CORS request asks for: its origin, the method, and (preflight) the headers it will send, lowercased. */
export interface CorsRequest {
  readonly origin: string;
  readonly method: string;
  readonly headers: readonly string[];
}

/** The first rule that allows the request, as AWS evaluates them (in order). */
export function matchingRule(rules: readonly CorsRule[], request: CorsRequest): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.allowedMethods.includes(request.method) &&
      rule.allowedOrigins.some((pattern) => wildcardMatch(pattern, request.origin, false)) &&
      request.headers.every((header) => rule.allowedHeaders.some((pattern) => wildcardMatch(pattern, header, true))),
  );
}

/** `pattern` with at most one `*` standing for any run of characters (header names: case-insensitive). */
function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  const star = p.indexOf('*');
  if (star < 0) return p === v;
  const prefix = p.slice(0, star);
  const suffix = p.slice(star + 1);
  return v.length >= prefix.length + suffix.length && v.startsWith(prefix) && v.endsWith(suffix);
}

/**
 * The headers a matching rule puts on a response: the origin (`*` when the rule allows any origin;
 * otherwise echoed, with credentials allowed), the rule's methods, exposed headers and max age.
 */
export function corsResponseHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const anyOrigin = rule.allowedOrigins.includes('*') && !rule.allowedOrigins.some((pattern) => pattern !== '*' && wildcardMatch(pattern, origin, false));
  const headers: Record<string, string> = {
    'access-control-allow-origin': anyOrigin ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
  };
  if (!anyOrigin) headers['access-control-allow-credentials'] = 'true';
  if (rule.exposeHeaders.length > 0) headers['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.maxAgeSeconds);
  return headers;
}

/** Every CORS answer varies with these request headers (caches must key on them). */
export const CORS_VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';
