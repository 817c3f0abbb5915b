import { S3Error } from '../../errors.js';
import type { BucketRecord, RetentionMode, VersionLock } from '../../store/meta/metadata-store.js';
import { lockProtects } from '../../store/meta/object-lock.js';
import { OBJECT_LOCKED_MESSAGE } from '../translate-error.js';
import type { OperationContext } from '../types.js';
import { checksumRequestFrom } from '../objects/checksums.js';

type Headers = Readonly<Record<string, string | undefined>>;

export const RETENTION_MODES: readonly RetentionMode[] = ['GOVERNANCE', 'COMPLIANCE'];

const DAY_MS = 86_400_000;

export function requireLockEnabled(bucket: BucketRecord): void {
  if (!bucket.objectLockEnabled) throw new S3Error('InvalidRequest', 'Bucket is missing Object Lock Configuration');
}

export function objectLocked(): S3Error {
  return new S3Error('AccessDenied', OBJECT_LOCKED_MESSAGE);
}

/** A retain-until date as S3 takes it (ISO 8601), which must lie in the future. */
export function parseRetainUntil(text: string, now: Date): Date {
  const trimmed = text.trim();
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(ms)) throw new S3Error('InvalidArgument', 'The retain until date must be provided in ISO 8601 format');
  if (ms <= now.getTime()) throw new S3Error('InvalidArgument', 'The retain until date must be in the future!');
  return new Date(ms);
}

/**
 * The object lock a new version gets (PutObject, CopyObject, CreateMultipartUpload, and POST
 * Object's form fields given as headers): requestedLock, and without a retention of its own the
 * bucket's default retention counted from `now`.
 */
export function newVersionLock(headers: Headers, bucket: BucketRecord, now: Date): VersionLock | undefined {
  return withDefaultRetention(requestedLock(headers, bucket, now), bucket, now);
}

/**
 * The lock a request's headers ask for: `x-amz-object-lock-mode` with `-retain-until-date` (both
 * or neither) and `-legal-hold`, validated as AWS does. Lock headers on a bucket without object
 * lock → InvalidRequest.
 */
export function requestedLock(headers: Headers, bucket: BucketRecord, now: Date): VersionLock | undefined {
  const mode = headers['x-amz-object-lock-mode'];
  const until = headers['x-amz-object-lock-retain-until-date'];
  const hold = headers['x-amz-object-lock-legal-hold'];
  if (mode === undefined && until === undefined && hold === undefined) return undefined;
  requireLockEnabled(bucket);
  if ((mode === undefined) !== (until === undefined)) {
    throw new S3Error('InvalidArgument', 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied');
  }
  if (mode !== undefined && !(RETENTION_MODES as readonly string[]).includes(mode)) throw new S3Error('InvalidArgument', 'Unknown wormMode directive.');
  if (hold !== undefined && hold !== 'ON' && hold !== 'OFF') throw new S3Error('InvalidArgument', "Legal Hold must be either of 'ON' or 'OFF'");
  return {
    ...(mode === undefined ? {} : { retention: { mode: mode as RetentionMode, retainUntil: parseRetainUntil(until!, now) } }),
    ...(hold === undefined ? {} : { legalHold: hold === 'ON' }),
  };
}

/** `lock` with the bucket's default retention (counted from `now`) when it has no retention of its own. */
export function withDefaultRetention(lock: VersionLock | undefined, bucket: BucketRecord, now: Date): VersionLock | undefined {
  const rule = bucket.objectLockEnabled ? bucket.objectLock?.defaultRetention : undefined;
  if (lock?.retention || !rule) return lock;
  const retainUntil = new Date(now.getTime());
  if (rule.years !== undefined) retainUntil.setUTCFullYear(retainUntil.getUTCFullYear() + rule.years);
  else retainUntil.setTime(retainUntil.getTime() + (rule.days ?? 0) * DAY_MS);
  return { ...lock, retention: { mode: rule.mode, retainUntil } };
}

/**
 * AWS protects lock-carrying uploads end to end: a PutObject whose version gets a retention or a
 * legal hold, and each UploadPart of an upload whose version will, needs Content-MD5 or an
 * x-amz-checksum-* header (or trailer).
 */
export function requireIntegrityForLock(headers: Headers, lock: VersionLock | undefined, request: 'Put Object' | 'Put Part'): void {
  if (!lock || (!lock.retention && !lock.legalHold)) return;
  const checksums = checksumRequestFrom(headers);
  if (checksums.contentMd5 === undefined && checksums.algorithm === undefined) {
    throw new S3Error('InvalidRequest', `Content-MD5 OR x-amz-checksum- HTTP header is required for ${request} requests with Object Lock parameters`);
  }
}

/**
 * `x-amz-bypass-governance-retention: true`, from a caller with s3:BypassGovernanceRetention on the
 * object (asked of the one authorizer). A caller without it gets no bypass, so that GOVERNANCE
 * retention answers as it would without the header.
 */
export async function mayBypassGovernance(ctx: OperationContext, key: string): Promise<boolean> {
  if (ctx.headers['x-amz-bypass-governance-retention']?.trim().toLowerCase() !== 'true') return false;
  try {
    await ctx.authorize('s3:BypassGovernanceRetention', { bucket: ctx.bucket.name, key }, { bucket: ctx.bucket });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'AccessDenied') return false;
    throw error;
  }
}

/**
 * GET/HEAD's lock headers, each only for a caller allowed to read it (AWS: s3:GetObjectRetention,
 * s3:GetObjectLegalHold; without them the read still succeeds, without the header).
 */
export async function lockResponseHeaders(ctx: OperationContext, lock: VersionLock | undefined, key: string): Promise<Record<string, string>> {
  if (!lock) return {};
  const headers: Record<string, string> = {};
  if (lock.retention && (await allowed(ctx, 's3:GetObjectRetention', key))) {
    headers['x-amz-object-lock-mode'] = lock.retention.mode;
    headers['x-amz-object-lock-retain-until-date'] = lock.retention.retainUntil.toISOString();
  }
  if (lock.legalHold !== undefined && (await allowed(ctx, 's3:GetObjectLegalHold', key))) {
    headers['x-amz-object-lock-legal-hold'] = lock.legalHold ? 'ON' : 'OFF';
  }
  return headers;
}

async function allowed(ctx: OperationContext, action: string, key: string): Promise<boolean> {
  try {
    await ctx.authorize(action, { bucket: ctx.bucket.name, key }, { bucket: ctx.bucket });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'AccessDenied') return false;
    throw error;
  }
}

/**
 * PutObjectRetention's rule, decided on the version as stored: COMPLIANCE retention in force can
 * be extended (same mode, later date) but never shortened, changed or removed, by anyone;
 * GOVERNANCE retention in force can be extended, and shortened, removed or made COMPLIANCE only
 * with `bypassGovernance` (a change of mode alters the lock's settings, which governance mode
 * keeps to the callers allowed to bypass it). Expired retention no longer binds.
 */
export function checkRetentionChange(current: VersionLock | undefined, next: VersionLock['retention'], now: Date, bypassGovernance: boolean): void {
  const existing = current?.retention;
  if (!existing || !lockProtects({ retention: existing }, now)) return;
  const extends_ = next !== undefined && next.retainUntil.getTime() >= existing.retainUntil.getTime();
  if (existing.mode === 'COMPLIANCE') {
    if (!extends_ || next.mode !== 'COMPLIANCE') throw objectLocked();
    return;
  }
  if ((!extends_ || next.mode !== 'GOVERNANCE') && !bypassGovernance) throw objectLocked();
}
