import { S3Error } from '../../errors.js';
import { textOf } from '../request-xml.js';
import { readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationResult } from '../types.js';

const STATUSES = ['Enabled', 'Suspended'] as const;
const MFA_DELETE_VALUES = ['Enabled', 'Disabled'] as const;

/**
 * PutBucketVersioning. The document must validate against AWS's schema (`Status`: Enabled |
 * Suspended, `MfaDelete`: Enabled | Disabled, nothing else) or the answer is MalformedXML; a
 * document that says nothing at all is IllegalVersioningConfigurationException. Coffer has no
 * MFA devices, so `MfaDelete` Enabled is NotImplemented (never silently accepted) and Disabled —
 * the state every Coffer bucket is in — is accepted as a no-op. A bucket with Object Lock, or
 * with a replication configuration, cannot leave Enabled (InvalidBucketState, as AWS).
 * Versioning once enabled never returns to Unversioned: Suspended keeps every existing version.
 */
export async function putBucketVersioning(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const config = (await readXmlDocument(ctx, 'VersioningConfiguration'))!;
  for (const name of Object.keys(config)) {
    if (name !== 'Status' && name !== 'MfaDelete') throw new S3Error('MalformedXML');
  }
  const status = config.Status === undefined ? undefined : textOf(config.Status);
  const mfaDelete = config.MfaDelete === undefined ? undefined : textOf(config.MfaDelete);
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new S3Error('MalformedXML');
  if (mfaDelete !== undefined && !(MFA_DELETE_VALUES as readonly string[]).includes(mfaDelete)) throw new S3Error('MalformedXML');
  if (status === undefined && mfaDelete === undefined) throw new S3Error('IllegalVersioningConfigurationException');
  if (mfaDelete === 'Enabled') {
    throw new S3Error('NotImplemented', 'MFA Delete is not supported by this server', { Header: 'x-amz-mfa' });
  }
  if (status === undefined || status === bucket.versioning) return {};
  if (bucket.objectLockEnabled && status === 'Suspended') {
    throw new S3Error('InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.');
  }
  if (status === 'Suspended' && (await ctx.services.meta.getBucketConfig(bucket.name, 'replication')) !== undefined) {
    throw new S3Error('InvalidBucketState', 'A replication configuration is present on this bucket, so the versioning state cannot be changed.');
  }
  await ctx.services.meta.setBucketVersioning(bucket.name, status as (typeof STATUSES)[number]);
  return {};
}

/** GetBucketVersioning: `Status` once versioning was ever set; an empty document before. */
export async function getBucketVersioning(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  return {
    xml: { root: 'VersioningConfiguration', body: bucket.versioning === 'Unversioned' ? {} : { Status: bucket.versioning } },
  };
}
