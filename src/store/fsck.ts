import { compositeChecksum, createHasher, multipartEtag, parseChecksumAlgorithm, type ChecksumAlgorithm, type Hasher } from '../checksum/index.js';
import { Readable } from 'node:stream';
import { storedSize } from '../crypto/segments.js';
import type { BlobStore } from './blob/blob-store.js';
import type { Extent, MetadataStore, ObjectVersion, StoredData } from './meta/metadata-store.js';

/** One inconsistency fsck found. `where` names the row (bucket/key/version or upload part) or the blob. */
export interface FsckProblem {
  readonly kind: 'missing-blob' | 'short-blob' | 'size-mismatch' | 'etag-mismatch' | 'checksum-mismatch' | 'unreadable-data' | 'unreferenced-blob';
  readonly where: string;
  readonly detail: string;
}

export interface FsckOptions {
  /** Also read every byte and compare MD5 (the ETag) and the stored checksums. */
  readonly deep?: boolean;
  /** Called for each unreferenced blob (e.g. to move it to lost+found); fsck only reports when absent. */
  readonly repairUnreferenced?: (blobId: string) => Promise<void>;
  /** Progress: rows checked so far, out of about `rowsExpected`. */
  readonly onProgress?: (progress: { phase: 'blobs' | 'rows' | 'unreferenced'; done: number; expected?: number }) => void;
  /**
   * The plaintext [from, to) of an extent, for `deep` (encrypted blobs are decrypted by the caller,
   * which holds the keys); undefined when it cannot be read (a customer's key, SSE-C): such a row's
   * bytes are not verified. Default: the blob's bytes as stored.
   */
  readonly readPlain?: (extent: Extent, from: number, to: number) => AsyncIterable<Buffer> | undefined;
  /** Only blobs modified before this instant can be called unreferenced (a running server may be writing newer ones). */
  readonly startedMs?: number;
}

export interface FsckReport {
  readonly blobs: number;
  readonly rows: number;
  readonly problems: readonly FsckProblem[];
  /** Unreferenced blobs handed to repairUnreferenced. */
  readonly repaired: number;
}

const REFERENCE_CHECK_BATCH = 500;

/**
 * Checks that the metadata and the blobs agree: every version and upload part's extents lie
 * within existing blobs and add up to its size (with `deep`, that its bytes hash to its ETag and
 * stored checksums), and every blob is referenced. Reads only, unless `repairUnreferenced` is given.
 */
export async function fsck(meta: MetadataStore, blobs: BlobStore, options: FsckOptions = {}): Promise<FsckReport> {
  const startedMs = options.startedMs ?? Date.now();
  const sizes = new Map<string, { size: number; modifiedMs: number }>();
  for await (const blob of blobs.list()) {
    sizes.set(blob.blobId, { size: blob.size, modifiedMs: blob.modifiedMs });
    if (sizes.size % 1000 === 0) options.onProgress?.({ phase: 'blobs', done: sizes.size });
  }
  const problems: FsckProblem[] = [];
  const referenced = new Set<string>();
  const rowsExpected = (await meta.usage()).objects;
  let rows = 0;
  for await (const row of meta.scanData()) {
    rows++;
    const where = describe(row);
    const manifest = row.kind === 'version' ? row.version.manifest : row.part.manifest;
    const size = row.kind === 'version' ? row.version.size : row.part.size;
    let intact = true;
    for (const extent of manifest) {
      if (extent.inline) {
        const expected = extent.sealing ? storedSize(extent.sealing.blobBytes, extent.sealing.segmentBytes, extent.sealing.outer !== undefined) : extent.inline.length;
        if (extent.inline.length !== expected || !extent.sealing || extent.offset + extent.length > extent.sealing.blobBytes) {
          intact = false;
          problems.push({ kind: 'short-blob', where, detail: `inline data has ${extent.inline.length} bytes; its sealing needs ${expected} and the extent ends at ${extent.offset + extent.length}` });
        }
        continue;
      }
      referenced.add(extent.blobId);
      const blob = sizes.get(extent.blobId);
      if (!blob) {
        intact = false;
        problems.push({ kind: 'missing-blob', where, detail: `blob ${extent.blobId} does not exist` });
      } else if (blob.size < extent.offset + extent.length) {
        intact = false;
        problems.push({ kind: 'short-blob', where, detail: `blob ${extent.blobId} has ${blob.size} bytes; the extent ends at ${extent.offset + extent.length}` });
      }
    }
    const extentBytes = manifest.reduce((sum, e) => sum + e.length, 0);
    if (extentBytes !== size) {
      intact = false;
      problems.push({ kind: 'size-mismatch', where, detail: `extents hold ${extentBytes} bytes; the row says ${size}` });
    }
    if (options.deep && intact) {
      try {
        problems.push(...(await verifyContent(options.readPlain ?? rawReader(blobs), row, where)));
      } catch (error) {
        // An encrypted blob whose bytes were altered fails authentication before any hash is taken.
        problems.push({ kind: 'unreadable-data', where, detail: (error as Error).message });
      }
    }
    options.onProgress?.({ phase: 'rows', done: rows, expected: Math.max(rows, rowsExpected) });
  }

  let repaired = 0;
  const candidates = [...sizes].filter(([id, blob]) => !referenced.has(id) && blob.modifiedMs < startedMs).map(([id]) => id);
  for (let i = 0; i < candidates.length; i += REFERENCE_CHECK_BATCH) {
    // Asked again: a row written during the scan may have referenced one.
    const batch = candidates.slice(i, i + REFERENCE_CHECK_BATCH);
    const nowReferenced = await meta.referencedBlobs(batch);
    for (const blobId of batch.filter((id) => !nowReferenced.has(id))) {
      problems.push({ kind: 'unreferenced-blob', where: `blob ${blobId}`, detail: `${sizes.get(blobId)!.size} bytes, referenced by no version or part` });
      if (options.repairUnreferenced) {
        await options.repairUnreferenced(blobId);
        repaired++;
      }
    }
    options.onProgress?.({ phase: 'unreferenced', done: Math.min(i + REFERENCE_CHECK_BATCH, candidates.length), expected: candidates.length });
  }
  return { blobs: sizes.size, rows, problems, repaired };
}

