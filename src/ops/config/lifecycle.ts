/**
 * Put/Get/DeleteBucketLifecycle(Configuration): the document is validated with AWS's messages
 * and stored as JSON (jobs/lifecycle/rules.ts); the executor (jobs/lifecycle/executor.ts) acts
 * on it. The legacy PutBucketLifecycle / GetBucketLifecycle use the same sub-resource and a
 * rule-level <Prefix>, which is accepted and answered back in that form.
 */
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { Tag } from '../../store/meta/metadata-store.js';
import type {
  DaysOrDate,
  LifecycleConfiguration,
  LifecycleFilter,
  LifecycleRule,
  NoncurrentAction,
  NoncurrentTransition,
  Transition,
} from '../../jobs/lifecycle/rules.js';
import { parseLifecycleDocument } from '../../jobs/lifecycle/rules.js';
import { opaqueId } from '../opaque-id.js';
import { readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationResult, XmlObject } from '../types.js';
import { childrenOf, enumLeaf, integerLeaf, leaf, repeated, requiredLeaf, single, type Element } from './elements.js';

const TRANSITION_STORAGE_CLASSES = ['GLACIER', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'DEEP_ARCHIVE', 'GLACIER_IR'] as const;
/** Storage classes AWS lets objects enter only after 30 days. */
const THIRTY_DAY_CLASSES = new Set(['STANDARD_IA', 'ONEZONE_IA']);
const MINIMUM_SIZE_HEADER = 'x-amz-transition-default-minimum-object-size';
const MINIMUM_SIZE_VALUES = ['all_storage_classes_128K', 'varies_by_storage_class'] as const;

export interface StoredLifecycle extends LifecycleConfiguration {
  readonly transitionDefaultMinimumObjectSize: (typeof MINIMUM_SIZE_VALUES)[number];
}

export async function putBucketLifecycleConfiguration(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  const minimumSize = ctx.headers[MINIMUM_SIZE_HEADER] ?? 'all_storage_classes_128K';
  if (!(MINIMUM_SIZE_VALUES as readonly string[]).includes(minimumSize)) {
    throw new S3Error('InvalidRequest', `Invalid value for ${MINIMUM_SIZE_HEADER} header`);
  }
  const document = (await readXmlDocument(ctx, 'LifecycleConfiguration', { integrityRequired: true }))!;
  const config: StoredLifecycle = {
    rules: parseRules(document),
    transitionDefaultMinimumObjectSize: minimumSize as StoredLifecycle['transitionDefaultMinimumObjectSize'],
  };
  await ctx.services.meta.putBucketConfig(bucket.name, 'lifecycle', JSON.stringify(config));
  return { headers: { [MINIMUM_SIZE_HEADER]: config.transitionDefaultMinimumObjectSize } };
}

export async function getBucketLifecycleConfiguration(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  const document = await ctx.services.meta.getBucketConfig(bucket.name, 'lifecycle');
  if (document === undefined) throw new S3Error('NoSuchLifecycleConfiguration', undefined, { BucketName: bucket.name });
  const config = parseLifecycleDocument(document) as StoredLifecycle;
  return {
    headers: { [MINIMUM_SIZE_HEADER]: config.transitionDefaultMinimumObjectSize },
    xml: { root: 'LifecycleConfiguration', body: { Rule: config.rules.map(ruleXml) } },
  };
}

export async function deleteBucketLifecycle(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  await ctx.services.meta.putBucketConfig(bucket.name, 'lifecycle', undefined);
  return { status: 204 };
}

// ---- reading the document ----

function parseRules(document: Element): LifecycleRule[] {
  const root = childrenOf(document, ['Rule']);
  const ruleElements = repeated(root, 'Rule');
  if (ruleElements.length === 0 || ruleElements.length > limits.lifecycleRulesMax) throw new S3Error('MalformedXML');
  const rules = ruleElements.map(parseRule);
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw new S3Error('InvalidArgument', 'Rule ID must be unique. Found same ID for more than one rule');
    ids.add(rule.id);
  }
  return rules;
}

const RULE_CHILDREN = [
  'ID', 'Prefix', 'Filter', 'Status', 'Expiration', 'Transition', 'NoncurrentVersionExpiration',
  'NoncurrentVersionTransition', 'AbortIncompleteMultipartUpload',
];

