/** SigV2 in the Authorization header: `AWS AKID:base64(HMAC-SHA1(secret, StringToSign))`. */
import { S3Error } from '../../errors.js';
import type { CredentialStore, User } from '../credentials.js';
import type { AuthInput, AuthResult } from '../types.js';
import { payloadModeWithoutSigV4 } from '../payload.js';
import { hexBytes, safeEqual } from '../sigv4/canonical-request.js';
import { checkSkew, lookupUser } from '../sigv4/header-auth.js';
import { buildSigV2StringToSign, signV2, type SigV2StringToSignInput } from './string-to-sign.js';

/** Checks a SigV2 signature against one or more acceptable strings to sign (the first is reported). */
export function verifySigV2(user: User, signatureProvided: string, stringsToSign: readonly string[]): void {
  let ok = false;
  for (const sts of stringsToSign) if (safeEqual(signV2(user.secretAccessKey, sts), signatureProvided)) ok = true;
  if (!ok) {
    const stringToSign = stringsToSign[0];
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      AWSAccessKeyId: user.accessKeyId,
      StringToSign: stringToSign,
      SignatureProvided: signatureProvided,
      StringToSignBytes: hexBytes(stringToSign),
    });
  }
}

/**
 * A path-style request on a bucket (`PUT /bucket`) is also accepted when signed with the resource
 * `/bucket/`: botocore's `signature_version='s3'` (boto3, awscli) signs bucket-level requests that
 * way, as AWS accepts. The canonical `/bucket` form stays first (it is the one an error reports).
 */
export function withBucketSlashVariants(candidates: readonly string[], base: SigV2StringToSignInput): string[] {
  if (base.virtualHostBucket !== undefined || !/^\/[^/]+$/.test(base.rawPath)) return [...candidates];
  const slashed = { ...base, rawPath: `${base.rawPath}/` };
  const extra = [buildSigV2StringToSign(slashed)];
  if (candidates.length > 1) extra.push(buildSigV2StringToSign({ ...slashed, dateLine: (base.headers['x-amz-date'] ?? '').trim(), omitAmzDate: true }));
  return [...candidates, ...extra];
}

export function authenticateSigV2Header(input: AuthInput, credentials: CredentialStore): AuthResult {
  const header = input.headers['authorization'] ?? '';
  const rest = header.slice('AWS '.length);
  const colon = rest.indexOf(':');
  const accessKeyId = colon < 0 ? '' : rest.slice(0, colon).trim();
  const signature = colon < 0 ? '' : rest.slice(colon + 1).trim();
  if (accessKeyId === '' || signature === '') {
    throw new S3Error('InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature', {
      ArgumentName: 'Authorization',
      ArgumentValue: header,
    });
  }

  const amzDate = input.headers['x-amz-date'];
  const httpDate = input.headers['date'];
  const rawTime = amzDate ?? httpDate;
  const ms = rawTime === undefined ? NaN : Date.parse(rawTime);
  // A date before the epoch is no valid date to AWS (AccessDenied, not RequestTimeTooSkewed).
  if (rawTime === undefined || Number.isNaN(ms) || ms < 0) {
    throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  checkSkew(new Date(ms), rawTime, input.now);
  const user = lookupUser(credentials, accessKeyId);

  const base: SigV2StringToSignInput = {
    method: input.method,
    headers: input.headers,
    rawPath: input.rawPath,
    rawQuery: input.rawQuery,
    virtualHostBucket: input.virtualHostBucket,
    dateLine: amzDate !== undefined ? '' : (httpDate ?? '').trim(),
  };
  const candidates = [buildSigV2StringToSign(base)];
  if (amzDate !== undefined) {
    // The 2006 guide's DELETE example puts x-amz-date's value on the Date line instead.
    candidates.push(buildSigV2StringToSign({ ...base, dateLine: amzDate.trim(), omitAmzDate: true }));
  }
  verifySigV2(user, signature, withBucketSlashVariants(candidates, base));
  return { user, method: 'sigv2-header', payload: payloadModeWithoutSigV4(input.headers) };
}
