import type { User } from './credentials.js';

/** What authentication needs to know of a request; filled in by the HTTP front end. */
export interface AuthInput {
  readonly method: string;
  /** The request path exactly as it came on the wire (still percent-encoded), without the query. */
  readonly rawPath: string;
  /** The raw query string as it came on the wire, without the leading '?', ('' when none). */
  readonly rawQuery: string;
  /** Header names lowercased; repeated headers as Node keeps them (most joined with ', '). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The header lines as they came (name, value, name, value…): a repeated signed header is canonicalized from them. */
  readonly rawHeaders?: readonly string[];
  /** The bucket named by a virtual-hosted-style Host header, if any (SigV2's canonical resource needs it). */
  readonly virtualHostBucket?: string;
  /** How many Authorization header lines came (Node keeps only the first of several). */
  readonly authorizationHeaderCount?: number;
  readonly now: Date;
}

/** How the request body must be read and checked after authentication. */
export type PayloadMode =
  /** No body check (anonymous, SigV2, presigned, or `UNSIGNED-PAYLOAD`). */
  | { readonly kind: 'unsigned' }
  /** `x-amz-content-sha256` carries the body's hex SHA-256: check it at the end of the body. */
  | { readonly kind: 'sha256'; readonly expectedHex: string }
  /**
   * `Content-Encoding: aws-chunked` bodies: `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` (signed chunks),
   * `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`.
   */
  | {
      readonly kind: 'chunked';
      readonly signedChunks: boolean;
      readonly trailer: boolean;
      /** Signing context for chunk and trailer signatures (present when signedChunks). */
      readonly signing?: ChunkSigningContext;
      /** `x-amz-decoded-content-length`, when sent. */
      readonly decodedLength?: number;
    };

export interface ChunkSigningContext {
  readonly seedSignature: string;
  readonly signingKey: Buffer;
  /** `yyyymmddThhmmssZ` from the request. */
  readonly amzDate: string;
  /** `yyyymmdd/region/s3/aws4_request`. */
  readonly scope: string;
}

/** `-post`: a POST Object form's fields (auth/post-form.ts). */
export type AuthMethod = 'anonymous' | 'sigv4-header' | 'sigv4-query' | 'sigv2-header' | 'sigv2-query' | 'sigv4-post' | 'sigv2-post';

export interface AuthResult {
  /** null for an anonymous request. */
  readonly user: User | null;
  readonly method: AuthMethod;
  readonly payload: PayloadMode;
  /** When a SigV4 request was signed (X-Amz-Date, or Date): s3:signatureAge counts from it. */
  readonly signedAt?: Date;
}
