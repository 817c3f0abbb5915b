/**
 * SSE-KMS and DSSE-KMS against the local key ring (crypto/kms-keys.ts): finding the key a request,
 * a bucket default or a stored object names, the encryption context its data keys are bound to,
 * and KMS's errors as S3 wraps them.
 */
import { aliasArn, keyArn, KMS_KEY_PREFIX, MANAGED_ALIAS, parseKeyReference, type KmsKey, type KmsScope } from '../../crypto/kms-keys.js';
import { DataKeys, type WrappingKey } from '../../crypto/sealed-blobs.js';
import { S3Error } from '../../errors.js';
import type { ObjectEncryption } from '../../store/meta/metadata-store.js';
import type { Services } from '../types.js';

/** Whether an object's data keys are wrapped by a KMS key: SSE-KMS or DSSE-KMS. */
export function isKms(encryption: ObjectEncryption | undefined): boolean {
  return encryption?.mode === 'aws:kms' || encryption?.mode === 'aws:kms:dsse';
}

/**
 * The encryption context an object's data keys are bound to (the AES-GCM authenticated data of
 * their wrapping), as AWS builds it: the request's context, if any, plus `aws:s3:arn` — the
 * object's ARN, or the bucket's when an S3 Bucket Key is enabled. Canonical: pairs sorted by key.
 */
export function encryptionContext(encryption: ObjectEncryption, bucket: string, key: string): Buffer {
  const given = encryption.kmsContext === undefined ? {} : (JSON.parse(Buffer.from(encryption.kmsContext, 'base64').toString('utf8')) as Record<string, string>);
  const arn = encryption.bucketKeyEnabled ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
  const pairs = Object.entries({ ...given, 'aws:s3:arn': arn }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

/**
 * The data keys of a KMS-encrypted object `bucket`/`key`: wrapped by its (enabled) KMS key and bound
 * to its encryption context; DSSE-KMS writes seal two layers.
 */
export async function kmsDataKeys(services: Pick<Services, 'kms' | 'region' | 'accountId' | 'masterKeys'>, encryption: ObjectEncryption, bucket: string, key: string): Promise<DataKeys> {
  return dataKeysUnder(services, await usableKmsKey(services, encryption.kmsKeyId!), encryption, bucket, key);
}

/** The same with the KMS key already found (and, to decrypt, found enabled). */
export function dataKeysUnder(services: Pick<Services, 'masterKeys' | 'kms'>, kmsKey: KmsKey, encryption: ObjectEncryption, bucket: string, key: string): DataKeys {
  const wrapping: WrappingKey = {
    keyId: KMS_KEY_PREFIX + kmsKey.record.id, key: kmsKey.material, context: encryptionContext(encryption, bucket, key), cache: services.kms.unwrappedDataKeys,
  };
  return new DataKeys(services.masterKeys, wrapping, encryption.mode === 'aws:kms:dsse', () => new S3Error('KMS.InvalidCiphertextException'));
}

/** The key `given` names (id, ARN, alias or alias ARN); 400 KMS.NotFoundException when none. */
export async function findKmsKey(services: Pick<Services, 'kms' | 'region' | 'accountId'>, given: string): Promise<KmsKey> {
  const reference = parseKeyReference(given, services);
  // Naming the AWS managed key creates it, as its first use does.
  if ('alias' in reference && reference.alias === MANAGED_ALIAS) return services.kms.managedKey();
  const key = await services.kms.find(reference);
  if (key) return key;
  if ('id' in reference) throw new S3Error('KMS.NotFoundException', `Key '${keyArn(services, reference.id)}' does not exist`);
  if ('alias' in reference) throw new S3Error('KMS.NotFoundException', `Alias ${aliasArn(services, reference.alias)} is not found.`);
  throw new S3Error('KMS.NotFoundException', `Invalid keyId ${given}`);
}

/**
 * An enabled key to encrypt or decrypt with (a stored object's key must still be enabled to be
 * read): `given`, or the AWS managed key (aws/s3) when none is named.
 */
export async function usableKmsKey(services: Pick<Services, 'kms' | 'region' | 'accountId'>, given: string | undefined): Promise<KmsKey> {
  const key = given === undefined ? await services.kms.managedKey() : await findKmsKey(services, given);
  requireEnabled(services, key);
  return key;
}

function requireEnabled(scope: KmsScope, key: KmsKey): void {
  if (!key.record.enabled) throw new S3Error('KMS.DisabledException', `${keyArn(scope, key.record.id)} is disabled.`);
}

const CONTEXT_HEADER = 'x-amz-server-side-encryption-context';

/** x-amz-server-side-encryption-context: base64 of a JSON object of strings, as AWS requires. */
export function checkEncryptionContext(value: string): string {
  const invalid = () => new S3Error('InvalidArgument', `The header '${CONTEXT_HEADER}' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map`, { ArgumentName: CONTEXT_HEADER });
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) throw invalid();
  return value;
}
