/** SigV2 query-string authentication: `?AWSAccessKeyId=…&Expires=<epoch seconds>&Signature=…`. */
import { S3Error } from '../../errors.js';
import type { CredentialStore } from '../credentials.js';
import type { AuthInput, AuthResult } from '../types.js';
import { payloadModeWithoutSigV4 } from '../payload.js';
import { parseRawQuery, queryMap } from '../sigv4/canonical-request.js';
import { lookupUser } from '../sigv4/header-auth.js';
import { toIsoSeconds } from '../sigv4/string-to-sign.js';
import { verifySigV2, withBucketSlashVariants } from './header-auth.js';
import { buildSigV2StringToSign } from './string-to-sign.js';

export function authenticateSigV2Query(input: AuthInput, credentials: CredentialStore): AuthResult {
  const params = queryMap(parseRawQuery(input.rawQuery));
  const accessKeyId = params.get('AWSAccessKeyId');
  const signature = params.get('Signature');
  const expires = params.get('Expires');
  if (!accessKeyId || !signature || expires === undefined) {
    throw new S3Error('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  }
  if (!/^\d{1,12}$/.test(expires)) {
    throw new S3Error('AccessDenied', `Invalid date (should be seconds since epoch): ${expires}`);
  }
  const expiresAt = new Date(Number(expires) * 1000);
  if (input.now.getTime() > expiresAt.getTime()) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      Expires: toIsoSeconds(expiresAt),
      ServerTime: toIsoSeconds(input.now),
    });
  }
  const user = lookupUser(credentials, accessKeyId);
  const base = {
    method: input.method,
    headers: input.headers,
    rawPath: input.rawPath,
    rawQuery: input.rawQuery,
    virtualHostBucket: input.virtualHostBucket,
    dateLine: expires,
  };
  verifySigV2(user, signature, withBucketSlashVariants([buildSigV2StringToSign(base)], base));
  return { user, method: 'sigv2-query', payload: payloadModeWithoutSigV4(input.headers) };
}
