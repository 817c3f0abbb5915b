import { S3Error } from '../../errors.js';
import { StoreError, type DefaultRetention, type ObjectVersion, type RetentionMode, type VersionLock } from '../../store/meta/metadata-store.js';
import { NULL_VERSION_ID } from '../versioning/version-ids.js';
import { readXmlDocument, textOf } from '../request-xml.js';
import type { OperationContext, OperationResult, XmlObject } from '../types.js';
import { checkRetentionChange, mayBypassGovernance, parseRetainUntil, requireLockEnabled, RETENTION_MODES } from './lock-headers.js';
import { findVersion } from '../objects/objects.js';

/** AWS's bounds on a default retention period. */
const DEFAULT_RETENTION_DAYS_MAX = 36_500;
const DEFAULT_RETENTION_YEARS_MAX = 100;

/**
 * PutObjectLockConfiguration: enables object lock on a bucket whose versioning is Enabled (it can
 * then never be suspended) and sets or clears its default retention. The body must carry
 * Content-MD5 or a checksum, as AWS requires.
 */
export async function putObjectLockConfiguration(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const doc = (await readXmlDocument(ctx, 'ObjectLockConfiguration', { integrityRequired: true }))!;
  const only = (element: Record<string, unknown>, names: readonly string[]) => {
    if (Object.keys(element).some((name) => !names.includes(name))) throw new S3Error('MalformedXML');
  };
  only(doc, ['ObjectLockEnabled', 'Rule']);
  if (textOf(doc.ObjectLockEnabled) !== 'Enabled') throw new S3Error('MalformedXML');
  let defaultRetention: DefaultRetention | undefined;
  if (doc.Rule !== undefined) {
    const rule = element(doc.Rule);
    only(rule, ['DefaultRetention']);
    const retention = element(rule.DefaultRetention);
    only(retention, ['Mode', 'Days', 'Years']);
    const mode = textOf(retention.Mode);
    if (mode === undefined || !(RETENTION_MODES as readonly string[]).includes(mode)) throw new S3Error('MalformedXML');
    if ((retention.Days === undefined) === (retention.Years === undefined)) throw new S3Error('MalformedXML');
    defaultRetention = retention.Days !== undefined
      ? { mode: mode as RetentionMode, days: period(retention.Days, 'Days', DEFAULT_RETENTION_DAYS_MAX) }
      : { mode: mode as RetentionMode, years: period(retention.Years, 'Years', DEFAULT_RETENTION_YEARS_MAX) };
  }
  if (!bucket.objectLockEnabled && bucket.versioning !== 'Enabled') {
    throw new S3Error('InvalidBucketState', "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration");
  }
  await ctx.services.meta.setObjectLockConfiguration(bucket.name, defaultRetention ? { defaultRetention } : {});
  return {};
}

function element(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new S3Error('MalformedXML');
  return value as Record<string, unknown>;
}

/** Days or Years of a default retention: a positive integer (InvalidArgument, as AWS), within AWS's bound. */
function period(value: unknown, name: 'Days' | 'Years', max: number): number {
  const text = textOf(value)?.trim() ?? '';
  if (!/^-?\d{1,12}$/.test(text)) throw new S3Error('MalformedXML');
  const count = Number(text);
  if (count <= 0) throw new S3Error('InvalidArgument', 'Default retention period must be a positive integer value.', { ArgumentName: name, ArgumentValue: text });
  if (count > max) throw new S3Error('InvalidRetentionPeriod');
  return count;
}

/** GetObjectLockConfiguration: 404 ObjectLockConfigurationNotFoundError unless the bucket has object lock. */
export async function getObjectLockConfiguration(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  if (!bucket.objectLockEnabled) throw new S3Error('ObjectLockConfigurationNotFoundError', undefined, { BucketName: bucket.name });
  const rule = bucket.objectLock?.defaultRetention;
  const body: XmlObject = {
    ObjectLockEnabled: 'Enabled',
    ...(rule ? { Rule: { DefaultRetention: { Mode: rule.mode, ...(rule.days !== undefined ? { Days: rule.days } : { Years: rule.years! }) } } } : {}),
  };
  return { xml: { root: 'ObjectLockConfiguration', body } };
}

