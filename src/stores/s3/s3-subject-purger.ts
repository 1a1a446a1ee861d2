import type { S3TargetConfig } from '../../config/schema.js';
import { StoreError } from '../../errors/index.js';
import type { SubjectPurger } from '../purger.js';
import { checkBucketAccess, subjectTargetProblem } from './check-s3-target.js';
import { deleteObjects } from './delete-objects.js';
import { listObjectsPage, listVersionsPage, type ListCursor } from './object-listing.js';
import type { ListedObject } from './object-time.js';
import type { S3PurgerDeps } from './s3-age-purger.js';

const SUBJECT_ID = /^\d+$/;

/**
 * The subject purger of a prefix with `<subject>` (`config/<subject>/`): each subject's objects
 * are the keys under its own prefix, listed and deleted (every version, with `allVersions`).
 * Errors name the bucket and the prefix template, never a subject's prefix (it holds the id).
 */
export function createS3SubjectPurger(target: S3TargetConfig, deps: S3PurgerDeps): SubjectPurger {
  const template = `${target.bucket}/${target.prefix}`;
  const prefixOf = (id: string): string => {
    if (!SUBJECT_ID.test(id)) throw new TypeError('subject ids must be decimal strings');
    return target.prefix.replaceAll('<subject>', id);
  };

  async function forEachPage(prefix: string, visit: (objects: ListedObject[]) => Promise<void>): Promise<void> {
    let after: ListCursor | null = null;
    do {
      const list = target.allVersions ? listVersionsPage : listObjectsPage;
      const { objects, next } = await list(deps.client, target.bucket, prefix, after, target.batchSize, deps.stats);
      if (objects.length > 0) await visit(objects);
      after = next;
    } while (after);
  }

  return {
    store: 's3',
    target: template,

    async check() {
      const problem = subjectTargetProblem(target);
      if (problem) throw problem;
      await checkBucketAccess(deps.client, target, target.prefix.slice(0, target.prefix.indexOf('<subject>')));
    },

    async countSubjects(subjectIds) {
      const counts = new Map<string, number>();
      for (const id of subjectIds) {
        let n = 0;
        await forEachPage(prefixOf(id), async (objects) => {
          n += objects.length;
        });
        counts.set(id, n);
      }
      return counts;
    },

    async purgeSubjects(subjectIds) {
      const counts = new Map<string, number>();
      for (const id of subjectIds) {
        let n = 0;
        let failures = 0;
        await forEachPage(prefixOf(id), async (objects) => {
          const outcome = await deleteObjects(deps.client, target.bucket, objects);
          n += outcome.deleted;
          for (const f of outcome.failed.values()) failures += f;
        });
        counts.set(id, n);
        if (failures > 0)
          throw new StoreError('s3', `${failures} objects under ${template} could not be deleted for one subject; the next run retries it`);
      }
      return counts;
    },
  };
}
