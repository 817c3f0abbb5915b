/**
 * One lifecycle pass: for every bucket with a lifecycle configuration and every enabled rule,
 * the store is asked for the rows that became due (indexes on the due date — never a scan of the
 * bucket), a page at a time; each action is its own small transaction that applies only if the
 * row is still in the state it was found in. Nothing is remembered between passes, so a pass cut
 * short (crash, lost lease) is simply finished by the next one.
 */
import type { BlobStore } from '../../store/blob/blob-store.js';
import type {
  BucketRecord,
  LifecycleCandidate,
  LifecycleScan,
  MetadataStore,
  NewVersion,
} from '../../store/meta/metadata-store.js';
import { StoreError } from '../../store/meta/metadata-store.js';
import { mayRemoveVersion } from '../removal-guard.js';
import { newVersionId } from '../../ops/versioning/version-ids.js';
import { bucketEvents, s3ServiceRequest } from '../../ops/notification/events.js';
import type { EventType } from '../../events/event-types.js';
import {
  actionCutoff,
  dueCutoff,
  filterMatches,
  parseLifecycleDocument,
  rulePrefix,
  type LifecycleConfiguration,
  type LifecycleRule,
} from './rules.js';

export interface LifecyclePassOptions {
  readonly meta: MetadataStore;
  readonly blobs: BlobStore;
  /** Length of a lifecycle day (COFFER_LIFECYCLE_DAY_SECONDS × 1000). */
  readonly dayMs: number;
  /** Rows per store page. */
  readonly pageSize?: number;
  /** The pass's clock (tests); default: now. */
  readonly now?: Date;
  /**
   * Called after every page with the time the page took and whether it changed anything: the
   * scheduler renews its lease here and, after a page that wrote, sleeps (throttling); throwing
   * stops the pass.
   */
  readonly betweenPages?: (busyMs: number, wrote: boolean) => Promise<void>;
}

export interface LifecyclePassStats {
  buckets: number;
  /** Rows the store returned as possibly due: the pass's whole read cost. */
  rowsRead: number;
  expired: number;
  noncurrentExpired: number;
  deleteMarkersRemoved: number;
  uploadsAborted: number;
  transitioned: number;
  /** Versions a removal would have applied to that the removal guard kept (object lock). */
  kept: number;
}

const PAGE_SIZE = 200;
/** Objects smaller than this are not transitioned unless the rule filters by size (AWS's default since 2024). */
const TRANSITION_MINIMUM_BYTES = 128 * 1024;
/** Storage classes in the order objects move through them; a transition never moves an object back. */
const STORAGE_CLASS_RANK: Readonly<Record<string, number>> = {
  STANDARD: 0, REDUCED_REDUNDANCY: 0, STANDARD_IA: 1, INTELLIGENT_TIERING: 1, ONEZONE_IA: 2, GLACIER_IR: 3, GLACIER: 4, DEEP_ARCHIVE: 5,
};

export async function runLifecyclePass(options: LifecyclePassOptions): Promise<LifecyclePassStats> {
  const stats: LifecyclePassStats = {
    buckets: 0, rowsRead: 0, expired: 0, noncurrentExpired: 0, deleteMarkersRemoved: 0, uploadsAborted: 0, transitioned: 0, kept: 0,
  };
  for (const bucket of await options.meta.listBuckets()) {
    const document = await options.meta.getBucketConfig(bucket.name, 'lifecycle');
    if (document === undefined) continue;
    stats.buckets++;
    await new BucketPass(options, bucket, parseLifecycleDocument(document), stats).run();
  }
  return stats;
}

class BucketPass {
  private readonly now: Date;
  private readonly pageSize: number;

  constructor(
    private readonly options: LifecyclePassOptions,
    private readonly bucket: BucketRecord,
    private readonly config: LifecycleConfiguration & { transitionDefaultMinimumObjectSize?: string },
    private readonly stats: LifecyclePassStats,
  ) {
    this.now = options.now ?? new Date();
    this.pageSize = options.pageSize ?? PAGE_SIZE;
  }

  async run(): Promise<void> {
    const rules = this.config.rules.filter((rule) => rule.status === 'Enabled');
    // Expiration before transition (AWS: expiring wins when both are due).
    for (const rule of rules) await this.expireCurrent(rule);
    for (const rule of rules) await this.expireNoncurrent(rule);
    for (const rule of rules) await this.removeLoneDeleteMarkers(rule);
    for (const rule of rules) await this.abortUploads(rule);
    for (const rule of rules) await this.transition(rule);
  }

