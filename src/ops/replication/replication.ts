/**
 * Put/Get/DeleteBucketReplication: the document is validated as S3 validates it (versioning on
 * the source, each destination a bucket that exists — on this server, versioned, and writable
 * by the caller — or one the server's replication config declares) and stored as JSON
 * (replication/rules.ts). Writes then record a replication work item with each new version or
 * delete marker a rule selects (./work-items.ts); src/jobs/replicator.ts copies it.
 */
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { Tag } from '../../store/meta/metadata-store.js';
import { bucketOfArn, type ReplicationConfiguration, type ReplicationFilter, type ReplicationRule } from '../../replication/rules.js';
import { childrenOf, enumLeaf, integerLeaf, leaf, repeated, requiredLeaf, single, type Element } from '../config/elements.js';
import { opaqueId } from '../opaque-id.js';
import { readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationResult, XmlObject } from '../types.js';
import { replicationConfigOf } from './work-items.js';

const STORAGE_CLASSES = [
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR',
] as const;

export async function putBucketReplication(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const document = (await readXmlDocument(ctx, 'ReplicationConfiguration'))!;
  const config = parseConfiguration(document);
  if (bucket.versioning !== 'Enabled') {
    throw new S3Error('InvalidRequest', "Versioning must be 'Enabled' on the bucket to apply a replication configuration");
  }
  for (const arn of new Set(config.rules.map((rule) => rule.destination.bucketArn))) await checkDestination(ctx, arn);
  await ctx.services.meta.putBucketConfig(bucket.name, 'replication', JSON.stringify(config));
  return {};
}

export async function getBucketReplication(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const config = await replicationConfigOf(ctx.services.meta, bucket.name);
  if (!config) throw new S3Error('ReplicationConfigurationNotFoundError', undefined, { BucketName: bucket.name });
  return { xml: { root: 'ReplicationConfiguration', body: { Role: config.role, Rule: config.rules.map(ruleXml) } } };
}

export async function deleteBucketReplication(ctx: OperationContext): Promise<OperationResult> {
  await ctx.services.meta.putBucketConfig(ctx.bucket.name, 'replication', undefined);
  return { status: 204 };
}

/**
 * A destination declared in the server's replication config is taken as it is (it is checked
 * at each copy). A local one must exist, have versioning enabled, and take the caller's
 * replicas: replication writes into it with the source owner's authority.
 */
async function checkDestination(ctx: OperationContext, arn: string): Promise<void> {
  if (ctx.services.replicationDestinations.has(arn)) return;
  const name = bucketOfArn(arn)!;
  const destination = await ctx.services.meta.getBucket(name);
  if (!destination) throw new S3Error('InvalidRequest', 'Destination bucket must exist.');
  if (destination.versioning !== 'Enabled') throw new S3Error('InvalidRequest', 'Destination bucket must have versioning enabled.');
  await ctx.authorize('s3:ReplicateObject', { bucket: name, key: '' }, { bucket: destination });
}

// ---- reading the document ----

function parseConfiguration(document: Element): ReplicationConfiguration {
  const root = childrenOf(document, ['Role', 'Rule']);
  const role = requiredLeaf(root, 'Role');
  const ruleElements = repeated(root, 'Rule');
  if (ruleElements.length === 0 || ruleElements.length > limits.replicationRulesMax) throw new S3Error('MalformedXML');
  const rules = ruleElements.map(parseRule);
  const ids = new Set<string>();
  const priorities = new Set<number>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw new S3Error('InvalidArgument', 'Rule Id must be unique');
    ids.add(rule.id);
    if (rule.priority === undefined) continue;
    if (priorities.has(rule.priority)) throw new S3Error('InvalidRequest', `Found duplicate priority ${rule.priority}.`);
    priorities.add(rule.priority);
  }
  if (rules.some((r) => r.priority === undefined) && rules.some((r) => r.priority !== undefined)) {
    // S3 does not let the two schemas mix: a rule-level Prefix beside rules with a Filter.
    throw new S3Error('InvalidRequest', 'Replication configuration cannot mix rules with Prefix and rules with Filter.');
  }
  return { role, rules };
}

