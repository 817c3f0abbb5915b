/**
 * The inventory report writer. For every enabled inventory configuration whose daily or weekly
 * slot (lifecycle days: COFFER_LIFECYCLE_DAY_SECONDS) has begun, it lists the source bucket (the
 * current objects, or every version) and writes, as AWS lays them out in the destination bucket:
 *   <prefix>/<source>/<id>/data/<uuid>.csv.gz                       the CSV rows, gzipped
 *   <prefix>/<source>/<id>/hive/dt=<YYYY-MM-DD-HH-MM>/symlink.txt     the data files, for Athena/Hive
 *   <prefix>/<source>/<id>/<YYYY-MM-DDTHH-MMZ>/manifest.json         files, schema, timestamps
 *   <prefix>/<source>/<id>/<YYYY-MM-DDTHH-MMZ>/manifest.checksum     MD5 (hex) of manifest.json, written last
 * A slot is claimed through a lease row that lasts until the next slot begins, so one gateway
 * writes each report; a report that fails gives its slot back and is written by a later pass.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { BucketRecord, VersionSummary } from '../store/meta/metadata-store.js';
import { urlEncode } from '../api/parameters.js';
import { isKmsRefusal, putObject, type ObjectWriterStores } from './write-object.js';

/** The optional fields the writer fills (the others are refused when the configuration is put). */
export const INVENTORY_FIELDS = [
  'Size', 'LastModifiedDate', 'StorageClass', 'ETag', 'IsMultipartUploaded', 'EncryptionStatus', 'ChecksumAlgorithm', 'ObjectOwner',
] as const;
type InventoryField = (typeof INVENTORY_FIELDS)[number];

const ARN_PREFIX = 'arn:aws:s3:::';
const LIST_PAGE = 1000;
/** Rows per data file (AWS splits large reports into several files too). */
const ROWS_PER_FILE = 100_000;

/** The bucket an inventory destination ARN names (undefined: not an S3 bucket ARN). */
export function inventoryDestinationBucket(arn: string): string | undefined {
  if (!arn.startsWith(ARN_PREFIX)) return undefined;
  const name = arn.slice(ARN_PREFIX.length);
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) ? name : undefined;
}

/** Reports are new objects, encrypted as the destination bucket's default says (write-object.ts). */
export interface InventoryPassOptions extends ObjectWriterStores {
  readonly dayMs: number;
  readonly now?: Date;
  readonly betweenPages?: (busyMs: number, wrote: boolean) => Promise<void>;
}

/** The stored configuration document (the checked XML tree) as the writer reads it. */
interface StoredInventory {
  readonly Id: string;
  readonly IsEnabled: string;
  readonly IncludedObjectVersions: 'All' | 'Current';
  readonly Filter?: { readonly Prefix: string };
  readonly OptionalFields?: { readonly Field?: readonly InventoryField[] };
  readonly Schedule: { readonly Frequency: 'Daily' | 'Weekly' };
  readonly Destination: { readonly S3BucketDestination: { readonly Bucket: string; readonly Prefix?: string } };
}

export async function runInventoryPass(options: InventoryPassOptions): Promise<{ reports: number }> {
  let reports = 0;
  const now = options.now ?? new Date();
  for (const bucket of await options.meta.listBuckets()) {
    for (const entry of await options.meta.listBucketConfigs(bucket.name, 'inventory', '', Number.MAX_SAFE_INTEGER)) {
      const config = JSON.parse(entry.document) as StoredInventory;
      if (config.IsEnabled !== 'true') continue;
      const periodMs = config.Schedule.Frequency === 'Daily' ? options.dayMs : 7 * options.dayMs;
      const slotEnds = new Date((Math.floor(now.getTime() / periodMs) + 1) * periodMs);
      const lease = `inventory:${bucket.name}:${config.Id}`;
      const holder = randomUUID();
      if (!(await options.meta.acquireLease(lease, holder, now, slotEnds)).held) continue;
      try {
        if (await writeReport(options, bucket, config, now)) reports++;
      } catch (error) {
        await options.meta.releaseLease(lease, holder);
        // The destination's default key disabled or gone: this report waits for the next pass, the others are written.
        if (isKmsRefusal(error)) continue;
        throw error;
      }
    }
  }
  return { reports };
}

