import { isRecord, type AddIssue } from './add-issue.js';

const REDIS_TYPES: readonly unknown[] = ['sorted-set', 'stream', 'key'];

/**
 * Rules that tie a policy's parts together: what an age policy and a subject policy (`retain.after:
 * termination`) each need from their targets. It runs even when parts of the policy failed to
 * parse, so that one ConfigError lists every problem; it therefore reads its input defensively and
 * stays silent about values the schema already rejects.
 */
export function checkPolicy(policy: unknown, addIssue: AddIssue): void {
  if (!isRecord(policy)) return;
  const anchored = isRecord(policy.retain) && policy.retain.after === 'termination';
  if (anchored && policy.subjects === undefined) {
    addIssue(['subjects'], 'is required when retain.after is termination (it says where the subjects and their termination dates are)');
  }
  if (!anchored && policy.subjects !== undefined) {
    addIssue(['retain', 'after'], 'must be "termination" when the policy has subjects');
  }
  const targets = Array.isArray(policy.targets) ? (policy.targets as unknown[]) : [];
  targets.forEach((target, i) => {
    if (!isRecord(target)) return;
    const at = (key: string, message: string) => addIssue(['targets', i, key], message);
    if (target.store === 'redis') checkRedisTarget(target, anchored, at);
    else if (target.store === 'mysql' || target.store === 'mongo') checkRecordTarget(target, anchored, at);
    else if (target.store === 'kafka') checkKafkaTarget(target, anchored, at);
    else if (target.store === 's3') checkS3Target(target, anchored, at);
  });
}

type AddTargetIssue = (key: string, message: string) => void;

function checkRecordTarget(target: Record<string, unknown>, anchored: boolean, at: AddTargetIssue): void {
  if (anchored && target.subject === undefined)
    at('subject', 'is required in a subject policy (the column or field holding the subject id)');
  if (!anchored && target.time === undefined) at('time', 'is required in an age policy (the column or field holding the record time)');
}

function checkRedisTarget(target: Record<string, unknown>, anchored: boolean, at: AddTargetIssue): void {
  const match = typeof target.match === 'string' ? target.match : undefined;
  const type = REDIS_TYPES.includes(target.type) ? target.type : undefined;
  if (anchored) {
    if (match !== undefined && !match.includes('<subject>')) at('match', 'must contain <subject> in a subject policy');
    if (type !== undefined && type !== 'key') at('type', 'must be "key" in a subject policy');
    return;
  }
  if (match?.includes('<subject>')) at('match', '<subject> is only allowed in a subject policy');
  if (type === 'key' && target.time === undefined) {
    at('time', 'is required for a key target of an age policy: { fromKey, format } or { fromField, format }');
  }
  if ((type === 'sorted-set' || type === 'stream') && target.time !== undefined) {
    at('time', `is not used by a ${type} target (the time is its score / entry ID)`);
  }
}

function checkS3Target(target: Record<string, unknown>, anchored: boolean, at: AddTargetIssue): void {
  const prefix = typeof target.prefix === 'string' ? target.prefix : '';
  if (anchored) {
    // `config/<subject>` would also take `config/12…` for subject 1: the id must end at a delimiter.
    if (!/<subject>[^0-9]/.test(prefix))
      at('prefix', 'must contain <subject> followed by a delimiter such as "/" in a subject policy ("config/<subject>/")');
    if (target.time !== undefined) at('time', 'is not used in a subject policy');
    return;
  }
  if (prefix.includes('<subject>')) at('prefix', '<subject> is only allowed in a subject policy');
  if (target.time === undefined) at('time', 'is required in an age policy: lastModified or { fromKey, format }');
}

function checkKafkaTarget(target: Record<string, unknown>, anchored: boolean, at: AddTargetIssue): void {
  // A topic cannot delete one subject's records: deletion is a prefix of each partition.
  if (anchored) at('store', 'kafka targets are only allowed in age policies (Kafka deletes a prefix of each partition, not one subject)');
  if ((target.topic === undefined) === (target.match === undefined)) at('topic', 'give exactly one of topic or match');
}
