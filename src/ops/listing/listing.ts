import { createHash, timingSafeEqual } from 'node:crypto';
import { S3Error } from '../../errors.js';
import type { BucketRecord, ListEntry, VersionSummary } from '../../store/meta/metadata-store.js';
import type { ListedObject, XmlObject } from '../types.js';
import { listingEncoder } from '../../api/parameters.js';
import { quoteEtag } from '../objects/object-headers.js';
import { isoTimestamp } from './timestamps.js';
import type { OperationContext, OperationResult } from '../types.js';

/** ListObjects (v1): `marker`, NextMarker only with a delimiter, Owner always. */
export function listObjects(ctx: OperationContext): Promise<OperationResult> {
  return list(ctx, 1);
}

/** ListObjectsV2: opaque `continuation-token`, `start-after`, KeyCount, Owner only with `fetch-owner`. */
export function listObjectsV2(ctx: OperationContext): Promise<OperationResult> {
  return list(ctx, 2);
}

async function list(ctx: OperationContext, apiVersion: 1 | 2): Promise<OperationResult> {
  const { query } = ctx;
  const { bucket } = ctx;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const encodingType = ctx.params.encodingType();
  const maxKeys = ctx.params.maxKeys();
  const encode = listingEncoder(encodingType);

  const marker = query.get('marker') ?? '';
  const startAfter = query.get('start-after') ?? '';
  const token = query.get('continuation-token');
  let after: string;
  if (apiVersion === 1) after = marker;
  // An empty token (as a first page's request may carry) starts from the beginning; it is echoed.
  else after = token !== null && token !== '' ? decodeContinuationToken(bucket, token) : startAfter;

  const page = maxKeys === 0
    ? { entries: [] as ListEntry[], isTruncated: false }
    : await ctx.services.meta.listObjects(bucket.name, { prefix, delimiter, after, limit: maxKeys });

  const withOwner = apiVersion === 1 || query.get('fetch-owner')?.toLowerCase() === 'true';
  const contents: ListedObject[] = [];
  const commonPrefixes: XmlObject[] = [];
  const owner = withOwner ? ownerOf(ctx) : undefined;
  for (const entry of page.entries) {
    if (entry.kind === 'prefix') commonPrefixes.push({ Prefix: encode(entry.prefix) });
    else contents.push(contentsOf(entry.version, owner, encode));
  }
  const last = page.entries[page.entries.length - 1];
  const lastName = last === undefined ? undefined : last.kind === 'prefix' ? last.prefix : last.version.key;

  if (apiVersion === 1) {
    return {
      xml: {
        root: 'ListBucketResult',
        body: {
          Name: bucket.name,
          // Not encoded in version 1, unlike the other elements (AWS's answer, which botocore
          // and s3-tests' test_bucket_list_prefix_unreadable expect).
          Prefix: prefix,
          Marker: encode(marker),
          NextMarker: page.isTruncated && delimiter !== '' && lastName !== undefined ? encode(lastName) : undefined,
          MaxKeys: maxKeys,
          Delimiter: delimiter !== '' ? encode(delimiter) : undefined,
          IsTruncated: page.isTruncated,
          EncodingType: encodingType,
          Contents: { '#objects': contents },
          CommonPrefixes: commonPrefixes,
        },
      },
    };
  }
  return {
    xml: {
      root: 'ListBucketResult',
      body: {
        Name: bucket.name,
        Prefix: encode(prefix),
        MaxKeys: maxKeys,
        KeyCount: page.entries.length,
        Delimiter: delimiter !== '' ? encode(delimiter) : undefined,
        IsTruncated: page.isTruncated,
        ContinuationToken: token ?? undefined,
        NextContinuationToken: page.isTruncated && lastName !== undefined ? encodeContinuationToken(bucket, lastName) : undefined,
        StartAfter: query.has('start-after') ? encode(startAfter) : undefined,
        EncodingType: encodingType,
        Contents: { '#objects': contents },
        CommonPrefixes: commonPrefixes,
      },
    },
  };
}

function contentsOf(version: VersionSummary, owner: Owner | undefined, encode: (s: string) => string): ListedObject {
  return {
    Key: encode(version.key),
    LastModified: isoTimestamp(version.lastModified),
    ETag: quoteEtag(version.etag),
    ChecksumAlgorithm: version.checksum?.algorithm,
    ChecksumType: version.checksum?.type,
    Size: version.size,
    Owner: owner?.(version.ownerId),
    StorageClass: version.storageClass,
  };
}

type Owner = (id: string) => { readonly ID: string; readonly DisplayName: string };

/** An Owner element per owner id, looked up once per page: a page's objects mostly share one owner. */
function ownerOf(ctx: OperationContext): Owner {
  const owners = new Map<string, ReturnType<Owner>>();
  return (id) => {
    let owner = owners.get(id);
    if (owner === undefined) {
      owner = { ID: id, DisplayName: ctx.services.credentials.byId(id)?.displayName ?? '' };
      owners.set(id, owner);
    }
    return owner;
  };
}


// ---- continuation tokens ----
// Opaque to clients: base64url of [version byte][12-byte tag][key]. The tag binds the key to the
// bucket (name and creation time), so a forged token, one from another bucket, or one from a
// bucket since deleted and re-created is refused. It survives restarts: nothing is kept.

const TOKEN_VERSION = 1;
const TOKEN_TAG_BYTES = 12;

function tokenTag(bucket: BucketRecord, key: Buffer): Buffer {
  return createHash('sha256')
    .update(`coffer-list-v${TOKEN_VERSION}\0${bucket.name}\0${bucket.createdAt.getTime()}\0`)
    .update(key)
    .digest()
    .subarray(0, TOKEN_TAG_BYTES);
}

export function encodeContinuationToken(bucket: BucketRecord, key: string): string {
  const keyBytes = Buffer.from(key, 'utf8');
  return Buffer.concat([Buffer.of(TOKEN_VERSION), tokenTag(bucket, keyBytes), keyBytes]).toString('base64url');
}

export function decodeContinuationToken(bucket: BucketRecord, token: string): string {
  const invalid = () => new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length < 1 + TOKEN_TAG_BYTES || bytes[0] !== TOKEN_VERSION) throw invalid();
  const tag = bytes.subarray(1, 1 + TOKEN_TAG_BYTES);
  const key = bytes.subarray(1 + TOKEN_TAG_BYTES);
  if (!timingSafeEqual(tag, tokenTag(bucket, key))) throw invalid();
  return key.toString('utf8');
}
