import type { S3Client } from '@aws-sdk/client-s3';
import type { S3TargetConfig } from '../../config/schema.js';
import { RefusalError, StoreError } from '../../errors/index.js';
import type { AgeInspection, AgePurger, BatchResult, DueCount, PurgeWalk } from '../purger.js';
import { ageTargetProblem, checkBucketAccess } from './check-s3-target.js';
import { deleteObjects } from './delete-objects.js';
import { listObjectsPage, listVersionsPage, type ListCursor, type ListedPage, type ListingStats } from './object-listing.js';
import { objectTime, type ObjectTime } from './object-time.js';

export interface S3PurgerDeps {
  client: S3Client;
  zone: string;
  /** Listing requests and keys listed, summed over the store's purgers (for logs and tests). */
  stats: ListingStats;
}

/**
 * The age purger of one S3 prefix: objects (or, with `allVersions`, every version and delete
 * marker) whose time is before the cutoff, to the ms: `LastModified` or the time in the key.
 *
 * Listing is in key order; with `keysInTimeOrder` (the time leads the key) a walk stops at the
 * first key not due, so a run lists O(due) keys, not O(bucket). Each batch is one listing page
 * (StartAfter the last key seen) and one DeleteObjects of its due keys.
 *
 * With `time: lastModified` the time is read from the listing and not re-read at deletion (S3 has
 * no conditional multi-delete): an object rewritten between the page and its delete, a window of
 * milliseconds, would go. Keys that carry their time do not have that window.
 */
export function createS3AgePurger(target: S3TargetConfig, deps: S3PurgerDeps): AgePurger {
  const name = `${target.bucket}/${target.prefix}`;
  const ordered = target.time !== undefined && target.time !== 'lastModified' && target.time.keysInTimeOrder;
  let reader: ObjectTime | null = null;
  const timeOf: ObjectTime = (object) => (reader ??= readerFor(target, deps.zone))(object);

  const page = (after: ListCursor | null, maxKeys: number): Promise<ListedPage> =>
    (target.allVersions ? listVersionsPage : listObjectsPage)(deps.client, target.bucket, target.prefix, after, maxKeys, deps.stats);

  /** Visits listed objects in key order until `visit` returns false or the prefix ends. */
  async function forEachObject(visit: (time: number | null) => boolean): Promise<void> {
    let after: ListCursor | null = null;
    for (;;) {
      const { objects, next } = await page(after, 1000);
      for (const object of objects) if (!visit(timeOf(object))) return;
      if (!next) return;
      after = next;
    }
  }

  return {
    store: 's3',
    target: name,

    async check() {
      const problem = ageTargetProblem(target);
      if (problem) throw problem;
      await checkBucketAccess(deps.client, target, target.prefix);
    },

    async count(cutoff: Date): Promise<DueCount> {
      const cutoffMs = cutoff.getTime();
      const counts: DueCount = { due: 0, total: 0, unusableTime: 0 };
      // Dry runs and the blast-radius guard need the total: the whole prefix is listed.
      await forEachObject((time) => {
        counts.total += 1;
        if (time === null) counts.unusableTime += 1;
        else if (time < cutoffMs) counts.due += 1;
        return true;
      });
      return counts;
    },

    openWalk(cutoff: Date): PurgeWalk {
      return openListingWalk(cutoff.getTime());
    },

    async inspect(overdueBefore: Date): Promise<AgeInspection> {
      const limit = overdueBefore.getTime();
      const inspection: AgeInspection = { oldest: null, overdue: 0, unusableTime: 0 };
      let oldestMs: number | null = null;
      await forEachObject((time) => {
        if (time === null) {
          inspection.unusableTime += 1;
          return true;
        }
        if (oldestMs === null || time < oldestMs) oldestMs = time;
        if (time < limit) inspection.overdue += 1;
        // The whole prefix, even in time order: keys without a usable time may sort anywhere.
        return true;
      });
      inspection.oldest = oldestMs === null ? null : new Date(oldestMs);
      return inspection;
    },
  };

  function openListingWalk(cutoffMs: number): PurgeWalk {
    let after: ListCursor | null = null;
    let finished = false;
    const failed = new Map<string, number>();
    return {
      async nextBatch(): Promise<BatchResult> {
        if (finished) {
          // Reached only when keys failed: the last batch's deletions were returned first, so the
          // target's count is right, and the failure now makes it `failed` (the next run retries).
          throw new StoreError(
            's3',
            `${[...failed.values()].reduce((a, b) => a + b, 0)} due objects of ${name} could not be deleted (${describe(failed)}); the next run retries them`,
          );
        }
        const { objects, next } = await page(after, target.batchSize);
        const due = [];
        let reachedKept = false;
        for (const object of objects) {
          const time = timeOf(object);
          if (time === null) continue;
          if (time < cutoffMs) due.push(object);
          else if (ordered) {
            reachedKept = true;
            break;
          }
        }
        after = next;
        const outcome = await deleteObjects(deps.client, target.bucket, due);
        if (outcome.deleted === 0 && due.length > 0 && outcome.failed.size === 1 && outcome.failed.has('AccessDenied')) {
          throw new RefusalError(
            'access-denied',
            `the credentials may not delete objects in bucket ${target.bucket} (AccessDenied for every key)`,
          );
        }
        for (const [code, n] of outcome.failed) failed.set(code, (failed.get(code) ?? 0) + n);
        finished = reachedKept || next === null;
        return { deleted: outcome.deleted, done: finished && failed.size === 0 };
      },
    };
  }
}

function readerFor(target: S3TargetConfig, zone: string): ObjectTime {
  if (!target.time) throw new RefusalError('no-time', `target ${target.bucket}/${target.prefix} of an age policy needs a time`);
  return objectTime(target.time, zone);
}

function describe(failed: ReadonlyMap<string, number>): string {
  return [...failed].map(([code, n]) => `${code} × ${n}`).join(', ');
}