async function writeReport(options: InventoryPassOptions, source: BucketRecord, config: StoredInventory, now: Date): Promise<boolean> {
  const destinationArn = config.Destination.S3BucketDestination.Bucket;
  const destination = await options.meta.getBucket(inventoryDestinationBucket(destinationArn) ?? '');
  if (!destination) return false; // AWS delivers nothing to a bucket that is gone
  const prefix = config.Destination.S3BucketDestination.Prefix;
  const base = `${prefix ? `${prefix}/` : ''}${source.name}/${config.Id}`;
  const fields = INVENTORY_FIELDS.filter((f) => config.OptionalFields?.Field?.includes(f));
  const allVersions = config.IncludedObjectVersions === 'All';
  const schema = ['Bucket', 'Key', ...(allVersions ? ['VersionId', 'IsLatest', 'IsDeleteMarker'] : []), ...fields];

  const files: { key: string; size: number; MD5checksum: string }[] = [];
  let lines: string[] = [];
  const flush = async () => {
    const body = gzipSync(Buffer.from(lines.join('')));
    const key = `${base}/data/${randomUUID()}.csv.gz`;
    files.push({ key, size: body.length, MD5checksum: await putObject(options, destination, key, body, 'application/x-gzip') });
    lines = [];
  };
  for await (const version of listSource(options, source, config.Filter?.Prefix ?? '', allVersions)) {
    const values = [source.name, urlEncode(version.key)];
    if (allVersions) values.push(version.versionId === 'null' ? '' : version.versionId, String(version.isLatest), String(version.isDeleteMarker));
    for (const field of fields) values.push(version.isDeleteMarker ? '' : fieldValue(field, version));
    lines.push(`${values.map(csvValue).join(',')}\n`);
    if (lines.length >= ROWS_PER_FILE) await flush();
  }
  if (lines.length > 0 || files.length === 0) await flush();

  const stamp = now.toISOString().slice(0, 16).replace(':', '-') + 'Z'; // YYYY-MM-DDTHH-MMZ
  const manifest = Buffer.from(JSON.stringify({
    sourceBucket: source.name,
    destinationBucket: destinationArn,
    version: '2016-11-30',
    creationTimestamp: String(now.getTime()),
    fileFormat: 'CSV',
    fileSchema: schema.join(', '),
    files,
  }, null, 2));
  const symlinks = files.map((f) => `s3://${destination.name}/${f.key}\n`).join('');
  await putObject(options, destination, `${base}/hive/dt=${stamp.slice(0, 16).replace('T', '-')}/symlink.txt`, Buffer.from(symlinks), 'text/plain');
  // The checksum goes last: readers take its presence as the sign that the report is complete.
  const manifestMd5 = await putObject(options, destination, `${base}/${stamp}/manifest.json`, manifest, 'application/json');
  await putObject(options, destination, `${base}/${stamp}/manifest.checksum`, Buffer.from(`${manifestMd5}\n`), 'text/plain');
  return true;
}

async function* listSource(options: InventoryPassOptions, bucket: BucketRecord, prefix: string, allVersions: boolean): AsyncIterable<VersionSummary> {
  let keyMarker = '';
  let versionIdMarker = '';
  for (;;) {
    const started = Date.now();
    const page = allVersions
      ? await options.meta.listVersions(bucket.name, { prefix, delimiter: '', keyMarker, versionIdMarker, limit: LIST_PAGE })
      : await options.meta.listObjects(bucket.name, { prefix, delimiter: '', after: keyMarker, limit: LIST_PAGE });
    let last: VersionSummary | undefined;
    for (const entry of page.entries) {
      if (entry.kind === 'prefix') continue;
      last = entry.version;
      yield entry.version;
    }
    // Listing pages are paced like writes: a report reads the whole bucket.
    await options.betweenPages?.(Date.now() - started, true);
    if (!page.isTruncated || !last) return;
    keyMarker = last.key;
    versionIdMarker = last.versionId;
  }
}

function fieldValue(field: InventoryField, version: VersionSummary): string {
  switch (field) {
    case 'Size': return String(version.size);
    case 'LastModifiedDate': return version.lastModified.toISOString();
    case 'StorageClass': return version.storageClass;
    case 'ETag': return version.etag;
    case 'IsMultipartUploaded': return String(version.etag.includes('-'));
    case 'EncryptionStatus': return version.encryption === undefined ? 'NOT-SSE' : version.encryption.mode === 'SSE-C' ? 'SSE-C' : version.encryption.mode === 'aws:kms' ? 'SSE-KMS' : version.encryption.mode === 'aws:kms:dsse' ? 'DSSE-KMS' : 'SSE-S3';
    case 'ChecksumAlgorithm': return version.checksum?.algorithm ?? '';
    case 'ObjectOwner': return version.ownerId;
  }
}

function csvValue(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}
