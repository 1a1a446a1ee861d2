import { randomBytes } from 'node:crypto';
import { RefusalError } from '../../errors/index.js';

/**
 * Internal and system topics the worker never touches: Kafka's own (`__consumer_offsets`,
 * `__transaction_state`, KRaft's `__cluster_metadata`) and, by convention, any `__`-prefixed name
 * (Connect, Streams and Schema Registry keep their state in `_`/`__` topics too: `_schemas`…).
 */
export function isProtectedTopic(name: string): boolean {
  return name.startsWith('__') || name === '_schemas' || name.startsWith('_confluent');
}

/** A `match` compiled as a whole-name regular expression. */
export function topicMatcher(match: string): RegExp {
  return new RegExp(`^(?:${match})$`);
}

/**
 * Refuses a `match` that would select every topic: one that matches the empty name or a random
 * name no one would choose (`.*`, `.+`, `[^x]*`…). Checked before any topic is listed.
 */
export function guardTopicMatch(match: string): RegExp {
  const matcher = topicMatcher(match);
  const probes = ['', `zq${randomBytes(6).toString('hex')}`, `Q9.${randomBytes(4).toString('hex')}-x_y`];
  if (probes.some((p) => matcher.test(p))) {
    throw new RefusalError(
      'broad-match',
      `kafka match ${JSON.stringify(match)} would match every topic; name a prefix or the topics themselves`,
    );
  }
  return matcher;
}

/**
 * The topics of a target, from the broker's topic list: the named topic, or every topic the
 * regex matches. Refused (nothing deleted) when the topic is missing or protected, when the regex
 * matches no topic, or when it matches a protected one.
 */
export function selectTopics(target: { topic?: string | undefined; match?: string | undefined }, existing: readonly string[]): string[] {
  if (target.topic !== undefined) {
    if (isProtectedTopic(target.topic))
      throw new RefusalError('internal-topic', `kafka topic ${target.topic} is an internal topic: never purged`);
    if (!existing.includes(target.topic)) throw new RefusalError('unknown-topic', `kafka topic ${target.topic} does not exist`);
    return [target.topic];
  }
  const match = target.match ?? '';
  const matcher = guardTopicMatch(match);
  const selected = existing.filter((t) => matcher.test(t)).sort();
  const internal = selected.filter(isProtectedTopic);
  if (internal.length > 0) {
    throw new RefusalError(
      'internal-topic',
      `kafka match ${JSON.stringify(match)} matches internal topic(s) ${internal.join(', ')}: never purged; narrow the match`,
    );
  }
  if (selected.length === 0) throw new RefusalError('unknown-topic', `kafka match ${JSON.stringify(match)} matches no topic`);
  return selected;
}
