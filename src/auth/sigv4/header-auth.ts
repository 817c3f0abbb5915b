/**
 * SigV4 in the Authorization header:
 *   AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=…
 * Also the pieces shared with presigned (query) SigV4: credential scope, signed headers, signature check.
 */
import { S3Error, type S3ErrorDetail } from '../../errors.js';
import { limits } from '../../limits.js';
import type { CredentialStore, User } from '../credentials.js';
import type { AuthInput, AuthResult, ChunkSigningContext } from '../types.js';
import { payloadModeForSigV4 } from '../payload.js';
import { buildCanonicalRequest, hexBytes, safeEqual, withRepeatsJoined } from './canonical-request.js';
import { getSigningKey, signHex } from './signing-key.js';
import { SIGV4_ALGORITHM, buildStringToSign, credentialScope, parseAmzDate, toAmzDate, toIsoSeconds } from './string-to-sign.js';

export const SERVICE = 's3';
/** Where the signature came from: the Authorization header, the query (presigned), or a POST form's fields. */
export type SigV4Kind = 'header' | 'query' | 'form';

/**
 * AuthorizationHeaderMalformed (header), AuthorizationQueryParametersError (query), or for a POST
 * form InvalidArgument naming the X-Amz-Credential field and its value.
 */
export function scopeError(kind: SigV4Kind, reason: string, detail?: S3ErrorDetail, credential?: string): S3Error {
  if (kind === 'form') return new S3Error('InvalidArgument', reason, { ArgumentName: 'X-Amz-Credential', ArgumentValue: credential, ...detail });
  return kind === 'header'
    ? new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${reason}`, detail)
    : new S3Error('AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; ${reason}`, detail);
}

export interface ParsedCredential {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly scope: string;
}

/**
 * Parses and checks `AKID/yyyymmdd/region/s3/aws4_request` against the request date (yyyymmdd)
 * and the configured region.
 */
export function parseCredential(kind: SigV4Kind, value: string, requestDate: string, region: string): ParsedCredential {
  const parts = value.split('/');
  if (parts.length !== 5 || parts.some((p) => p === '')) {
    throw scopeError(kind, 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".', undefined, value);
  }
  const [accessKeyId, date, credRegion, service, terminal] = parts;
  if (date !== requestDate) {
    throw kind !== 'query'
      ? scopeError(kind, 'Invalid credential date. Date is not the same as X-Amz-Date.', undefined, value)
      : new S3Error(
          'AuthorizationQueryParametersError',
          `Invalid credential date "${date}". This date is not the same as X-Amz-Date: "${requestDate}".`,
        );
  }
  if (credRegion !== region) {
    throw scopeError(kind, `the region '${credRegion}' is wrong; expecting '${region}'`, { Region: region }, value);
  }
  if (service !== SERVICE) {
    throw scopeError(kind, `incorrect service "${service}". This endpoint belongs to "${SERVICE}".`, undefined, value);
  }
  if (terminal !== 'aws4_request') {
    throw scopeError(kind, `incorrect terminal "${terminal}". This endpoint uses "aws4_request".`, undefined, value);
  }
  return { accessKeyId, date, region: credRegion, service, scope: credentialScope(date, credRegion, service) };
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** Splits `SignedHeaders` (lowercased). Throws the scope error when malformed. */
export function parseSignedHeaders(kind: SigV4Kind, value: string): string[] {
  const names = value.split(';').map((n) => n.toLowerCase());
  if (value === '' || names.some((n) => !HEADER_NAME.test(n))) {
    throw kind === 'header'
      ? scopeError(kind, 'the SignedHeaders is mal-formed.')
      : new S3Error('AuthorizationQueryParametersError', 'Error parsing the X-Amz-SignedHeaders parameter; the SignedHeaders is mal-formed.');
  }
  return names;
}

export function lookupUser(credentials: CredentialStore, accessKeyId: string): User {
  const user = credentials.byAccessKeyId(accessKeyId);
  if (!user) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: accessKeyId });
  return user;
}

export function checkSkew(requestTime: Date, rawRequestTime: string, now: Date): void {
  if (Math.abs(now.getTime() - requestTime.getTime()) > limits.requestTimeSkewMsMax) {
    throw new S3Error('RequestTimeTooSkewed', undefined, {
      RequestTime: rawRequestTime,
      ServerTime: toIsoSeconds(now),
      MaxAllowedSkewMilliseconds: limits.requestTimeSkewMsMax,
    });
  }
}

export interface VerifyInput {
  readonly input: AuthInput;
  readonly user: User;
  readonly credential: ParsedCredential;
  readonly amzDate: string;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
  readonly signatureProvided: string;
  readonly excludeQuery?: ReadonlySet<string>;
  /** The signing key when the caller already derived it (derived here otherwise). */
  readonly signingKey?: Buffer;
}

/**
 * Recomputes the signature and compares it in constant time. Returns the signing key.
 * `host` must be among the signed headers (AWS answers SignatureDoesNotMatch otherwise).
 */
