import { S3Error } from '../../errors.js';
import type { VersionSummary } from '../../store/meta/metadata-store.js';
import type { XmlObject } from '../types.js';
import { listingEncoder } from '../../api/parameters.js';
import { quoteEtag } from '../objects/object-headers.js';
import { isoTimestamp } from './timestamps.js';
import type { OperationContext, OperationResult } from '../types.js';

/**
 * ListObjectVersions: every version and delete marker, keys in UTF-8 byte order, newest first
 * within a key, rolled up into CommonPrefixes at the delimiter. `max-keys` counts versions,
 * markers and prefixes alike. A page resumes after (`key-marker`, `version-id-marker`), or after
 * every version of `key-marker` when no version id is given.
 * `Version` and `DeleteMarker` elements interleave in listing order, as AWS writes them.
 */
export async function listObjectVersions(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const { params } = ctx;
  const prefix = params.string('prefix') ?? '';
  const delimiter = params.string('delimiter') ?? '';
  const keyMarker = params.string('key-marker') ?? '';
  const encodingType = params.encodingType();
  const maxKeys = params.maxKeys();
  const versionIdMarkerText = params.string('version-id-marker') ?? '';
  if (versionIdMarkerText !== '' && keyMarker === '') {
    throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarkerText });
  }
  const versionIdMarker = versionIdMarkerText === '' ? '' : params.versionIdMarker()!;

  const page = maxKeys === 0
    ? { entries: [], isTruncated: false }
    : await ctx.services.meta.listVersions(bucket.name, { prefix, delimiter, keyMarker, versionIdMarker, limit: maxKeys });

  const encode = listingEncoder(encodingType);
  const owner = (id: string): XmlObject => ({ ID: id, DisplayName: ctx.services.credentials.byId(id)?.displayName ?? id });
  const entries: Array<[string, XmlObject]> = [];
  const prefixes: XmlObject[] = [];
  for (const entry of page.entries) {
    if (entry.kind === 'prefix') {
      prefixes.push({ Prefix: encode(entry.prefix) });
    } else if (entry.version.isDeleteMarker) {
      entries.push(['DeleteMarker', markerXml(entry.version, encode, owner)]);
    } else {
      entries.push(['Version', versionXml(entry.version, encode, owner)]);
    }
  }
  const last = page.entries.at(-1);
  const body: XmlObject = {
    Name: bucket.name,
    Prefix: encode(prefix),
    KeyMarker: encode(keyMarker),
    VersionIdMarker: versionIdMarker,
    NextKeyMarker: page.isTruncated && last ? encode(last.kind === 'prefix' ? last.prefix : last.version.key) : undefined,
    NextVersionIdMarker: page.isTruncated && last?.kind === 'version' ? last.version.versionId : undefined,
    MaxKeys: maxKeys,
    Delimiter: delimiter === '' ? undefined : encode(delimiter),
    IsTruncated: page.isTruncated,
    Versions: { '#sequence': entries },
    CommonPrefixes: prefixes.length > 0 ? prefixes : undefined,
    EncodingType: encodingType,
  };
  return { xml: { root: 'ListVersionsResult', body } };
}

type Encode = (s: string) => string;
type Owner = (id: string) => XmlObject;

function versionXml(v: VersionSummary, encode: Encode, owner: Owner): XmlObject {
  return {
    Key: encode(v.key),
    VersionId: v.versionId,
    IsLatest: v.isLatest,
    LastModified: isoTimestamp(v.lastModified),
    ETag: quoteEtag(v.etag),
    ChecksumAlgorithm: v.checksum?.algorithm,
    ChecksumType: v.checksum?.type,
    Size: v.size,
    Owner: owner(v.ownerId),
    StorageClass: v.storageClass,
  };
}

function markerXml(v: VersionSummary, encode: Encode, owner: Owner): XmlObject {
  return {
    Owner: owner(v.ownerId),
    Key: encode(v.key),
    VersionId: v.versionId,
    IsLatest: v.isLatest,
    LastModified: isoTimestamp(v.lastModified),
  };
}
