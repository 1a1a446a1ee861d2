import { describe, expect, it } from 'vitest';
import { guardTopicMatch, isProtectedTopic, selectTopics } from '../../../src/stores/kafka/topic-selection.js';

const TOPICS = ['im.request-events.eu', 'im.request-events.us', 'im.monitoring', '__consumer_offsets', '_schemas'];

describe('kafka topic selection', () => {
  it.each(['.*', '.+', '.*.*', '[^!]*', '(|.+)', '(?:x|.*)', '[\\s\\S]*'])('refuses %s: it would match every topic', (match) => {
    expect(() => guardTopicMatch(match)).toThrow(/would match every topic/);
  });

  it('matches whole names only (anchored)', () => {
    expect(selectTopics({ match: 'im\\.request-events\\..*' }, TOPICS)).toEqual(['im.request-events.eu', 'im.request-events.us']);
    expect(() => selectTopics({ match: 'request-events' }, TOPICS)).toThrow(/matches no topic/);
  });

  it('refuses a regex that reaches an internal topic, naming it', () => {
    expect(() => selectTopics({ match: '_.*' }, TOPICS)).toThrow(/__consumer_offsets, _schemas/);
  });

  it('refuses an internal or missing topic by name', () => {
    expect(() => selectTopics({ topic: '__consumer_offsets' }, TOPICS)).toThrow(/internal topic/);
    expect(() => selectTopics({ topic: 'im.gone' }, TOPICS)).toThrow(/im.gone does not exist/);
    expect(selectTopics({ topic: 'im.monitoring' }, TOPICS)).toEqual(['im.monitoring']);
  });

  it('treats Kafka, Connect and Schema Registry system topics as protected', () => {
    for (const t of ['__consumer_offsets', '__transaction_state', '__cluster_metadata', '_schemas', '_confluent-metrics'])
      expect(isProtectedTopic(t)).toBe(true);
    expect(isProtectedTopic('im_events')).toBe(false);
  });
});
