import { isRecord, type AddIssue } from './add-issue.js';
import { DEFAULT_QUEUE_PREFIX } from './defaults.js';
import { broadMatchProblem, queueKeysProblem } from './redis-glob.js';

/**
 * Rules that span policies or sections: policy names are unique, and no Redis `match` is too
 * broad or reaches the queue's own keys. Like `checkPolicy` it runs on partially valid input, so
 * these problems are reported together with schema errors elsewhere.
 */
export function checkCrossReferences(config: unknown, addIssue: AddIssue): void {
  if (!isRecord(config) || !Array.isArray(config.policies)) return;
  const queuePrefix = isRecord(config.queue) && typeof config.queue.prefix === 'string' ? config.queue.prefix : DEFAULT_QUEUE_PREFIX;
  const seen = new Set<string>();
  (config.policies as unknown[]).forEach((policy, i) => {
    if (!isRecord(policy)) return;
    if (typeof policy.name === 'string') {
      if (seen.has(policy.name)) addIssue(['policies', i, 'name'], `duplicate policy name "${policy.name}"`);
      seen.add(policy.name);
    }
    if (!Array.isArray(policy.targets)) return;
    (policy.targets as unknown[]).forEach((target, j) => {
      if (!isRecord(target) || target.store !== 'redis' || typeof target.match !== 'string') return;
      const allowBroadMatch = target.allowBroadMatch === true || target.allowBroadMatch === 'true';
      const path = ['policies', i, 'targets', j, 'match'];
      const broad = broadMatchProblem(target.match, allowBroadMatch);
      if (broad) addIssue(path, broad);
      const queue = queueKeysProblem(target.match, queuePrefix);
      if (queue) addIssue(path, queue);
    });
  });
}