const RULE_CHILDREN = [
  'ID', 'Priority', 'Prefix', 'Filter', 'Status', 'SourceSelectionCriteria', 'ExistingObjectReplication', 'Destination', 'DeleteMarkerReplication',
];

function parseRule(value: unknown): ReplicationRule {
  const rule = childrenOf(value, RULE_CHILDREN);
  const status = enumLeaf(rule, 'Status', ['Enabled', 'Disabled'] as const);
  const destinationElement = single(rule, 'Destination');
  if (status === undefined || destinationElement === undefined) throw new S3Error('MalformedXML');
  const givenId = leaf(rule, 'ID');
  if (givenId !== undefined && [...givenId].length > limits.replicationRuleIdCharsMax) {
    throw new S3Error('InvalidArgument', `ID length should not exceed allowed limit of ${limits.replicationRuleIdCharsMax}`);
  }
  const filter = parseRuleFilter(rule);
  const legacy = filter.form === 'legacy-prefix';
  const priority = integerLeaf(rule, 'Priority');
  if (priority !== undefined && priority < 0) throw new S3Error('InvalidArgument', 'Priority must not be negative');
  if (legacy && priority !== undefined) throw new S3Error('InvalidRequest', 'Priority cannot be used with a rule-level Prefix; use a Filter.');
  const deleteMarkers = single(rule, 'DeleteMarkerReplication');
  if (legacy && deleteMarkers !== undefined) {
    throw new S3Error('InvalidRequest', 'DeleteMarkerReplication cannot be used with a rule-level Prefix; use a Filter.');
  }
  if (!legacy && deleteMarkers === undefined) {
    throw new S3Error('InvalidRequest', 'DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.');
  }
  const deleteMarkerStatus = deleteMarkers === undefined ? 'Enabled' : enumLeaf(childrenOf(deleteMarkers, ['Status']), 'Status', ['Enabled', 'Disabled'] as const);
  if (deleteMarkerStatus === undefined) throw new S3Error('MalformedXML');
  if (deleteMarkerStatus === 'Enabled' && filter.tags.length > 0) {
    throw new S3Error('InvalidRequest', 'Delete marker replication is not supported if any Tag filter is specified.');
  }
  refuseUnsupported(rule);
  return {
    id: givenId === undefined || givenId === '' ? opaqueId(36) : givenId,
    ...(legacy ? {} : { priority: priority ?? 0 }),
    status,
    filter,
    deleteMarkerReplication: deleteMarkerStatus === 'Enabled',
    ...(single(rule, 'ExistingObjectReplication') === undefined ? {} : { existingObjectReplication: 'Disabled' as const }),
    destination: parseDestination(destinationElement),
  };
}

/**
 * What Coffer does not do is refused, never accepted and ignored: replicating the objects that
 * existed before the rule (S3 does it only through Batch Replication), replica modification
 * sync, and KMS (Coffer has no KMS keys).
 */
function refuseUnsupported(rule: Element): void {
  const existing = single(rule, 'ExistingObjectReplication');
  if (existing !== undefined && enumLeaf(childrenOf(existing, ['Status']), 'Status', ['Enabled', 'Disabled'] as const) !== 'Disabled') {
    throw new S3Error('NotImplemented', 'ExistingObjectReplication is not supported by this server; only new writes are replicated.');
  }
  const criteria = single(rule, 'SourceSelectionCriteria');
  if (criteria === undefined) return;
  const element = childrenOf(criteria, ['SseKmsEncryptedObjects', 'ReplicaModifications']);
  for (const name of ['SseKmsEncryptedObjects', 'ReplicaModifications']) {
    const child = single(element, name);
    if (child === undefined) continue;
    if (enumLeaf(childrenOf(child, ['Status']), 'Status', ['Enabled', 'Disabled'] as const) !== 'Disabled') {
      throw new S3Error('NotImplemented', `SourceSelectionCriteria ${name} is not supported by this server.`);
    }
  }
}