export function verifySignature(v: VerifyInput): Buffer {
  const canonicalRequest = buildCanonicalRequest({
    method: v.input.method,
    rawPath: v.input.rawPath,
    rawQuery: v.input.rawQuery,
    headers: v.input.rawHeaders ? withRepeatsJoined(v.input.headers, v.input.rawHeaders, v.signedHeaders) : v.input.headers,
    signedHeaders: v.signedHeaders,
    payloadHash: v.payloadHash,
    excludeQuery: v.excludeQuery,
  });
  const stringToSign = buildStringToSign(v.amzDate, v.credential.scope, canonicalRequest);
  const signingKey = v.signingKey ?? getSigningKey(v.user.secretAccessKey, v.credential.date, v.credential.region, v.credential.service);
  const expected = signHex(signingKey, stringToSign);
  const matches = safeEqual(expected, v.signatureProvided);
  if (!matches || !v.signedHeaders.includes('host')) {
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      AWSAccessKeyId: v.user.accessKeyId,
      StringToSign: stringToSign,
      SignatureProvided: v.signatureProvided,
      StringToSignBytes: hexBytes(stringToSign),
      CanonicalRequest: canonicalRequest,
      CanonicalRequestBytes: hexBytes(canonicalRequest),
    });
  }
  return signingKey;
}

function missingDate(): S3Error {
  return new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
}

/** The request time of a header-signed request: `x-amz-date` (basic ISO 8601) else `Date` (RFC 1123). */
export function requestTime(input: AuthInput): { date: Date; amzDate: string; raw: string } {
  const amz = input.headers['x-amz-date'];
  if (amz !== undefined) {
    const date = parseAmzDate(amz.trim());
    if (!date) throw missingDate();
    return { date, amzDate: amz.trim(), raw: amz };
  }
  const http = input.headers['date'];
  if (http !== undefined) {
    const ms = Date.parse(http);
    if (Number.isNaN(ms)) throw missingDate();
    const date = new Date(Math.floor(ms / 1000) * 1000);
    return { date, amzDate: toAmzDate(date), raw: http };
  }
  throw missingDate();
}

function threeComponents(): S3Error {
  return scopeError('header', 'the authorization header requires three components: Credential, SignedHeaders, and Signature.');
}

/** Parses the part after `AWS4-HMAC-SHA256 ` into its three components. */
export function parseAuthorizationV4(rest: string): { credential: string; signedHeaders: string; signature: string } {
  const found = new Map<string, string>();
  for (const piece of rest.split(',')) {
    const component = piece.trim();
    if (component === '') continue;
    const eq = component.indexOf('=');
    const name = eq < 0 ? component : component.slice(0, eq);
    if (eq < 0 || !['Credential', 'SignedHeaders', 'Signature'].includes(name) || found.has(name)) {
      throw scopeError('header', `the authorization component "${component}" is malformed.`);
    }
    found.set(name, component.slice(eq + 1).trim());
  }
  const credential = found.get('Credential');
  const signedHeaders = found.get('SignedHeaders');
  const signature = found.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) throw threeComponents();
  return { credential, signedHeaders, signature };
}

/** Authenticates a request carrying `Authorization: AWS4-HMAC-SHA256 …`. */
export function authenticateSigV4Header(input: AuthInput, credentials: CredentialStore, region: string): AuthResult {
  const header = input.headers['authorization'] ?? '';
  const prefix = `${SIGV4_ALGORITHM} `;
  const parsed = parseAuthorizationV4(header.slice(prefix.length));
  const time = requestTime(input);
  const credential = parseCredential('header', parsed.credential, time.amzDate.slice(0, 8), region);
  const signedHeaders = parseSignedHeaders('header', parsed.signedHeaders);
  checkSkew(time.date, time.raw, input.now);
  const user = lookupUser(credentials, credential.accessKeyId);

  const contentSha256 = input.headers['x-amz-content-sha256'];
  if (contentSha256 === undefined) {
    throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  // The declared payload is validated before the signature check. The seed signature is the one
  // provided, which equals the computed one once verifySignature has passed.
  const signingKey = getSigningKey(user.secretAccessKey, credential.date, credential.region, credential.service);
  const signing: ChunkSigningContext = {
    seedSignature: parsed.signature,
    signingKey,
    amzDate: time.amzDate,
    scope: credential.scope,
  };
  const payload = payloadModeForSigV4(contentSha256, input.headers, signing);

  verifySignature({
    input,
    user,
    credential,
    amzDate: time.amzDate,
    signedHeaders,
    payloadHash: contentSha256,
    signatureProvided: parsed.signature,
    signingKey,
  });
  requireSignedAmzHeaders(input.headers, signedHeaders);
  return { user, method: 'sigv4-header', payload, signedAt: time.date };
}

/**
 * Under SigV4 every `x-amz-*` header the request carries must be signed: an unsigned one (say an
 * `x-amz-copy-source` added to a presigned PUT URL) could change what the request does. AWS
 * answers 403 AccessDenied naming them.
 */
export function requireSignedAmzHeaders(headers: Readonly<Record<string, string | undefined>>, signedHeaders: readonly string[]): void {
  const unsigned = Object.keys(headers).filter((name) => name.startsWith('x-amz-') && headers[name] !== undefined && !signedHeaders.includes(name));
  if (unsigned.length > 0) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', { HeadersNotSigned: unsigned.join(', ') });
  }
}
