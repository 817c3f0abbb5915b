/**
 * SSE-KMS against the local key ring (crypto/kms-keys.ts): finding the key a request, a bucket
 * default or a stored object names, and KMS's errors as S3 wraps them.
 */
import { aliasArn, keyArn, KMS_KEY_PREFIX, MANAGED_ALIAS, parseKeyReference, type KmsKey } from '../../crypto/kms-keys.js';
import type { WrappingKey } from '../../crypto/sealed-blobs.js';
import { S3Error } from '../../errors.js';
import type { Services } from '../types.js';

/** The key `given` names (id, ARN, alias or alias ARN); 400 KMS.NotFoundException when none. */
export async function findKmsKey(services: Pick<Services, 'kms' | 'region'>, given: string): Promise<KmsKey> {
  const reference = parseKeyReference(given, services.region);
  // Naming the AWS managed key creates it, as its first use does.
  if ('alias' in reference && reference.alias === MANAGED_ALIAS) return services.kms.managedKey();
  const key = await services.kms.find(reference);
  if (key) return key;
  if ('id' in reference) throw new S3Error('KMS.NotFoundException', `Key '${keyArn(services.region, reference.id)}' does not exist`);
  if ('alias' in reference) throw new S3Error('KMS.NotFoundException', `Alias ${aliasArn(services.region, reference.alias)} is not found.`);
  throw new S3Error('KMS.NotFoundException', `Invalid keyId ${given}`);
}

/**
 * An enabled key to encrypt or decrypt with (a stored object's key must still be enabled to be
 * read): `given`, or the AWS managed key (aws/s3) when none is named.
 */
export async function usableKmsKey(services: Pick<Services, 'kms' | 'region'>, given: string | undefined): Promise<KmsKey> {
  const key = given === undefined ? await services.kms.managedKey() : await findKmsKey(services, given);
  requireEnabled(services.region, key);
  return key;
}

function requireEnabled(region: string, key: KmsKey): void {
  if (!key.record.enabled) throw new S3Error('KMS.DisabledException', `${keyArn(region, key.record.id)} is disabled.`);
}

export function kmsWrapping(key: KmsKey): WrappingKey {
  return { keyId: KMS_KEY_PREFIX + key.record.id, key: key.material };
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