/**
 * PutObjectRetention: sets, extends, shortens or (an empty `<Retention/>`) removes a version's
 * retention, as checkRetentionChange allows, decided in the store's transaction on the version as
 * it is then.
 */
export async function putObjectRetention(ctx: OperationContext): Promise<OperationResult> {
  requireLockEnabled(ctx.bucket);
  const doc = (await readXmlDocument(ctx, 'Retention', { integrityRequired: true }))!;
  if (Object.keys(doc).some((name) => name !== 'Mode' && name !== 'RetainUntilDate')) throw new S3Error('MalformedXML');
  const mode = doc.Mode === undefined ? undefined : textOf(doc.Mode);
  const until = doc.RetainUntilDate === undefined ? undefined : textOf(doc.RetainUntilDate);
  if ((mode === undefined) !== (until === undefined)) throw new S3Error('MalformedXML');
  if (mode !== undefined && !(RETENTION_MODES as readonly string[]).includes(mode)) throw new S3Error('MalformedXML');
  const now = new Date();
  const retention = mode === undefined ? undefined : { mode: mode as RetentionMode, retainUntil: parseRetainUntil(until!, now) };
  const bypassGovernance = await mayBypassGovernance(ctx, ctx.route.key);
  await updateLock(ctx, (current) => {
    checkRetentionChange(current.lock, retention, now, bypassGovernance);
    return { ...(retention ? { retention } : {}), ...(current.lock?.legalHold === undefined ? {} : { legalHold: current.lock.legalHold }) };
  });
  return {};
}

export async function getObjectRetention(ctx: OperationContext): Promise<OperationResult> {
  requireLockEnabled(ctx.bucket);
  const version = await findVersion(ctx, ctx.bucket);
  const retention = version.lock?.retention;
  if (!retention) throw new S3Error('NoSuchObjectLockConfiguration');
  return { xml: { root: 'Retention', body: { Mode: retention.mode, RetainUntilDate: retention.retainUntil.toISOString() } } };
}

/** PutObjectLegalHold: ON or OFF, by anyone allowed s3:PutObjectLegalHold (no mode binds it). */
export async function putObjectLegalHold(ctx: OperationContext): Promise<OperationResult> {
  requireLockEnabled(ctx.bucket);
  const doc = (await readXmlDocument(ctx, 'LegalHold', { integrityRequired: true }))!;
  if (Object.keys(doc).some((name) => name !== 'Status')) throw new S3Error('MalformedXML');
  const status = textOf(doc.Status);
  if (status !== 'ON' && status !== 'OFF') throw new S3Error('MalformedXML');
  await updateLock(ctx, (current) => ({ ...current.lock, legalHold: status === 'ON' }));
  return {};
}

export async function getObjectLegalHold(ctx: OperationContext): Promise<OperationResult> {
  requireLockEnabled(ctx.bucket);
  const version = await findVersion(ctx, ctx.bucket);
  const hold = version.lock?.legalHold;
  if (hold === undefined) throw new S3Error('NoSuchObjectLockConfiguration');
  return { xml: { root: 'LegalHold', body: { Status: hold ? 'ON' : 'OFF' } } };
}

/** Changes the lock of the version the request names (as GET names it: a delete marker has none). */
async function updateLock(ctx: OperationContext, change: (version: ObjectVersion) => VersionLock): Promise<ObjectVersion> {
  const found = await findVersion(ctx, ctx.bucket);
  try {
    return await ctx.services.meta.updateVersionLock(ctx.bucket.name, found.key, found.versionId, (version) => {
      if (version.isDeleteMarker) throw new StoreError('VersionNotFound');
      return change(version);
    });
  } catch (error) {
    if (error instanceof StoreError && error.code === 'VersionNotFound') {
      const versionId = ctx.params.versionId();
      if (versionId !== undefined && versionId !== NULL_VERSION_ID) throw new S3Error('NoSuchVersion', undefined, { Key: found.key, VersionId: versionId });
      throw new S3Error('NoSuchKey', undefined, { Key: found.key });
    }
    throw error;
  }
}