  private async expireCurrent(rule: LifecycleRule): Promise<void> {
    const expiration = rule.expiration;
    const cutoff = expiration && actionCutoff(expiration, this.now, this.options.dayMs);
    if (!cutoff) return;
    await this.eachCandidate(rule, 'current', cutoff, async (candidate) => {
      if (this.bucket.versioning === 'Enabled') {
        await this.replaceWithDeleteMarker(candidate, newVersionId());
      } else if (this.bucket.versioning === 'Suspended') {
        // The marker takes the null version's place: a null version's data goes, another version stays noncurrent.
        if (candidate.versionId === 'null' && !this.mayRemove(candidate)) return;
        await this.replaceWithDeleteMarker(candidate, 'null');
      } else {
        if (await this.remove(candidate, true)) this.stats.expired++;
      }
    });
  }

  private async expireNoncurrent(rule: LifecycleRule): Promise<void> {
    const action = rule.noncurrentVersionExpiration;
    if (!action) return;
    const cutoff = dueCutoff(this.now, action.noncurrentDays, this.options.dayMs);
    await this.eachCandidate(rule, 'noncurrent', cutoff, async (candidate) => {
      if (action.newerNoncurrentVersions !== undefined && (candidate.newerNoncurrentVersions ?? 0) < action.newerNoncurrentVersions) return;
      if (await this.remove(candidate, false)) this.stats.noncurrentExpired++;
    });
  }

  /**
   * ExpiredObjectDeleteMarker removes delete markers no other version stands behind; an
   * Expiration in days does the same for such markers older than its days (as AWS does).
   */
  private async removeLoneDeleteMarkers(rule: LifecycleRule): Promise<void> {
    const expiration = rule.expiration;
    if (!expiration || (!expiration.expiredObjectDeleteMarker && expiration.days === undefined)) return;
    const cutoff = expiration.expiredObjectDeleteMarker ? this.now : dueCutoff(this.now, expiration.days!, this.options.dayMs);
    await this.eachCandidate(rule, 'lone-delete-marker', cutoff, async (candidate) => {
      if (await this.remove(candidate, true)) this.stats.deleteMarkersRemoved++;
    });
  }

  private async abortUploads(rule: LifecycleRule): Promise<void> {
    const abort = rule.abortIncompleteMultipartUpload;
    if (!abort) return;
    const { meta, blobs } = this.options;
    const initiatedAtOrBefore = dueCutoff(this.now, abort.daysAfterInitiation, this.options.dayMs);
    let after = '';
    do {
      const started = Date.now();
      const page = await meta.findStaleUploads(this.bucket.name, { prefix: rulePrefix(rule), initiatedAtOrBefore, after, limit: this.pageSize });
      this.stats.rowsRead += page.items.length;
      await Promise.all(page.items.map(async (upload) => {
        try {
          const { released } = await meta.abortUpload(this.bucket.name, upload.uploadId);
          await blobs.delete(released);
          this.stats.uploadsAborted++;
        } catch (error) {
          if (!(error instanceof StoreError && error.code === 'UploadNotFound')) throw error; // completed or aborted meanwhile
        }
      }));
      after = page.next ?? '';
      await this.options.betweenPages?.(Date.now() - started, page.items.length > 0);
    } while (after !== '');
  }

  private async transition(rule: LifecycleRule): Promise<void> {
    for (const transition of rule.transitions) {
      const cutoff = actionCutoff(transition, this.now, this.options.dayMs);
      if (cutoff) await this.eachCandidate(rule, 'current', cutoff, (c) => this.transitionOne(rule, c, transition.storageClass));
    }
    for (const transition of rule.noncurrentVersionTransitions) {
      const cutoff = dueCutoff(this.now, transition.noncurrentDays, this.options.dayMs);
      await this.eachCandidate(rule, 'noncurrent', cutoff, async (candidate) => {
        if (transition.newerNoncurrentVersions !== undefined && (candidate.newerNoncurrentVersions ?? 0) < transition.newerNoncurrentVersions) return;
        await this.transitionOne(rule, candidate, transition.storageClass);
      });
    }
  }