function parseRule(value: unknown): LifecycleRule {
  const rule = childrenOf(value, RULE_CHILDREN);
  const status = enumLeaf(rule, 'Status', ['Enabled', 'Disabled'] as const);
  if (status === undefined) throw new S3Error('MalformedXML');
  const givenId = leaf(rule, 'ID');
  if (givenId !== undefined && [...givenId].length > limits.lifecycleRuleIdCharsMax) {
    throw new S3Error('InvalidArgument', `ID length should not exceed allowed limit of ${limits.lifecycleRuleIdCharsMax}`);
  }
  const filter = parseRuleFilter(rule);
  const expirationElement = single(rule, 'Expiration');
  const noncurrentElement = single(rule, 'NoncurrentVersionExpiration');
  const abortElement = single(rule, 'AbortIncompleteMultipartUpload');
  const parsed: LifecycleRule = {
    id: givenId === undefined || givenId === '' ? opaqueId(36) : givenId,
    status,
    filter,
    ...(expirationElement === undefined ? {} : { expiration: parseExpiration(expirationElement, filter) }),
    transitions: repeated(rule, 'Transition').map(parseTransition),
    ...(noncurrentElement === undefined ? {} : { noncurrentVersionExpiration: parseNoncurrentExpiration(noncurrentElement) }),
    noncurrentVersionTransitions: repeated(rule, 'NoncurrentVersionTransition').map(parseNoncurrentTransition),
    ...(abortElement === undefined ? {} : { abortIncompleteMultipartUpload: parseAbort(abortElement, filter) }),
  };
  const hasAction = parsed.expiration || parsed.transitions.length > 0 || parsed.noncurrentVersionExpiration
    || parsed.noncurrentVersionTransitions.length > 0 || parsed.abortIncompleteMultipartUpload;
  if (!hasAction) throw new S3Error('InvalidRequest', 'At least one action needs to be specified in a rule');
  checkActionTimes(parsed);
  return parsed;
}

/**
 * A rule's current-version actions use one unit of time — every Transition and a timed
 * Expiration all by days or all by date — and the expiration comes after every transition.
 */
function checkActionTimes(rule: LifecycleRule): void {
  const prefix = `prefix '${rule.filter.prefix ?? ''}'`;
  const where = `in lifecycle rule for ${prefix}`;
  const byDays = rule.transitions.filter((t) => t.days !== undefined);
  if (byDays.length > 0 && byDays.length < rule.transitions.length) throw new S3Error('InvalidRequest', `Found mixed 'Date' and 'Days' based Transition actions ${where}`);
  const expiration = rule.expiration;
  if (expiration === undefined || rule.transitions.length === 0 || (expiration.days === undefined && expiration.date === undefined)) return;
  if ((expiration.days !== undefined) !== (byDays.length > 0)) throw new S3Error('InvalidRequest', `Found mixed 'Date' and 'Days' based Expiration and Transition actions ${where}`);
  const action = `in the Expiration action for ${prefix}`;
  for (const transition of rule.transitions) {
    if (expiration.days !== undefined && expiration.days <= transition.days!) {
      throw new S3Error('InvalidArgument', `'Days' ${action} must be greater than 'Days' in the Transition action`);
    }
    if (expiration.date !== undefined && Date.parse(expiration.date) <= Date.parse(transition.date!)) {
      throw new S3Error('InvalidArgument', `'Date' ${action} must be later than 'Date' in the Transition action`);
    }
  }
}

