import { parseChecksumAlgorithm } from '../../checksum/index.js';
import { S3Error } from '../../errors.js';
import type { XmlObject } from '../types.js';
import { checksumElement } from '../multipart/multipart-checksums.js';
import { findVersion } from './objects.js';
import { readKeysFor } from './encryption.js';
import { httpDate } from './object-headers.js';
import type { OperationContext, OperationResult } from '../types.js';
import { showsVersionIds } from '../versioning/version-ids.js';

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);
const PARTS_MAX = 1000;

function headerInteger(ctx: OperationContext, name: string, fallback: number): number {
  const text = ctx.headers[name];
  if (text === undefined || text.trim() === '') return fallback;
  if (!/^\d{1,10}$/.test(text.trim()) || Number(text) > 2_147_483_647) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: text });
  }
  return Number(text);
}

/** GetObjectAttributes (GET ?attributes): the attributes `x-amz-object-attributes` lists. */
export async function getObjectAttributes(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const wanted = (ctx.headers['x-amz-object-attributes'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (wanted.length === 0) {
    throw new S3Error('InvalidArgument', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty', { ArgumentName: 'x-amz-object-attributes' });
  }
  for (const name of wanted) {
    if (!ATTRIBUTES.has(name)) throw new S3Error('InvalidArgument', 'Invalid attribute name specified.', { ArgumentName: 'x-amz-object-attributes', ArgumentValue: name });
  }
  const maxParts = Math.min(headerInteger(ctx, 'x-amz-max-parts', PARTS_MAX), PARTS_MAX);
  const marker = headerInteger(ctx, 'x-amz-part-number-marker', 0);
  const version = await findVersion(ctx, bucket);
  // An SSE-C object's attributes are the key holder's only, as its data is.
  await readKeysFor(ctx, version, { decrypts: false });
  const has = (name: string) => wanted.includes(name);
  const body: Record<string, XmlObject[string]> = {};
  if (has('ETag')) body.ETag = version.etag;
  if (has('Checksum') && version.checksum) {
    const algorithm = parseChecksumAlgorithm(version.checksum.algorithm);
    if (algorithm) body.Checksum = { [checksumElement(algorithm)]: version.checksum.value, ChecksumType: version.checksum.type };
  }
  if (has('ObjectParts') && version.parts && version.parts.length > 0) {
    const after = version.parts.filter((p) => p.partNumber > marker);
    const page = after.slice(0, maxParts);
    const algorithm = version.checksum ? parseChecksumAlgorithm(version.checksum.algorithm) : undefined;
    body.ObjectParts = {
      PartsCount: version.parts.length, // TotalPartsCount in the API, PartsCount on the wire
      PartNumberMarker: marker,
      NextPartNumberMarker: page.length > 0 ? page[page.length - 1]!.partNumber : marker,
      MaxParts: maxParts,
      IsTruncated: after.length > page.length,
      // AWS lists the parts only of an object with an additional checksum (the API reference's
      // GetObjectAttributesParts): without one, the count and the markers alone.
      Part: algorithm
        ? page.map((p) => ({ PartNumber: p.partNumber, Size: p.size, ...(p.checksum ? { [checksumElement(algorithm)]: p.checksum } : {}) }))
        : [],
    };
  }
  if (has('StorageClass')) body.StorageClass = version.storageClass;
  if (has('ObjectSize')) body.ObjectSize = version.size;
  return {
    headers: {
      'last-modified': httpDate(version.lastModified),
      'x-amz-version-id': showsVersionIds(bucket) ? version.versionId : undefined,
    },
    xml: { root: 'GetObjectAttributesResponse', body },
  };
}