function parseDestination(value: unknown): ReplicationRule['destination'] {
  const destination = childrenOf(value, ['Bucket', 'Account', 'StorageClass', 'AccessControlTranslation', 'EncryptionConfiguration', 'ReplicationTime', 'Metrics']);
  for (const name of ['AccessControlTranslation', 'EncryptionConfiguration', 'ReplicationTime', 'Metrics']) {
    if (single(destination, name) !== undefined) throw new S3Error('NotImplemented', `Destination ${name} is not supported by this server.`);
  }
  const bucketArn = requiredLeaf(destination, 'Bucket').trim();
  if (!bucketOfArn(bucketArn)) throw new S3Error('InvalidArgument', 'Invalid bucket ARN.', { ArgumentName: 'Bucket', ArgumentValue: bucketArn });
  const storageClass = enumLeaf(destination, 'StorageClass', STORAGE_CLASSES);
  const account = leaf(destination, 'Account');
  return { bucketArn, ...(storageClass === undefined ? {} : { storageClass }), ...(account === undefined ? {} : { account }) };
}

function parseRuleFilter(rule: Element): ReplicationFilter {
  const legacyPrefix = leaf(rule, 'Prefix');
  const filterElement = single(rule, 'Filter');
  if (legacyPrefix !== undefined && filterElement !== undefined) throw new S3Error('MalformedXML');
  if (legacyPrefix !== undefined) return { form: 'legacy-prefix', prefix: legacyPrefix, tags: [] };
  if (filterElement === undefined) return { form: 'none', tags: [] };
  const filter = childrenOf(filterElement, ['Prefix', 'Tag', 'And']);
  const present = Object.keys(filter).filter((name) => name !== '#text');
  if (present.length === 0) return { form: 'none', tags: [] };
  if (present.length > 1) throw new S3Error('MalformedXML');
  const andElement = single(filter, 'And');
  if (andElement === undefined) {
    const prefix = leaf(filter, 'Prefix');
    const tag = single(filter, 'Tag');
    return { form: 'filter', ...(prefix === undefined ? {} : { prefix }), tags: tag === undefined ? [] : [parseTag(tag)] };
  }
  const and = childrenOf(andElement, ['Prefix', 'Tag']);
  const prefix = leaf(and, 'Prefix');
  const tags = repeated(and, 'Tag').map(parseTag);
  const keys = new Set<string>();
  for (const tag of tags) {
    if (keys.has(tag.key)) throw new S3Error('InvalidRequest', 'Duplicate Tag Keys are not allowed.');
    keys.add(tag.key);
  }
  return { form: 'and', ...(prefix === undefined ? {} : { prefix }), tags };
}

function parseTag(value: unknown): Tag {
  const tag = childrenOf(value, ['Key', 'Value']);
  return { key: requiredLeaf(tag, 'Key'), value: requiredLeaf(tag, 'Value') };
}

// ---- answering it back ----

function ruleXml(rule: ReplicationRule): XmlObject {
  const { filter, destination } = rule;
  return {
    ID: rule.id,
    ...(rule.priority === undefined ? {} : { Priority: rule.priority }),
    ...(filter.form === 'legacy-prefix' ? { Prefix: filter.prefix ?? '' } : { Filter: filterXml(filter) }),
    Status: rule.status,
    ...(rule.existingObjectReplication ? { ExistingObjectReplication: { Status: rule.existingObjectReplication } } : {}),
    Destination: {
      Bucket: destination.bucketArn,
      ...(destination.account === undefined ? {} : { Account: destination.account }),
      ...(destination.storageClass === undefined ? {} : { StorageClass: destination.storageClass }),
    },
    ...(filter.form === 'legacy-prefix' ? {} : { DeleteMarkerReplication: { Status: rule.deleteMarkerReplication ? 'Enabled' : 'Disabled' } }),
  };
}

function filterXml(filter: ReplicationFilter): XmlObject | string {
  const tagXml = (tag: Tag) => ({ Key: tag.key, Value: tag.value });
  switch (filter.form) {
    case 'and':
      return { And: { ...(filter.prefix === undefined ? {} : { Prefix: filter.prefix }), Tag: filter.tags.map(tagXml) } };
    case 'filter':
      return filter.prefix !== undefined ? { Prefix: filter.prefix } : { Tag: tagXml(filter.tags[0]!) };
    default:
      return '';
  }
}
