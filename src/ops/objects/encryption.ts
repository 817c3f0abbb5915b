/**
 * Server-side encryption as requests ask for it and responses report it: SSE-S3 (AES256, the
 * default for every new object, as on AWS since 2023), SSE-C (the customer's key, given with
 * each request and never stored) or SSE-KMS (a key of the local KMS key ring, ops/objects/kms.ts).
 */
import { createHash } from 'node:crypto';
import { customerKeyFingerprint, matchesFingerprint, opaqueEtag } from '../../crypto/key-wrap.js';
import { CUSTOMER_KEY_ID } from '../../crypto/key-ring.js';
import { keyArn, type KmsScope } from '../../crypto/kms-keys.js';
import { DataKeys } from '../../crypto/sealed-blobs.js';
import { S3Error } from '../../errors.js';
import type { BucketRecord, ObjectEncryption, ObjectVersion } from '../../store/meta/metadata-store.js';
import type { OperationContext } from '../types.js';
import { blocksSseC, bucketDefaultEncryption } from '../config/encryption.js';
import { checkEncryptionContext, dataKeysUnder, isKms, kmsDataKeys, usableKmsKey } from './kms.js';

type Headers = Readonly<Record<string, string | undefined>>;

const SSE = 'x-amz-server-side-encryption';
const CUSTOMER = 'x-amz-server-side-encryption-customer-';
const COPY_SOURCE_CUSTOMER = 'x-amz-copy-source-server-side-encryption-customer-';
const KMS_KEY_ID = `${SSE}-aws-kms-key-id`;
const KMS_CONTEXT = `${SSE}-context`;
const BUCKET_KEY_ENABLED = `${SSE}-bucket-key-enabled`;
/** A customer key's three headers under one prefix, named once (not built for every request). */
interface CustomerKeyHeaders {
  readonly algorithm: string;
  readonly key: string;
  readonly keyMd5: string;
}
const customerKeyHeaders = (prefix: string): CustomerKeyHeaders => ({ algorithm: `${prefix}algorithm`, key: `${prefix}key`, keyMd5: `${prefix}key-md5` });
const CUSTOMER_HEADERS = customerKeyHeaders(CUSTOMER);
const COPY_SOURCE_CUSTOMER_HEADERS = customerKeyHeaders(COPY_SOURCE_CUSTOMER);
const SSE_C_PREFIX = 'Requests specifying Server Side Encryption with Customer provided keys must';

/** What a write seals its data with. */
export interface WriteEncryption {
  readonly encryption: ObjectEncryption;
  readonly keys: DataKeys;
}

/**
 * The customer key of the three headers `names` names (algorithm, key, key-MD5), checked as AWS checks
 * them; undefined when none is given.
 */
function customerKeyFrom(ctx: OperationContext, names: CustomerKeyHeaders): { key: Buffer; md5: string } | undefined {
  const h = ctx.headers;
  const algorithm = h[names.algorithm];
  const key = h[names.key];
  const md5 = h[names.keyMd5];
  if (algorithm === undefined && key === undefined && md5 === undefined) return undefined;
  if (!ctx.secure && !ctx.services.allowInsecureSseC) throw new S3Error('InvalidRequest', `${SSE_C_PREFIX} be made over a secure connection.`);
  if (algorithm === undefined) throw new S3Error('InvalidArgument', `${SSE_C_PREFIX} provide a valid encryption algorithm.`, { ArgumentName: names.algorithm });
  if (algorithm !== 'AES256') throw new S3Error('InvalidEncryptionAlgorithmError', undefined, { ArgumentName: names.algorithm, ArgumentValue: algorithm });
  if (key === undefined) throw new S3Error('InvalidArgument', `${SSE_C_PREFIX} provide an appropriate secret key.`, { ArgumentName: names.key });
  if (md5 === undefined) throw new S3Error('InvalidArgument', `${SSE_C_PREFIX} provide the client calculated MD5 of the secret key.`, { ArgumentName: `${names.key}-MD5` });
  const raw = /^[A-Za-z0-9+/]*={0,2}$/.test(key.trim()) ? Buffer.from(key.trim(), 'base64') : Buffer.alloc(0);
  if (raw.length !== 32) throw new S3Error('InvalidArgument', 'The secret key was invalid for the specified algorithm.', { ArgumentName: names.key });
  if (createHash('md5').update(raw).digest('base64') !== md5.trim()) {
    throw new S3Error('InvalidArgument', 'The calculated MD5 hash of the key did not match the hash that was provided.', { ArgumentName: `${names.key}-MD5` });
  }
  return { key: raw, md5: md5.trim() };
}

/** `x-amz-server-side-encryption-bucket-key-enabled`: true, false or absent. */
function bucketKeyEnabledFrom(headers: Headers): boolean | undefined {
  const value = headers[BUCKET_KEY_ENABLED];
  if (value === undefined) return undefined;
  if (value.toLowerCase() === 'true') return true;
  if (value.toLowerCase() === 'false') return false;
  throw new S3Error('InvalidArgument', 'Bucket Key Enabled must be a boolean value', { ArgumentName: BUCKET_KEY_ENABLED, ArgumentValue: value });
}

