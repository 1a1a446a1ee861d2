import { ConfigResourceTypes, ConfigSources, IncrementalAlterConfigOperationTypes, type Admin } from '@platformatic/kafka';
import type { RetentionFinding } from '../../types.js';
import { kafkaFailure } from './kafka-errors.js';

/** What a run needs to know of a topic's own retention: the effective `retention.ms` and `cleanup.policy`. */
export interface TopicSettings {
  topic: string;
  /** Effective `retention.ms` (-1 = forever); null when the broker did not report it. */
  retentionMs: number | null;
  source: 'topic' | 'broker';
  cleanupPolicy: string;
  /** `cleanup.policy` has no `delete`: no time-based deletion, and DeleteRecords is refused (POLICY_VIOLATION). */
  compactOnly: boolean;
}

/** DescribeConfigs of one topic: `retention.ms` and `cleanup.policy`, with where the value comes from. */
export async function readTopicSettings(admin: Admin, topic: string): Promise<TopicSettings> {
  let described;
  try {
    described = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['retention.ms', 'cleanup.policy'] }],
    });
  } catch (err) {
    throw kafkaFailure(err, topic, 'describe its configuration (DescribeConfigs)');
  }
  const configs = described.find((d) => d.resourceName === topic)?.configs ?? [];
  const retention = configs.find((c) => c.name === 'retention.ms');
  const cleanupPolicy = configs.find((c) => c.name === 'cleanup.policy')?.value ?? 'delete';
  const retentionMs = retention?.value === undefined || retention.value === null ? null : Number(retention.value);
  return {
    topic,
    retentionMs: retentionMs !== null && Number.isFinite(retentionMs) ? retentionMs : null,
    source: retention?.configSource === ConfigSources.TOPIC_CONFIG ? 'topic' : 'broker',
    cleanupPolicy,
    compactOnly: !cleanupPolicy
      .split(',')
      .map((p) => p.trim())
      .includes('delete'),
  };
}

/** Judges a topic's setting against the promise; the most serious finding wins. */
export function judgeRetention(settings: TopicSettings, promiseMs: number): RetentionFinding {
  const { retentionMs } = settings;
  const longer = retentionMs === null || retentionMs < 0 || retentionMs > promiseMs;
  const finding: RetentionFinding['finding'] = settings.compactOnly
    ? 'compact-only'
    : longer
      ? 'longer-than-promise'
      : settings.source !== 'topic'
        ? 'unset'
        : 'ok';
  return { resource: settings.topic, finding, retentionMs, source: settings.source, cleanupPolicy: settings.cleanupPolicy, promiseMs };
}

/**
 * Sets the topic's `retention.ms` with IncrementalAlterConfigs (SET of that one key: the topic's
 * other settings are untouched, unlike the legacy AlterConfigs that replaces them all).
 * `validateOnly` asks the broker whether it would accept it (the permission check) and changes nothing.
 */
export async function setRetentionMs(admin: Admin, topic: string, retentionMs: number, validateOnly = false): Promise<void> {
  try {
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: String(retentionMs) }],
        },
      ],
      validateOnly,
    });
  } catch (err) {
    throw kafkaFailure(err, topic, 'change retention.ms (IncrementalAlterConfigs)');
  }
}
