import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { REPLICA_VERSION_HEADER } from '../../../src/replication/replica-header.js';

/** Polls the version's x-amz-replication-status until it is `status` (fails after ~10 s). */
export async function waitForStatus(s3: S3Client, bucket: string, key: string, versionId: string, status: string): Promise<void> {
  let seen: string | undefined;
  for (let i = 0; i < 400; i++) {
    seen = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).ReplicationStatus;
    if (seen === status) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${bucket}/${key} (${versionId}): replication status ${seen}, expected ${status}`);
}

type BuildHandler = (args: { request: unknown }) => Promise<unknown>;

/** Adds x-coffer-replica-version-id to an SDK command, as a replicator sends it. */
export function replicaHeader<C>(command: C, versionId: string): C {
  (command as unknown as { middlewareStack: { add(m: (next: BuildHandler) => BuildHandler, o: object): void } }).middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers[REPLICA_VERSION_HEADER] = versionId;
      return next(args);
    },
    { step: 'build' },
  );
  return command;
}
