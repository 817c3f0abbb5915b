import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { VersionSummary } from '../../store/meta/metadata-store.js';
import type { XmlObject } from '../types.js';
import { quoteEtag } from '../objects/object-headers.js';
import type { OperationContext, OperationResult } from '../types.js';
import { NULL_VERSION_ID } from '../versioning/version-ids.js';

/**
 * ListObjectVersions: every version and delete marker, keys in UTF-8 byte order, newest first
 * within a key, rolled up into CommonPrefixes at the delimiter. `max-keys` counts versions,
 * markers and prefixes alike. A page resumes after (`key-marker`, `version-id-marker`), or after
 * every version of `key-marker` when no version id is given.
 * `Version` and `DeleteMarker` elements interleave in listing order, as AWS writes them.
 */
export async function listObjectVersions(ctx: OperationContext): Promise<OperationResult> {
  const { bucket } = ctx;
  const q = ctx.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const versionIdMarker = q.get('version-id-marker') ?? '';
  const encodingType = q.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encodingType });
  }
  const maxKeys = parseMaxKeys(q.get('max-keys'));
  if (versionIdMarker !== '') {
    if (keyMarker === '') {
      throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker });
    }
    if (versionIdMarker !== NULL_VERSION_ID && !/^[A-Za-z0-9_-]{32}$/.test(versionIdMarker)) {
      throw new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker });
    }
  }

  const page = maxKeys === 0
    ? { entries: [], isTruncated: false }
    : await ctx.services.meta.listVersions(bucket.name, { prefix, delimiter, keyMarker, versionIdMarker, limit: maxKeys });

  const encode = encodingType === 'url' ? encodeKey : (s: string) => s;
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
    EncodingType: encodingType ?? undefined,
  };
  return { xml: { root: 'ListVersionsResult', body } };
}

function parseMaxKeys(text: string | null): number {
  if (text === null) return limits.listKeysMax;
  if (!/^\d+$/.test(text) || Number(text) > 2 ** 31 - 1) {
    throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: text });
  }
  return Math.min(Number(text), limits.listKeysMax);
}

type Encode = (s: string) => string;
type Owner = (id: string) => XmlObject;

function versionXml(v: VersionSummary, encode: Encode, owner: Owner): XmlObject {
  return {
    Key: encode(v.key),
    VersionId: v.versionId,
    IsLatest: v.isLatest,
    LastModified: v.lastModified.toISOString(),
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
    LastModified: v.lastModified.toISOString(),
  };
}

/** encoding-type=url: each character but unreserved ones and '/' percent-encoded as UTF-8 (as S3). */
function encodeKey(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
