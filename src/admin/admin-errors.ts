/**
 * The admin API's error codes and their HTTP statuses (the S3 API's are src/errors.ts; this API
 * is Coffer's own and answers JSON: `{"code": …, "message": …}`). Authentication failures keep
 * S3's code, status and message: the same verifier answers them.
 */
export const ADMIN_ERRORS = {
  InvalidRequest: 400,
  MalformedJSON: 400,
  MalformedPolicyDocument: 400,
  InvalidUserName: 400,
  XAmzContentSHA256Mismatch: 400,
  AccessDenied: 403,
  NotFound: 404,
  NoSuchUser: 404,
  NoSuchAccessKey: 404,
  NoSuchPolicy: 404,
  MethodNotAllowed: 405,
  UserAlreadyExists: 409,
  AccessKeyAlreadyExists: 409,
  EntityTooLarge: 413,
  InternalError: 500,
} as const;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

export class AdminError extends Error {
  readonly status: number;

  constructor(readonly code: AdminErrorCode, message: string) {
    super(message);
    this.status = ADMIN_ERRORS[code];
  }
}
