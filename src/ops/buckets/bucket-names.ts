import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';

const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** AWS's naming rules for general purpose buckets; a broken rule → InvalidBucketName. */
export function checkBucketName(name: string): void {
  const valid =
    name.length >= limits.bucketNameCharsMin &&
    name.length <= limits.bucketNameCharsMax &&
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) &&
    !RESERVED_PREFIXES.some((p) => name.startsWith(p)) &&
    !RESERVED_SUFFIXES.some((s) => name.endsWith(s));
  if (!valid) throw new S3Error('InvalidBucketName', undefined, { BucketName: name });
}