function describe(row: StoredData): string {
  if (row.kind === 'version') return `s3://${row.version.bucket}/${row.version.key} (version ${row.version.versionId})`;
  return `s3://${row.bucket}/${row.key} (upload ${row.uploadId}, part ${row.part.partNumber})`;
}

type PlainReader = NonNullable<FsckOptions['readPlain']>;

function rawReader(blobs: BlobStore): PlainReader {
  return (extent, from, to) => (extent.inline ? Readable.from([extent.inline.subarray(from, to)]) : blobs.read(extent.blobId, from, to)) as AsyncIterable<Buffer>;
}

/** Hashes a row's bytes, a part at a time for multipart objects, and compares them with what was stored. */
async function verifyContent(read: PlainReader, row: StoredData, where: string): Promise<FsckProblem[]> {
  const problems: FsckProblem[] = [];
  const manifest = row.kind === 'part' ? row.part.manifest : row.version.manifest;
  // A row whose bytes this process cannot read (a customer's key) is checked for presence and size only.
  if (manifest.some((extent) => read(extent, extent.offset, extent.offset) === undefined)) return problems;
  const blobs = read;
  if (row.kind === 'part') {
    const md5 = await hashExtents(blobs, row.part.manifest, 0, row.part.size, []);
    if (md5.md5.toString('hex') !== row.part.etag) problems.push(etagMismatch(where, row.part.etag, md5.md5.toString('hex')));
    return problems;
  }
  const version = row.version;
  if (version.isDeleteMarker) return problems;
  const algorithm = version.checksum && parseChecksumAlgorithm(version.checksum.algorithm);
  const whole = algorithm && version.checksum?.type === 'FULL_OBJECT' ? createHasher(algorithm) : undefined;
  const partSizes = version.parts?.map((p) => p.size) ?? [version.size];
  const partMd5s: Buffer[] = [];
  const partChecksums: Buffer[] = [];
  let offset = 0;
  for (const partSize of partSizes) {
    const hashed = await hashExtents(blobs, version.manifest, offset, partSize, whole ? [whole] : [], algorithm && !whole ? algorithm : undefined);
    partMd5s.push(hashed.md5);
    if (hashed.checksum) partChecksums.push(hashed.checksum);
    offset += partSize;
  }
  const etag = version.parts ? multipartEtag(partMd5s) : partMd5s[0]!.toString('hex');
  if (etag !== version.etag) problems.push(etagMismatch(where, version.etag, etag));
  const checksum = checksumOf(version, algorithm, whole, partChecksums);
  if (checksum !== undefined && checksum !== version.checksum!.value) {
    problems.push({ kind: 'checksum-mismatch', where, detail: `${version.checksum!.algorithm} stored ${version.checksum!.value}, data hashes to ${checksum}` });
  }
  return problems;
}

function checksumOf(version: ObjectVersion, algorithm: ChecksumAlgorithm | undefined, whole: Hasher | undefined, partChecksums: Buffer[]): string | undefined {
  if (!algorithm) return undefined;
  if (whole) return whole.digest().toString('base64');
  return version.parts ? compositeChecksum(algorithm, partChecksums) : partChecksums[0]!.toString('base64');
}

function etagMismatch(where: string, stored: string, computed: string): FsckProblem {
  return { kind: 'etag-mismatch', where, detail: `ETag ${stored}, data hashes to ${computed}` };
}

/**
 * Bytes [start, start + length) of the data the extents make up: their MD5, their checksum in
 * `algorithm` if asked, and every byte fed to `also` (a whole-object hasher).
 */
async function hashExtents(read: PlainReader, manifest: readonly Extent[], start: number, length: number, also: Hasher[], algorithm?: ChecksumAlgorithm): Promise<{ md5: Buffer; checksum?: Buffer }> {
  const hashers = [createHasher('MD5'), ...(algorithm ? [createHasher(algorithm)] : []), ...also];
  let position = 0;
  const end = start + length;
  for (const extent of manifest) {
    const from = Math.max(start, position);
    const to = Math.min(end, position + extent.length);
    if (from < to) {
      for await (const chunk of read(extent, extent.offset + from - position, extent.offset + to - position)!) {
        for (const hasher of hashers) hasher.update(chunk as Buffer);
      }
    }
    position += extent.length;
    if (position >= end) break;
  }
  return { md5: hashers[0]!.digest(), checksum: algorithm ? hashers[1]!.digest() : undefined };
}
