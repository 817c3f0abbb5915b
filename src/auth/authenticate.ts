/** Detects which authentication scheme a request uses and dispatches to it. */
import { S3Error } from '../errors.js';
import type { CredentialStore } from './credentials.js';
import type { AuthInput, AuthResult } from './types.js';
import { payloadModeWithoutSigV4 } from './payload.js';
import { parseRawQuery } from './sigv4/canonical-request.js';
import { authenticateSigV4Header } from './sigv4/header-auth.js';
import { authenticateSigV4Query } from './sigv4/query-auth.js';
import { authenticateSigV2Header } from './sigv2/header-auth.js';
import { authenticateSigV2Query } from './sigv2/query-auth.js';

function dispatch(input: AuthInput, credentials: CredentialStore, region: string): AuthResult {
  // An empty Authorization header signs nothing: the request is anonymous (AWS then answers 403
  // where anonymous callers may not act, not 400 for an unknown scheme).
  const header = input.headers['authorization'];
  const authorization = header === undefined || header.trim() === '' ? undefined : header;
  // Most requests have no query: nothing to parse then.
  const names = input.rawQuery === '' ? undefined : new Set(parseRawQuery(input.rawQuery).map((p) => p.name));
  const v4Query = names?.has('X-Amz-Algorithm') === true;
  const v2Query = names?.has('Signature') === true;
  const mechanisms = (authorization !== undefined ? Math.max(1, input.authorizationHeaderCount ?? 1) : 0) + (v4Query ? 1 : 0) + (v2Query ? 1 : 0);
  if (mechanisms > 1) {
    throw new S3Error(
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      { ArgumentName: 'Authorization', ArgumentValue: authorization ?? 'null' },
    );
  }
  // Coffer issues no temporary credentials: a session token can only be one it never made, and
  // accepting the request would ignore it (AWS: 400 InvalidToken for a token it cannot read).
  if (input.headers['x-amz-security-token'] !== undefined || names?.has('X-Amz-Security-Token') === true) throw new S3Error('InvalidToken');
  if (authorization !== undefined) {
    if (authorization.startsWith('AWS4-HMAC-SHA256 ')) return authenticateSigV4Header(input, credentials, region);
    if (authorization.startsWith('AWS ')) return authenticateSigV2Header(input, credentials);
    throw new S3Error('InvalidArgument', 'Unsupported Authorization Type', {
      ArgumentName: 'Authorization',
      ArgumentValue: authorization,
    });
  }
  if (v4Query) return authenticateSigV4Query(input, credentials, region);
  if (v2Query) return authenticateSigV2Query(input, credentials);
  return { user: null, method: 'anonymous', payload: payloadModeWithoutSigV4(input.headers) };
}

/**
 * Authenticates a request: anonymous, SigV4 (header or presigned) or SigV2 (header or query).
 * Every failure is an S3Error with AWS's code, message and detail; nothing else is thrown.
 */
export function authenticate(input: AuthInput, credentials: CredentialStore, region: string): AuthResult {
  try {
    return dispatch(input, credentials, region);
  } catch (err) {
    if (err instanceof S3Error) throw err;
    // Defensive: a bug on some unforeseen input must not escape as a non-S3 error; fail closed.
    throw new S3Error('AccessDenied');
  }
}
