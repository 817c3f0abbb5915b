/**
 * The header by which a replicator writes a replica into a Coffer under the source version's id
 * (docs/operations.md): honoured for callers allowed s3:ReplicateObject on the bucket, on the
 * operations that make a version or a delete marker, and refused (501) on any other.
 */
export const REPLICA_VERSION_HEADER = 'x-coffer-replica-version-id';

export const REPLICA_WRITE_OPERATIONS: ReadonlySet<string> = new Set(['PutObject', 'CompleteMultipartUpload', 'DeleteObject']);