function parseRuleFilter(rule: Element): LifecycleFilter {
  const legacyPrefix = leaf(rule, 'Prefix');
  const filterElement = single(rule, 'Filter');
  if (legacyPrefix !== undefined && filterElement !== undefined) throw new S3Error('MalformedXML');
  if (legacyPrefix !== undefined) return { form: 'legacy-prefix', prefix: legacyPrefix, tags: [] };
  if (filterElement === undefined) throw new S3Error('MalformedXML');
  const filter = childrenOf(filterElement, ['Prefix', 'Tag', 'And', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan']);
  const present = Object.keys(filter).filter((name) => name !== '#text');
  if (present.length === 0) return { form: 'none', tags: [] };
  if (present.length > 1) throw new S3Error('MalformedXML');
  const andElement = single(filter, 'And');
  if (andElement === undefined) return { form: 'filter', ...conditions(filter, false) };
  const and = childrenOf(andElement, ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan']);
  return { form: 'and', ...conditions(and, true) };
}

/** The conditions of a <Filter> (one of them) or an <And> (several; tags may repeat). */
function conditions(element: Element, inAnd: boolean): Omit<LifecycleFilter, 'form'> {
  const prefix = leaf(element, 'Prefix');
  const tags = (inAnd ? repeated(element, 'Tag') : element.Tag === undefined ? [] : [single(element, 'Tag')]).map(parseTag);
  const greater = integerLeaf(element, 'ObjectSizeGreaterThan');
  const less = integerLeaf(element, 'ObjectSizeLessThan');
  if ((greater !== undefined && greater < 0) || (less !== undefined && less < 0)) throw new S3Error('MalformedXML');
  if (greater !== undefined && less !== undefined && greater >= less) {
    throw new S3Error('InvalidArgument', 'ObjectSizeGreaterThan must be less than ObjectSizeLessThan');
  }
  const keys = new Set<string>();
  for (const tag of tags) {
    if (keys.has(tag.key)) throw new S3Error('InvalidRequest', 'Duplicate Tag Keys are not allowed.');
    keys.add(tag.key);
  }
  return {
    ...(prefix === undefined ? {} : { prefix }),
    tags,
    ...(greater === undefined ? {} : { objectSizeGreaterThan: greater }),
    ...(less === undefined ? {} : { objectSizeLessThan: less }),
  };
}

function parseTag(value: unknown): Tag {
  const tag = childrenOf(value, ['Key', 'Value']);
  return { key: requiredLeaf(tag, 'Key'), value: requiredLeaf(tag, 'Value') };
}

function positiveDays(value: number | undefined, message: string): number | undefined {
  if (value !== undefined && value <= 0) throw new S3Error('InvalidArgument', message);
  return value;
}

function parseDate(element: Element): string | undefined {
  const text = leaf(element, 'Date');
  if (text === undefined) return undefined;
  const time = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim()) || Number.isNaN(time)) throw new S3Error('MalformedXML');
  if (time % 86_400_000 !== 0) throw new S3Error('InvalidArgument', "'Date' must be at midnight GMT");
  return new Date(time).toISOString();
}

function parseExpiration(value: unknown, filter: LifecycleFilter): LifecycleRule['expiration'] {
  const expiration = childrenOf(value, ['Days', 'Date', 'ExpiredObjectDeleteMarker']);
  const days = positiveDays(integerLeaf(expiration, 'Days'), "'Days' for Expiration action must be a positive integer");
  const date = parseDate(expiration);
  const marker = enumLeaf(expiration, 'ExpiredObjectDeleteMarker', ['true', 'false'] as const);
  if ([days, date, marker].filter((v) => v !== undefined).length !== 1) throw new S3Error('MalformedXML');
  if (marker !== undefined && filter.tags.length > 0) {
    throw new S3Error('InvalidRequest', 'ExpiredObjectDeleteMarker cannot be specified with Tags.');
  }
  return { ...(days === undefined ? {} : { days }), ...(date === undefined ? {} : { date }), ...(marker === undefined ? {} : { expiredObjectDeleteMarker: marker === 'true' }) };
}

function parseTransition(value: unknown): Transition {
  const transition = childrenOf(value, ['Days', 'Date', 'StorageClass']);
  const storageClass = enumLeaf(transition, 'StorageClass', TRANSITION_STORAGE_CLASSES);
  const days = integerLeaf(transition, 'Days');
  const date = parseDate(transition);
  if (storageClass === undefined || (days === undefined) === (date === undefined)) throw new S3Error('MalformedXML');
  if (days !== undefined && days < 0) throw new S3Error('InvalidArgument', "'Days' in Transition action must be nonnegative");
  if (days !== undefined && days < 30 && THIRTY_DAY_CLASSES.has(storageClass)) {
    throw new S3Error('InvalidArgument', `'Days' in Transition action must be greater than or equal to 30 for storageClass '${storageClass}'`);
  }
  return { storageClass, ...(days === undefined ? {} : { days }), ...(date === undefined ? {} : { date }) };
}

function parseNoncurrent(element: Element, action: string): NoncurrentAction {
  const noncurrentDays = integerLeaf(element, 'NoncurrentDays');
  if (noncurrentDays === undefined) throw new S3Error('MalformedXML');
  const newer = integerLeaf(element, 'NewerNoncurrentVersions');
  if (action === 'NoncurrentVersionExpiration') positiveDays(noncurrentDays, "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
  else if (noncurrentDays < 0) throw new S3Error('InvalidArgument', "'NoncurrentDays' for NoncurrentVersionTransition action must be nonnegative");
  if (newer !== undefined && (newer < 1 || newer > limits.newerNoncurrentVersionsMax)) {
    throw new S3Error('InvalidArgument', `'NewerNoncurrentVersions' for ${action} action must be a positive integer up to ${limits.newerNoncurrentVersionsMax}`);
  }
  return { noncurrentDays, ...(newer === undefined ? {} : { newerNoncurrentVersions: newer }) };
}

function parseNoncurrentExpiration(value: unknown): NoncurrentAction {
  return parseNoncurrent(childrenOf(value, ['NoncurrentDays', 'NewerNoncurrentVersions']), 'NoncurrentVersionExpiration');
}

function parseNoncurrentTransition(value: unknown): NoncurrentTransition {
  const element = childrenOf(value, ['NoncurrentDays', 'NewerNoncurrentVersions', 'StorageClass']);
  const storageClass = enumLeaf(element, 'StorageClass', TRANSITION_STORAGE_CLASSES);
  if (storageClass === undefined) throw new S3Error('MalformedXML');
  const action = parseNoncurrent(element, 'NoncurrentVersionTransition');
  if (action.noncurrentDays < 30 && THIRTY_DAY_CLASSES.has(storageClass)) {
    throw new S3Error('InvalidArgument', `'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 for storageClass '${storageClass}'`);
  }
  return { ...action, storageClass };
}

function parseAbort(value: unknown, filter: LifecycleFilter): LifecycleRule['abortIncompleteMultipartUpload'] {
  const abort = childrenOf(value, ['DaysAfterInitiation']);
  const days = positiveDays(integerLeaf(abort, 'DaysAfterInitiation'), "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer");
  if (days === undefined) throw new S3Error('MalformedXML');
  if (filter.tags.length > 0) throw new S3Error('InvalidRequest', 'AbortIncompleteMultipartUpload cannot be specified with Tags.');
  if (filter.objectSizeGreaterThan !== undefined || filter.objectSizeLessThan !== undefined) {
    throw new S3Error('InvalidRequest', 'AbortIncompleteMultipartUpload cannot be specified with an object size filter.');
  }
  return { daysAfterInitiation: days };
}

// ---- writing it back ----

function ruleXml(rule: LifecycleRule): XmlObject {
  const { filter } = rule;
  return {
    ...(rule.expiration ? { Expiration: expirationXml(rule.expiration) } : {}),
    ID: rule.id,
    ...(filter.form === 'legacy-prefix' ? { Prefix: filter.prefix } : { Filter: filterXml(filter) }),
    Status: rule.status,
    Transition: rule.transitions.map((t) => ({ ...daysOrDateXml(t), StorageClass: t.storageClass })),
    NoncurrentVersionTransition: rule.noncurrentVersionTransitions.map((t) => ({ ...noncurrentXml(t), StorageClass: t.storageClass })),
    ...(rule.noncurrentVersionExpiration ? { NoncurrentVersionExpiration: noncurrentXml(rule.noncurrentVersionExpiration) } : {}),
    ...(rule.abortIncompleteMultipartUpload
      ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.abortIncompleteMultipartUpload.daysAfterInitiation } }
      : {}),
  };
}

function filterXml(filter: LifecycleFilter): XmlObject | string {
  const conditionsXml: XmlObject = {
    Prefix: filter.prefix,
    Tag: filter.tags.map((t) => ({ Key: t.key, Value: t.value })),
    ObjectSizeGreaterThan: filter.objectSizeGreaterThan,
    ObjectSizeLessThan: filter.objectSizeLessThan,
  };
  if (filter.form === 'none') return '';
  return filter.form === 'and' ? { And: conditionsXml } : conditionsXml;
}

function daysOrDateXml(action: DaysOrDate): XmlObject {
  return { Date: action.date, Days: action.days };
}

function expirationXml(expiration: NonNullable<LifecycleRule['expiration']>): XmlObject {
  return { ...daysOrDateXml(expiration), ExpiredObjectDeleteMarker: expiration.expiredObjectDeleteMarker };
}

function noncurrentXml(action: NoncurrentAction): XmlObject {
  return { NoncurrentDays: action.noncurrentDays, NewerNoncurrentVersions: action.newerNoncurrentVersions };
}
