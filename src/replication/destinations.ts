import { readFile } from 'node:fs/promises';
import { configEntries } from '../config-entries.js';
import { bucketOfArn } from './rules.js';

/**
 * One entry of `--replication-config FILE`: a bucket on another S3 endpoint (another Coffer, or
 * any S3) that replication rules may name as their destination, and the keys to write there.
 */
export interface RemoteDestination {
  /** `arn:aws:s3:::name`, as rules name it. */
  readonly bucketArn: string;
  /** The bucket's name on the remote endpoint (from the ARN). */
  readonly bucket: string;
  /** e.g. http://10.0.0.2:9000 */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /**
   * The endpoint is a Coffer: replicas keep the source's version ids (x-coffer-replica-version-id).
   * Any other S3 gives them new ones. Default true.
   */
  readonly coffer: boolean;
}

/**
 * Parses a replication config document `{"destinations": [{"bucketArn": …, "endpoint": …,
 * "region": …, "accessKeyId": …, "secretAccessKey": …}]}`; a malformed one throws an Error
 * saying which entry and field (start-up fails rather than refusing configurations later). The
 * error never repeats a secret.
 */
export function parseReplicationConfig(text: string, source = 'replication config'): RemoteDestination[] {
  const arns = new Set<string>();
  return configEntries(text, source, 'destinations').map(({ where, fields }) => {
    for (const field of ['bucketArn', 'endpoint', 'region', 'accessKeyId', 'secretAccessKey']) {
      if (typeof fields[field] !== 'string' || fields[field] === '') throw new Error(`${where}: needs "${field}" (a string)`);
    }
    const bucketArn = fields.bucketArn as string;
    const bucket = bucketOfArn(bucketArn);
    if (!bucket) throw new Error(`${where}: "bucketArn" must be arn:aws:s3:::BUCKET`);
    if (arns.has(bucketArn)) throw new Error(`${where}: ${bucketArn} declared twice`);
    arns.add(bucketArn);
    if (!/^https?:\/\/[^/]+\/?$/.test(fields.endpoint as string)) throw new Error(`${where}: "endpoint" must be http(s)://host[:port]`);
    if (fields.coffer !== undefined && typeof fields.coffer !== 'boolean') throw new Error(`${where}: "coffer" must be true or false`);
    return {
      bucketArn,
      bucket,
      endpoint: fields.endpoint as string,
      region: fields.region as string,
      accessKeyId: fields.accessKeyId as string,
      secretAccessKey: fields.secretAccessKey as string,
      coffer: fields.coffer !== false,
    };
  });
}

export async function loadReplicationConfig(path: string): Promise<RemoteDestination[]> {
  return parseReplicationConfig(await readFile(path, 'utf8'), path);
}
