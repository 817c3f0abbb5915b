/**
 * Presigned SigV4 (query-string authentication): X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
 * X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature (X-Amz-Security-Token is signed like any
 * other parameter and otherwise ignored).
 */
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { CredentialStore } from '../credentials.js';
import type { AuthInput, AuthResult, ChunkSigningContext } from '../types.js';
import { UNSIGNED_PAYLOAD, payloadModeForSigV4 } from '../payload.js';
import { parseRawQuery, queryMap } from './canonical-request.js';
import { getSigningKey } from './signing-key.js';
import { SIGV4_ALGORITHM, parseAmzDate, toIsoSeconds } from './string-to-sign.js';
import { lookupUser, parseCredential, parseSignedHeaders, requireSignedAmzHeaders, verifySignature } from './header-auth.js';

const EXCLUDED = new Set(['X-Amz-Signature']);
const REQUIRED = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'];

function queryError(message: string): S3Error {
  return new S3Error('AuthorizationQueryParametersError', message);
}

/** Authenticates a presigned SigV4 request (X-Amz-Algorithm in the query). */
export function authenticateSigV4Query(input: AuthInput, credentials: CredentialStore, region: string): AuthResult {
  const parsed = parseRawQuery(input.rawQuery);
  const params = queryMap(parsed);
  const get = (name: string): string => params.get(name) ?? '';
  // Each exactly once: of two signatures or credentials, which would be the one checked?
  const once = (name: string) => parsed.filter((p) => p.name === name).length === 1;
  if (!REQUIRED.every(once)) {
    throw queryError(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (get('X-Amz-Algorithm') !== SIGV4_ALGORITHM) {
    throw queryError(`X-Amz-Algorithm only supports "${SIGV4_ALGORITHM}"`);
  }
  const amzDate = get('X-Amz-Date');
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt) {
    throw queryError('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  }
  const expiresText = get('X-Amz-Expires');
  if (!/^-?\d{1,15}$/.test(expiresText)) throw queryError('X-Amz-Expires should be a number');
  const expiresSeconds = Number(expiresText);
  if (expiresSeconds < 0) throw queryError('X-Amz-Expires must be non-negative');
  if (expiresSeconds > limits.presignExpiresSecondsMax) {
    throw queryError(`X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${limits.presignExpiresSecondsMax} seconds`);
  }
  const credential = parseCredential('query', get('X-Amz-Credential'), amzDate.slice(0, 8), region);
  const signedHeaders = parseSignedHeaders('query', get('X-Amz-SignedHeaders'));

  const expiresAt = new Date(signedAt.getTime() + expiresSeconds * 1000);
  if (signedAt.getTime() - input.now.getTime() > limits.requestTimeSkewMsMax) {
    throw new S3Error('AccessDenied', 'Request is not yet valid', {
      'X-Amz-Date': String(signedAt.getTime()),
      Expires: toIsoSeconds(expiresAt),
      ServerTime: toIsoSeconds(input.now),
    });
  }
  if (input.now.getTime() > expiresAt.getTime()) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      'X-Amz-Expires': expiresText,
      Expires: toIsoSeconds(expiresAt),
      ServerTime: toIsoSeconds(input.now),
    });
  }
  const user = lookupUser(credentials, credential.accessKeyId);

  const payloadHash = input.headers['x-amz-content-sha256'] ?? UNSIGNED_PAYLOAD;
  const signature = get('X-Amz-Signature');
  const signingKey = getSigningKey(user.secretAccessKey, credential.date, credential.region, credential.service);
  const signing: ChunkSigningContext = {
    seedSignature: signature,
    signingKey,
    amzDate,
    scope: credential.scope,
  };
  const payload = payloadModeForSigV4(payloadHash, input.headers, signing);
  verifySignature({
    input,
    user,
    credential,
    amzDate,
    signedHeaders,
    payloadHash,
    signatureProvided: signature,
    excludeQuery: EXCLUDED,
    signingKey,
  });
  requireSignedAmzHeaders(input.headers, signedHeaders);
  return { user, method: 'sigv4-query', payload, signedAt };
}
