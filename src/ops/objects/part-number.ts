import { checksumHeaderName, parseChecksumAlgorithm } from '../../checksum/index.js';
import { S3Error } from '../../errors.js';
import type { ObjectVersion } from '../../store/meta/metadata-store.js';
import type { ByteRange } from './ranges.js';

export interface PartRead {
  /** undefined for an empty object (nothing to range over). */
  readonly range?: ByteRange;
  readonly headers: Record<string, string | number | undefined>;
}

/**
 * GetObject/HeadObject `?partNumber=N`: the bytes of the object's Nth part, with
 * `x-amz-mp-parts-count` (a non-multipart object has one part, itself). N counts the parts the
 * object is made of, 1 to PartsCount, whatever numbers they had in the upload: an upload of
 * parts 1 and 1000 makes an object of parts 1 and 2, as on AWS. A part the object does not have
 * → 416 InvalidPartNumber; `Range` with it → 400 InvalidRequest, before the number is looked at.
 */
export function partRead(
  query: URLSearchParams, params: { partNumber(): number | undefined }, headers: Readonly<Record<string, string | undefined>>, version: ObjectVersion,
): PartRead | undefined {
  if (!query.has('partNumber')) return undefined;
  if (headers['range'] !== undefined) throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  const partNumber = params.partNumber()!;
  const parts = version.parts;
  if (!parts || parts.length === 0) {
    if (partNumber !== 1) throw invalidPartNumber(partNumber, 1);
    return { range: version.size > 0 ? { start: 0, end: version.size } : undefined, headers: {} };
  }
  const part = parts[partNumber - 1];
  if (!part) throw invalidPartNumber(partNumber, parts.length);
  let start = 0;
  for (let i = 0; i < partNumber - 1; i++) start += parts[i]!.size;
  const out: Record<string, string | number | undefined> = { 'x-amz-mp-parts-count': parts.length };
  // A part's own checksum is shown for a composite object (whose checksum is made of them), or
  // when the part is the whole object; a full-object checksum of several parts covers no part.
  const checksum = version.checksum;
  const algorithm = checksum ? parseChecksumAlgorithm(checksum.algorithm) : undefined;
  const shown = checksum?.type === 'COMPOSITE' || parts.length === 1;
  if (algorithm && shown && part.checksum && headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED') {
    out[checksumHeaderName(algorithm)] = part.checksum;
    out['x-amz-checksum-type'] = checksum!.type;
  }
  return { range: part.size > 0 ? { start, end: start + part.size } : undefined, headers: out };
}

function invalidPartNumber(requested: number, count: number): S3Error {
  return new S3Error('InvalidPartNumber', undefined, { PartNumberRequested: requested, ActualPartCount: count });
}
