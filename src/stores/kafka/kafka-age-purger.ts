import type { Admin } from '@platformatic/kafka';
import type { KafkaTargetConfig } from '../../config/schema.js';
import { RefusalError } from '../../errors/index.js';
import type { Logger } from '../../logging/logger.js';
import type { RetentionFinding } from '../../types.js';
import type { AgeInspection, AgePurger, BatchResult, DueCount, PurgeWalk } from '../purger.js';
import { kafkaFailure, protocolFailure } from './kafka-errors.js';
import { dueCount, dueSpans, listOffsets } from './partition-offsets.js';
import { isProtectedTopic, selectTopics } from './topic-selection.js';
import { judgeRetention, readTopicSettings, setRetentionMs, type TopicSettings } from './topic-settings.js';

interface TopicPlan {
  topic: string;
  partitions: number[];
}

/**
 * The age purger of a Kafka target (one topic, or the topics a regex matches). Kafka deletes a
 * prefix of each partition (DeleteRecords moves the log start offset), so a run deletes, per
 * partition, every record before the first one stamped at or after the cutoff (ListOffsets by
 * timestamp). One batch is one partition: a DeleteRecords costs the same whatever it deletes, so
 * `batchSize` does not apply; the time budget and stop signal are honoured between partitions.
 */
export function createKafkaAgePurger(admin: Admin, target: KafkaTargetConfig, name: string, log: Logger): AgePurger {
  const resolveTopics = async (): Promise<TopicPlan[]> => {
    let existing: string[];
    try {
      existing = await admin.listTopics({ includeInternals: true });
    } catch (err) {
      throw kafkaFailure(err, name, 'list topics (Metadata)');
    }
    // A topic the principal may not describe is absent from the list: ask for it by name to tell
    // "not authorized" from "does not exist".
    if (target.topic !== undefined && !existing.includes(target.topic) && !isProtectedTopic(target.topic))
      await explainMissing(admin, target.topic);
    const topics = selectTopics(target, existing);
    let metadata;
    try {
      metadata = await admin.metadata({ topics, forceUpdate: true });
    } catch (err) {
      throw kafkaFailure(err, name, 'describe topics (Metadata)');
    }
    return topics.map((topic) => {
      const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
      return { topic, partitions: Array.from({ length: count }, (_, i) => i) };
    });
  };

  const settingsOf = async (plans: readonly TopicPlan[]): Promise<TopicSettings[]> => {
    const out: TopicSettings[] = [];
    for (const p of plans) out.push(await readTopicSettings(admin, p.topic));
    return out;
  };

  /** DeleteRecords is refused on compact-only topics: refuse the whole target before deleting anything. */
  const refuseCompactOnly = (settings: readonly TopicSettings[]): void => {
    const compact = settings.filter((s) => s.compactOnly).map((s) => s.topic);
    if (compact.length > 0) {
      throw new RefusalError(
        'compact-only',
        `kafka topic(s) ${compact.join(', ')}: cleanup.policy is compact only, so records cannot be deleted by time (DeleteRecords is refused); add "delete" to cleanup.policy or remove the topic from the target`,
      );
    }
  };

  return {
    store: 'kafka',
    target: name,

    async check() {
      const plans = await resolveTopics();
      const settings = await settingsOf(plans);
      for (const s of settings) {
        const plan = plans.find((p) => p.topic === s.topic)!;
        // Permission probes that change nothing: DeleteRecords to offset 0 (the log start only
        // moves forward), and an alter with validate_only.
        if (!s.compactOnly && plan.partitions.length > 0) {
          try {
            await admin.deleteRecords({ topics: [{ name: s.topic, partitions: [{ partition: 0, offset: 0n }] }] });
          } catch (err) {
            throw kafkaFailure(err, s.topic, 'delete records (DeleteRecords)');
          }
        }
        if (target.enforce) await setRetentionMs(admin, s.topic, s.retentionMs ?? -1, true);
      }
    },

    async reviewRetention(promiseMs: number, options: { apply: boolean }): Promise<RetentionFinding[]> {
      const findings: RetentionFinding[] = [];
      for (const before of await settingsOf(await resolveTopics())) {
        const finding = judgeRetention(before, promiseMs);
        if (finding.finding !== 'ok' && target.enforce && options.apply) {
          await setRetentionMs(admin, before.topic, promiseMs);
          const after = await readTopicSettings(admin, before.topic);
          finding.changed = { before: before.retentionMs, beforeSource: before.source, after: after.retentionMs };
          log.info({ topic: before.topic, before: before.retentionMs, after: after.retentionMs }, 'retention.ms set to the promise');
        }
        findings.push(finding);
      }
      return findings;
    },

    async count(cutoff: Date): Promise<DueCount> {
      const plans = await resolveTopics();
      refuseCompactOnly(await settingsOf(plans));
      let due = 0;
      let total = 0;
      for (const plan of plans) {
        for (const span of await dueSpans(admin, plan.topic, plan.partitions, cutoff)) {
          due += dueCount(span);
          total += Number(span.end - span.start);
        }
      }
      return { due, total, unusableTime: 0 };
    },

    openWalk(cutoff: Date): PurgeWalk {
      let queue: { topic: string; partition: number }[] | null = null;
      return {
        async nextBatch(): Promise<BatchResult> {
          if (queue === null) {
            const plans = await resolveTopics();
            refuseCompactOnly(await settingsOf(plans));
            queue = plans.flatMap((p) => p.partitions.map((partition) => ({ topic: p.topic, partition })));
          }
          const next = queue.shift();
          if (!next) return { deleted: 0, done: true };
          const [span] = await dueSpans(admin, next.topic, [next.partition], cutoff);
          let deleted = 0;
          if (span && span.until > span.start) {
            let result;
            try {
              result = await admin.deleteRecords({
                topics: [{ name: next.topic, partitions: [{ partition: next.partition, offset: span.until }] }],
              });
            } catch (err) {
              throw kafkaFailure(err, next.topic, 'delete records (DeleteRecords)');
            }
            const low =
              result.find((t) => t.name === next.topic)?.partitions.find((p) => p.partition === next.partition)?.lowWatermark ?? span.until;
            deleted = low > span.start ? Number(low - span.start) : 0;
          }
          return { deleted, done: queue.length === 0 };
        },
      };
    },

    async inspect(overdueBefore: Date): Promise<AgeInspection> {
      let oldest: number | null = null;
      let overdue = 0;
      for (const plan of await resolveTopics()) {
        if (plan.partitions.length === 0) continue;
        // Timestamp 0: the first record of each partition, with its timestamp.
        const first = await listOffsets(admin, plan.topic, plan.partitions, 0n);
        for (const f of first.values())
          if (f.offset >= 0n && f.timestamp >= 0n && (oldest === null || Number(f.timestamp) < oldest)) oldest = Number(f.timestamp);
        for (const span of await dueSpans(admin, plan.topic, plan.partitions, overdueBefore)) overdue += dueCount(span);
      }
      return { oldest: oldest === null ? null : new Date(oldest), overdue, unusableTime: 0 };
    },
  };
}

async function explainMissing(admin: Admin, topic: string): Promise<void> {
  try {
    await admin.metadata({ topics: [topic], forceUpdate: true, autocreateTopics: false });
  } catch (err) {
    // The client reports UNKNOWN_TOPIC_OR_PARTITION as its own "Unknown topic" error, without the code.
    if (!protocolFailure(err)) throw new RefusalError('unknown-topic', `kafka topic ${topic} does not exist`);
    throw kafkaFailure(err, topic, 'describe the topic (Metadata)');
  }
}
