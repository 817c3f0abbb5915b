/**
 * POST Object (browser form upload) authentication: the form, not the headers, carries it. The
 * signature covers the base64 policy document (exactly as sent):
 *   SigV4: x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature = hex HMAC-SHA256(signing key, policy)
 *   SigV2: AWSAccessKeyId, signature = base64 HMAC-SHA1(secret, policy)
 *   none:  an anonymous upload (no policy either), which the authorizer must allow on its own.
 * The policy's conditions are checked by the operation (ops/post/policy.ts) once it is known to be signed.
 */
import { S3Error } from '../errors.js';
import type { CredentialStore, User } from './credentials.js';
import type { AuthMethod } from './types.js';
import { hexBytes, safeEqual } from './sigv4/canonical-request.js';
import { lookupUser, parseCredential } from './sigv4/header-auth.js';
import { getSigningKey, signHex } from './sigv4/signing-key.js';
import { SIGV4_ALGORITHM, parseAmzDate } from './sigv4/string-to-sign.js';
import { verifySigV2 } from './sigv2/header-auth.js';

/** The form's fields by lowercased name (AWS matches form field names case-insensitively). */
export type FormFields = ReadonlyMap<string, string>;

export interface FormAuthentication {
  /** null: anonymous. */
  readonly user: User | null;
  readonly method: Extract<AuthMethod, 'anonymous' | 'sigv4-post' | 'sigv2-post'>;
  /** x-amz-date of a SigV4 form (s3:signatureAge counts from it). */
  readonly signedAt?: Date;
  /** The base64 policy document the signature covers (absent for an anonymous upload). */
  readonly policy?: string;
}

/** The spelling AWS reports a missing field with. */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  'x-amz-algorithm': 'X-Amz-Algorithm',
  'x-amz-credential': 'X-Amz-Credential',
  'x-amz-date': 'X-Amz-Date',
  'x-amz-signature': 'X-Amz-Signature',
  awsaccesskeyid: 'AWSAccessKeyId',
};

function requiredField(fields: FormFields, name: string): string {
  const value = fields.get(name);
  if (value !== undefined) return value;
  const spelled = FIELD_NAMES[name] ?? name;
  throw new S3Error('InvalidArgument', `Bucket POST must contain a field named '${spelled}'.  If it is specified, please check the order of the fields.`, {
    ArgumentName: spelled,
    ArgumentValue: '',
  });
}

export function authenticatePostForm(fields: FormFields, credentials: CredentialStore, region: string): FormAuthentication {
  const signedV4 = fields.has('x-amz-algorithm') || fields.has('x-amz-signature') || fields.has('x-amz-credential');
  const signedV2 = fields.has('awsaccesskeyid') || fields.has('signature');
  if (!signedV4 && !signedV2 && !fields.has('policy')) return { user: null, method: 'anonymous' };
  if (signedV4) return authenticateV4(fields, credentials, region);
  const accessKeyId = requiredField(fields, 'awsaccesskeyid');
  const policy = requiredField(fields, 'policy');
  const signature = requiredField(fields, 'signature');
  const user = lookupUser(credentials, accessKeyId);
  verifySigV2(user, signature, [policy]);
  return { user, method: 'sigv2-post', policy };
}

function authenticateV4(fields: FormFields, credentials: CredentialStore, region: string): FormAuthentication {
  const algorithm = requiredField(fields, 'x-amz-algorithm');
  if (algorithm !== SIGV4_ALGORITHM) {
    throw new S3Error('InvalidArgument', `X-Amz-Algorithm only supports "${SIGV4_ALGORITHM}"`, { ArgumentName: 'X-Amz-Algorithm', ArgumentValue: algorithm });
  }
  const credentialText = requiredField(fields, 'x-amz-credential');
  const amzDate = requiredField(fields, 'x-amz-date');
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt) {
    throw new S3Error('InvalidArgument', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"', { ArgumentName: 'X-Amz-Date', ArgumentValue: amzDate });
  }
  const policy = requiredField(fields, 'policy');
  const signature = requiredField(fields, 'x-amz-signature');
  const credential = parseCredential('form', credentialText, amzDate.slice(0, 8), region);
  const user = lookupUser(credentials, credential.accessKeyId);
  const expected = signHex(getSigningKey(user.secretAccessKey, credential.date, credential.region, credential.service), policy);
  if (!safeEqual(expected, signature)) {
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      AWSAccessKeyId: user.accessKeyId,
      StringToSign: policy,
      SignatureProvided: signature,
      StringToSignBytes: hexBytes(policy),
    });
  }
  return { user, method: 'sigv4-post', signedAt, policy };
}
