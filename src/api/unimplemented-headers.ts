import { S3Error } from '../errors.js';

/** Header families of features Coffer does not build yet: honouring none of them, it refuses them. */
const UNIMPLEMENTED_PREFIXES = ['x-amz-server-side-encryption', 'x-amz-object-lock-', 'x-amz-grant-'];

/**
 * "Never a silent lie": a request header asking for server-side encryption, object lock, ACL
 * grants or a canned ACL other than `private` would be dropped, so it is refused with AWS's
 * 501 NotImplemented naming the header.
 */
export function refuseUnimplementedHeaders(headers: Readonly<Record<string, string | undefined>>): void {
  for (const name in headers) {
    if (!name.startsWith('x-amz-')) continue;
    const unimplemented = UNIMPLEMENTED_PREFIXES.some((prefix) => name.startsWith(prefix)) || (name === 'x-amz-acl' && headers[name]?.trim() !== 'private');
    if (unimplemented) throw new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented.', { Header: name });
  }
}