/**
 * The encryption a new object (PutObject, CopyObject, CreateMultipartUpload, POST) gets: SSE-C with
 * the customer headers; SSE-KMS or DSSE-KMS when asked or by the bucket's default (the key named,
 * else the bucket default's key, else the AWS managed key); SSE-S3 otherwise (AES256 when none is
 * set). KMS data keys are bound to the object's encryption context (its ARN, ops/objects/kms.ts).
 * DSSE-KMS ignores an S3 Bucket Key, as AWS (whose Bucket Keys do not support DSSE-KMS): it is
 * neither applied nor echoed.
 */
export async function writeEncryptionFrom(ctx: OperationContext, bucket: BucketRecord): Promise<WriteEncryption> {
  const requested = ctx.headers[SSE];
  const customer = customerKeyFrom(ctx, CUSTOMER_HEADERS);
  if (customer) {
    if (requested !== undefined) throw new S3Error('InvalidArgument', 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified', { ArgumentName: SSE, ArgumentValue: requested });
    // A KMS key or context beside a customer key would be ignored: refused instead.
    for (const header of [KMS_KEY_ID, KMS_CONTEXT]) {
      if (ctx.headers[header] !== undefined) throw new S3Error('InvalidArgument', 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified', { ArgumentName: header });
    }
    // The bucket's BlockedEncryptionTypes may refuse new SSE-C objects (AWS: 403 AccessDenied).
    if (blocksSseC(await bucketDefaultEncryption(ctx.services.meta, bucket))) throw new S3Error('AccessDenied');
    return {
      encryption: { mode: 'SSE-C', customerKeyMd5: customer.md5, customerKeyFingerprint: customerKeyFingerprint(customer.key) },
      keys: new DataKeys(ctx.services.masterKeys, { keyId: CUSTOMER_KEY_ID, key: customer.key }),
    };
  }
  if (requested !== undefined) checkAlgorithm(requested, SSE);
  const defaults = await bucketDefaultEncryption(ctx.services.meta, bucket);
  const bucketKeyEnabled = (bucketKeyEnabledFrom(ctx.headers) ?? (requested === undefined && defaults.bucketKeyEnabled)) || undefined;
  const algorithm = requested ?? defaults.algorithm;
  if (algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') {
    for (const header of [KMS_KEY_ID, KMS_CONTEXT]) {
      if (ctx.headers[header] !== undefined) throw new S3Error('InvalidArgument', 'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', { ArgumentName: SSE });
    }
    return { encryption: { mode: 'AES256', bucketKeyEnabled }, keys: new DataKeys(ctx.services.masterKeys) };
  }
  const context = ctx.headers[KMS_CONTEXT];
  const key = await usableKmsKey(ctx.services, ctx.headers[KMS_KEY_ID] ?? defaults.kmsMasterKeyId);
  const encryption: ObjectEncryption = {
    mode: algorithm,
    kmsKeyId: key.record.id,
    bucketKeyEnabled: algorithm === 'aws:kms' ? bucketKeyEnabled : undefined,
    ...(context === undefined ? {} : { kmsContext: checkEncryptionContext(context) }),
  };
  return { encryption, keys: dataKeysUnder(ctx.services, key, encryption, bucket.name, ctx.route.key) };
}

/** x-amz-server-side-encryption's value: AES256, aws:kms or aws:kms:dsse. */
export function checkAlgorithm(value: string, header: string): asserts value is 'AES256' | 'aws:kms' | 'aws:kms:dsse' {
  if (value === 'AES256' || value === 'aws:kms' || value === 'aws:kms:dsse') return;
  throw new S3Error('InvalidArgument', 'The encryption method specified is not supported', { ArgumentName: header, ArgumentValue: value });
}

/**
 * Headers that choose an encryption: a new object's (PutObject, CopyObject, CreateMultipartUpload,
 * POST), refused on a read and on a multipart upload's later requests (a list made once: every GET checks it).
 */
const WRITE_ONLY_ENCRYPTION_HEADERS: readonly string[] = [SSE, KMS_KEY_ID];

/**
 * How an object is encrypted is chosen when it is created: a read, an UploadPart, UploadPartCopy
 * or CompleteMultipartUpload that names it is refused (AWS: 400), not answered as if it applied.
 */
function refuseEncryptionChoice(ctx: OperationContext): void {
  for (const name of WRITE_ONLY_ENCRYPTION_HEADERS) {
    const value = ctx.headers[name];
    if (value !== undefined) throw new S3Error('InvalidArgument', `${name} header is not supported for this operation.`, { ArgumentName: name, ArgumentValue: value });
  }
}

/** What names a stored object's keys: its encryption, and the object its KMS context binds them to. */
type EncryptedObject = Pick<ObjectVersion, 'bucket' | 'key' | 'encryption'>;

/**
 * The keys to read a stored object (GET, a copy's source): an SSE-C object needs its customer
 * key again (400 without it, 403 with another one), an SSE-KMS object an enabled key; SSE-C
 * headers on an object that was not written with them are refused. `decrypts` false (HEAD,
 * GetObjectAttributes): only the SSE-C checks, as no data is read.
 */
// Not async: only SSE-KMS keys are looked up asynchronously, and a read of any other object
// should not pay a promise for its keys.
export function readKeysFor(ctx: OperationContext, object: EncryptedObject, options: { copySource?: boolean; decrypts?: boolean } = {}): DataKeys | Promise<DataKeys> {
  const { encryption } = object;
  // A copy's source: the headers are the target's choice, read by writeEncryptionFrom.
  if (!options.copySource) refuseEncryptionChoice(ctx);
  const customer = customerKeyFrom(ctx, options.copySource ? COPY_SOURCE_CUSTOMER_HEADERS : CUSTOMER_HEADERS);
  if (encryption?.mode === 'SSE-C') {
    if (!customer) throw new S3Error('InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
    if (!matchesFingerprint(customer.key, encryption.customerKeyFingerprint!)) throw new S3Error('AccessDenied');
    return new DataKeys(ctx.services.masterKeys, { keyId: CUSTOMER_KEY_ID, key: customer.key });
  }
  if (customer) throw new S3Error('InvalidRequest', 'The encryption parameters are not applicable to this object.');
  if (isKms(encryption) && options.decrypts !== false) return kmsDataKeys(ctx.services, encryption!, object.bucket, object.key);
  return new DataKeys(ctx.services.masterKeys);
}

const PART_KEY_MISSING = 'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.';

/**
 * A multipart upload's later requests (UploadPart, UploadPartCopy) must present its SSE-C key
 * again; an SSE-KMS upload's parts are sealed under its key (bound to the object it completes
 * into) while that key is enabled.
 */
export async function uploadKeysFor(ctx: OperationContext, upload: EncryptedObject): Promise<DataKeys> {
  refuseEncryptionChoice(ctx);
  const { encryption } = upload;
  const customer = customerKeyFrom(ctx, CUSTOMER_HEADERS);
  if (encryption?.mode !== 'SSE-C') {
    if (customer) throw new S3Error('InvalidRequest', PART_KEY_MISSING);
    if (isKms(encryption)) return kmsDataKeys(ctx.services, encryption!, upload.bucket, upload.key);
    return new DataKeys(ctx.services.masterKeys);
  }
  if (!customer) throw new S3Error('InvalidRequest', PART_KEY_MISSING);
  if (!matchesFingerprint(customer.key, encryption.customerKeyFingerprint!)) {
    throw new S3Error('InvalidArgument', 'The provided encryption parameters did not match the ones used originally.');
  }
  return new DataKeys(ctx.services.masterKeys, { keyId: CUSTOMER_KEY_ID, key: customer.key });
}

/** CompleteMultipartUpload may repeat the upload's SSE-C headers; given, they must be its key. */
export async function checkCompletionKey(ctx: OperationContext, upload: EncryptedObject): Promise<void> {
  refuseEncryptionChoice(ctx);
  if (Object.keys(ctx.headers).some((name) => name.startsWith(CUSTOMER))) await uploadKeysFor(ctx, upload);
}

/**
 * A copy may share the source's blobs (no byte read or written) when both sides are SSE-S3: the
 * blobs' data keys are wrapped by the master key either way. Any other pair re-encrypts.
 */
export function sharesSealedBlobs(source: ObjectVersion, target: ObjectEncryption | undefined): boolean {
  return source.encryption?.mode === 'AES256' && target?.mode === 'AES256' && source.manifest.every((extent) => extent.sealing !== undefined);
}

/**
 * The headers that report an object's encryption (PUT, GET, HEAD, copy, multipart): the KMS key
 * as its ARN; the encryption context only on the writes that set it (PUT, copy, CreateMultipartUpload), as AWS.
 */
export function encryptionHeaders(encryption: ObjectEncryption | undefined, kmsScope: KmsScope, written = false): Record<string, string | undefined> {
  if (!encryption) return {};
  if (encryption.mode === 'SSE-C') {
    return { [`${CUSTOMER}algorithm`]: 'AES256', [`${CUSTOMER}key-MD5`]: encryption.customerKeyMd5 };
  }
  const bucketKey = encryption.bucketKeyEnabled ? 'true' : undefined;
  // Written out, not [SSE]: a literal of constant names is made from a template, computed names one by one.
  if (encryption.mode === 'AES256') return { 'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-bucket-key-enabled': bucketKey };
  return { [SSE]: encryption.mode, [KMS_KEY_ID]: keyArn(kmsScope, encryption.kmsKeyId!), [KMS_CONTEXT]: written ? encryption.kmsContext : undefined, [BUCKET_KEY_ENABLED]: bucketKey };
}

/**
 * The ETag of new data: the plaintext's MD5 under SSE-S3 (as AWS), otherwise not an MD5 (SSE-C,
 * SSE-KMS, DSSE-KMS), derived from the data key so that it is stable for the version.
 */
export function etagFor(encryption: ObjectEncryption | undefined, md5: Buffer, dataKey: Buffer | undefined): string {
  if (encryption === undefined || encryption.mode === 'AES256' || !dataKey) return md5.toString('hex');
  return opaqueEtag(dataKey, md5);
}