  private async transitionOne(rule: LifecycleRule, candidate: LifecycleCandidate, storageClass: string): Promise<void> {
    if (candidate.isDeleteMarker) return;
    if ((STORAGE_CLASS_RANK[candidate.storageClass] ?? 0) >= (STORAGE_CLASS_RANK[storageClass] ?? 0)) return;
    const sizeFiltered = rule.filter.objectSizeGreaterThan !== undefined || rule.filter.objectSizeLessThan !== undefined;
    const minimumApplies = (this.config.transitionDefaultMinimumObjectSize ?? 'all_storage_classes_128K') === 'all_storage_classes_128K';
    if (minimumApplies && !sizeFiltered && candidate.size < TRANSITION_MINIMUM_BYTES) return;
    try {
      const events = await bucketEvents(
        this.options.meta, this.bucket, 'LifecycleTransition', candidate.key, { size: candidate.size, etag: candidate.etag, versionId: candidate.versionId },
        s3ServiceRequest(), new Date(), { transition: { destinationStorageClass: storageClass } },
      );
      await this.options.meta.updateVersionStorage(this.bucket.name, candidate.key, candidate.versionId, { storageClass }, events);
      this.stats.transitioned++;
    } catch (error) {
      if (!(error instanceof StoreError && error.code === 'VersionNotFound')) throw error;
    }
  }

  /** Pages through a scan; `act` sees only candidates the rule's filter selects. */
  private async eachCandidate(
    rule: LifecycleRule, kind: LifecycleScan['kind'], dueAtOrBefore: Date, act: (candidate: LifecycleCandidate) => Promise<void>,
  ): Promise<void> {
    let after = '';
    do {
      const started = Date.now();
      const page = await this.options.meta.findLifecycleCandidates(this.bucket.name, {
        kind, prefix: rulePrefix(rule), dueAtOrBefore, after, limit: this.pageSize,
      });
      this.stats.rowsRead += page.items.length;
      // Delete markers carry no tags or size: only prefix-only rules select them.
      const selected = page.items.filter((candidate) => candidate.isDeleteMarker
        ? rule.filter.tags.length === 0 && rule.filter.objectSizeGreaterThan === undefined && rule.filter.objectSizeLessThan === undefined
        : filterMatches(rule.filter, candidate.key, candidate.size, candidate.tags));
      // A page's actions are issued together: the store commits them as one batch, each in its own savepoint.
      await Promise.all(selected.map(act));
      after = page.next ?? '';
      await this.options.betweenPages?.(Date.now() - started, selected.length > 0);
    } while (after !== '');
  }

  private mayRemove(candidate: LifecycleCandidate): boolean {
    if (mayRemoveVersion(candidate)) return true;
    this.stats.kept++;
    return false;
  }

  /** Removes a version if the guard allows and it is still as found; true when it went. */
  private async remove(candidate: LifecycleCandidate, isLatest: boolean): Promise<boolean> {
    if (!this.mayRemove(candidate)) return false;
    const events = await this.events('LifecycleExpiration:Delete', candidate.key, candidate.versionId);
    const { applied, released } = await this.options.meta.removeVersionIf(
      this.bucket.name, candidate.key, candidate.versionId, { isLatest, lastModified: candidate.lastModified }, undefined, { events },
    );
    await this.options.blobs.delete(released);
    return applied;
  }

  private async replaceWithDeleteMarker(candidate: LifecycleCandidate, markerId: string): Promise<void> {
    const marker: NewVersion = {
      bucket: this.bucket.name,
      key: candidate.key,
      versionId: markerId,
      isDeleteMarker: true,
      size: 0,
      etag: '',
      lastModified: new Date(),
      ownerId: this.bucket.ownerId,
      headers: {},
      userMetadata: {},
      storageClass: 'STANDARD',
      tags: [],
      manifest: [],
    };
    const events = await this.events('LifecycleExpiration:DeleteMarkerCreated', candidate.key, markerId);
    const { applied, released } = await this.options.meta.removeVersionIf(
      this.bucket.name, candidate.key, candidate.versionId, { isLatest: true, lastModified: candidate.lastModified }, marker, { events },
    );
    await this.options.blobs.delete(released);
    if (applied) this.stats.expired++;
  }

  /** The events of one expiration, if the bucket's notification configuration asks for them (committed only if it applies). */
  private events(type: EventType, key: string, versionId: string) {
    return bucketEvents(this.options.meta, this.bucket, type, key, { versionId }, s3ServiceRequest());
  }
}
