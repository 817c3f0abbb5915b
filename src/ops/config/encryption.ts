/**
 * Put/Get/DeleteBucketEncryption: a bucket's default encryption. Every bucket encrypts new
 * objects at rest (as AWS since January 2023): with SSE-S3, or with SSE-KMS or DSSE-KMS under the
 * key the configuration names (KMSMasterKeyID, checked to exist) or the AWS managed key.
 * BucketKeyEnabled is stored and echoed (DSSE-KMS objects do not use it, as on AWS).
 * BlockedEncryptionTypes SSE-C refuses new SSE-C objects (PutObject, CopyObject, POST, multipart:
 * 403 AccessDenied, ops/objects/encryption.ts); objects already stored stay readable. Unlike AWS
 * since April 2026, a new bucket does not block SSE-C until its configuration says so.
 */
import { S3Error } from '../../errors.js';
import type { BucketRecord, MetadataStore } from '../../store/meta/metadata-store.js';
import { checkAlgorithm } from '../objects/encryption.js';
import { findKmsKey } from '../objects/kms.js';
import { asList, readXmlDocument, textOf } from '../request-xml.js';
import { childrenOf } from './elements.js';
import type { OperationContext, OperationResult } from '../types.js';
import { requestConfig } from './request-configs.js';

/** The stored document (JSON, opaque to the store). */
interface DefaultEncryption {
  readonly algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  readonly bucketKeyEnabled: boolean;
  /** aws:kms, aws:kms:dsse: the key as the configuration named it (id, ARN or alias); absent: the AWS managed key. */
  readonly kmsMasterKeyId?: string;
  /** BlockedEncryptionTypes, as configured: ['SSE-C'] blocks, ['NONE'] allows; absent: never configured (allowed). */
  readonly blockedEncryptionTypes?: readonly BlockableEncryptionType[];
}

const BLOCKABLE_ENCRYPTION_TYPES = ['NONE', 'SSE-C'] as const;
type BlockableEncryptionType = (typeof BLOCKABLE_ENCRYPTION_TYPES)[number];

/** Whether the bucket's default encryption configuration blocks writes of new SSE-C objects. */
export function blocksSseC(defaults: DefaultEncryption): boolean {
  return defaults.blockedEncryptionTypes?.includes('SSE-C') ?? false;
}

/** `<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>…</BlockedEncryptionTypes>`: NONE or SSE-C, not both. */
function blockedEncryptionTypesOf(element: unknown): BlockableEncryptionType[] | undefined {
  if (element === undefined) return undefined;
  if (element === '') return [];
  const types = asList(childrenOf(element, ['EncryptionType']).EncryptionType).map((value) => textOf(value));
  if (types.some((type) => !BLOCKABLE_ENCRYPTION_TYPES.includes(type as BlockableEncryptionType))) throw new S3Error('MalformedXML');
  const unique = [...new Set(types as BlockableEncryptionType[])];
  if (unique.length > 1) throw new S3Error('InvalidArgument', 'NONE cannot be combined with another blocked encryption type', { ArgumentName: 'BlockedEncryptionTypes' });
  return unique;
}

/** What a bucket never configured (or whose configuration was deleted) applies, as AWS. */
const AWS_DEFAULT: DefaultEncryption = { algorithm: 'AES256', bucketKeyEnabled: false };

export async function bucketDefaultEncryption(meta: MetadataStore, bucket: BucketRecord): Promise<DefaultEncryption> {
  const document = await requestConfig(meta, bucket, 'encryption');
  return document === undefined ? AWS_DEFAULT : (JSON.parse(document) as DefaultEncryption);
}

export async function putBucketEncryption(ctx: OperationContext): Promise<OperationResult> {
  // Elements the schema does not have are refused, not dropped: a setting Coffer did not apply must not answer 200.
  const doc = childrenOf((await readXmlDocument(ctx, 'ServerSideEncryptionConfiguration'))!, ['Rule']);
  const rules = asList(doc.Rule);
  if (rules.length !== 1) throw new S3Error('MalformedXML');
  const rule = childrenOf(rules[0], ['ApplyServerSideEncryptionByDefault', 'BucketKeyEnabled', 'BlockedEncryptionTypes']);
  const byDefault = childrenOf(rule.ApplyServerSideEncryptionByDefault, ['SSEAlgorithm', 'KMSMasterKeyID']);
  const algorithm = textOf(byDefault.SSEAlgorithm);
  if (algorithm === undefined) throw new S3Error('MalformedXML');
  checkAlgorithm(algorithm, 'SSEAlgorithm');
  const kmsMasterKeyId = textOf(byDefault.KMSMasterKeyID);
  if (kmsMasterKeyId !== undefined && algorithm === 'AES256') {
    throw new S3Error('InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', { ArgumentName: 'ApplyServerSideEncryptionByDefault' });
  }
  if (kmsMasterKeyId !== undefined) await findKmsKey(ctx.services, kmsMasterKeyId);
  const bucketKey = rule.BucketKeyEnabled === undefined ? 'false' : textOf(rule.BucketKeyEnabled);
  if (bucketKey !== 'true' && bucketKey !== 'false') throw new S3Error('MalformedXML');
  const blockedEncryptionTypes = blockedEncryptionTypesOf(rule.BlockedEncryptionTypes);
  const stored: DefaultEncryption = { algorithm, bucketKeyEnabled: bucketKey === 'true', kmsMasterKeyId, blockedEncryptionTypes };
  await ctx.services.meta.putBucketConfig(ctx.bucket.name, 'encryption', JSON.stringify(stored));
  return {};
}

export async function getBucketEncryption(ctx: OperationContext): Promise<OperationResult> {
  const current = await bucketDefaultEncryption(ctx.services.meta, ctx.bucket);
  return {
    xml: {
      root: 'ServerSideEncryptionConfiguration',
      body: {
        Rule: {
          ApplyServerSideEncryptionByDefault: { SSEAlgorithm: current.algorithm, KMSMasterKeyID: current.kmsMasterKeyId },
          BucketKeyEnabled: current.bucketKeyEnabled,
          BlockedEncryptionTypes: current.blockedEncryptionTypes && { EncryptionType: current.blockedEncryptionTypes },
        },
      },
    },
  };
}

export async function deleteBucketEncryption(ctx: OperationContext): Promise<OperationResult> {
  await ctx.services.meta.putBucketConfig(ctx.bucket.name, 'encryption', undefined);
  return { status: 204 };
}
