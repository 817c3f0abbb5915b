import { S3Error } from '../errors.js';
import type { OperationName } from './operations.js';
import { REPLICA_VERSION_HEADER, REPLICA_WRITE_OPERATIONS } from '../replication/replica-header.js';

/**
 * Object lock headers (`x-amz-object-lock-mode`, `-retain-until-date`, `-legal-hold`), applied by
 * these operations only (ops/object-lock/lock-headers.ts newVersionLock); POST Object's form
 * fields join once it applies them.
 */
const LOCK_PREFIX = 'x-amz-object-lock-';
const LOCK_OPERATIONS: ReadonlySet<OperationName> = new Set<OperationName>(['PutObject', 'CopyObject', 'CreateMultipartUpload']);

/** Server-side encryption headers (and a copy source's SSE-C key), honoured by these operations only. */
const ENCRYPTION_PREFIXES = ['x-amz-server-side-encryption', 'x-amz-copy-source-server-side-encryption-'];
const ENCRYPTING_OPERATIONS: ReadonlySet<OperationName> = new Set<OperationName>([
  'PutObject', 'GetObject', 'HeadObject', 'CopyObject', 'CreateMultipartUpload', 'UploadPart', 'UploadPartCopy', 'CompleteMultipartUpload',
  'GetObjectAttributes',
]);

/** The operations that apply ACL headers (`x-amz-acl`, `x-amz-grant-*`); anywhere else they would be dropped. */
const ACL_OPERATIONS: ReadonlySet<OperationName> = new Set<OperationName>([
  'PutObject', 'CopyObject', 'CreateMultipartUpload', 'CreateBucket', 'PutBucketAcl', 'PutObjectAcl',
]);

function isAclHeader(name: string): boolean {
  return name === 'x-amz-acl' || name.startsWith('x-amz-grant-');
}

/**
 * "Never a silent lie": object lock, ACL or server-side encryption headers on an operation that
 * does not apply them would be dropped, so they are refused with AWS's 501 NotImplemented naming
 * the header.
 */
export function refuseUnimplementedHeaders(headers: Readonly<Record<string, string | undefined>>, operation: OperationName): void {
  if (headers[REPLICA_VERSION_HEADER] !== undefined && !REPLICA_WRITE_OPERATIONS.has(operation)) {
    throw new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented.', { Header: REPLICA_VERSION_HEADER });
  }
  const encrypting = ENCRYPTING_OPERATIONS.has(operation);
  for (const name in headers) {
    if (!name.startsWith('x-amz-')) continue;
    const unimplemented =
      (name.startsWith(LOCK_PREFIX) && !LOCK_OPERATIONS.has(operation)) ||
      (!encrypting && ENCRYPTION_PREFIXES.some((prefix) => name.startsWith(prefix))) ||
      (isAclHeader(name) && !ACL_OPERATIONS.has(operation));
    if (unimplemented) throw new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented.', { Header: name });
  }
}
