import { Writer, type Reader } from '@platformatic/kafka';
import type { ApiContext, ApiHandler } from './api-context.js';
import { CONFIG_TYPES, ErrorCode } from './broker-state.js';

/** CreateTopics v7: partitions and topic-level configs; replication is accepted and ignored (one broker). */
export const createTopicsHandler: ApiHandler = {
  key: 19,
  version: 7,
  name: 'CreateTopics',
  handle(request: Reader, ctx: ApiContext) {
    const topics = request.readArray((r) => ({
      name: r.readString(),
      partitions: r.readInt32(),
      replication: r.readInt16(),
      assignments: r.readArray((r) => ({ index: r.readInt32(), brokers: r.readArray((r) => r.readInt32(), true, false) })),
      configs: r.readArray((r) => [r.readString(), r.readNullableString()] as const),
    }));
    request.readInt32(); // timeout_ms
    const validateOnly = request.readBoolean();
    const { state } = ctx;
    return Writer.create()
      .appendInt32(0)
      .appendArray(topics, (w, t) => {
        const partitions = t.partitions === -1 ? Math.max(1, t.assignments.length) : t.partitions;
        const unknownConfig = t.configs.find(([name]) => CONFIG_TYPES[name] === undefined);
        let error: number = ErrorCode.NONE;
        let message: string | null = null;
        if (state.topics.has(t.name)) {
          error = ErrorCode.TOPIC_ALREADY_EXISTS;
          message = `Topic '${t.name}' already exists.`;
        } else if (partitions < 1) {
          error = ErrorCode.INVALID_PARTITIONS;
          message = 'Number of partitions must be larger than 0.';
        } else if (unknownConfig) {
          error = ErrorCode.INVALID_CONFIG;
          message = `Unknown topic config name: ${unknownConfig[0]}`;
        }
        const created =
          error === ErrorCode.NONE && !validateOnly
            ? state.createTopic(
                t.name,
                partitions,
                t.configs.filter((c): c is readonly [string, string] => c[1] !== null).map(([n, v]) => [n, v]),
              )
            : undefined;
        w.appendString(t.name)
          .appendUUID(created?.id ?? null)
          .appendInt16(error)
          .appendString(message)
          .appendInt32(error === ErrorCode.NONE ? partitions : -1)
          .appendInt16(error === ErrorCode.NONE ? 1 : -1)
          .appendArray([], () => undefined);
      })
      .appendTaggedFields();
  },
};

/** DeleteTopics v6, by name (the worker's tests remove their topics on a real broker the same way). */
export const deleteTopicsHandler: ApiHandler = {
  key: 20,
  version: 6,
  name: 'DeleteTopics',
  handle(request: Reader, ctx: ApiContext) {
    const topics = request.readArray((r) => {
      const name = r.readNullableString();
      r.readUUID();
      return name;
    });
    request.readInt32();
    return Writer.create()
      .appendInt32(0)
      .appendArray(topics, (w, name) => {
        const found = name !== null && ctx.state.topics.delete(name);
        w.appendString(name)
          .appendUUID(null)
          .appendInt16(found ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
          .appendString(null);
      })
      .appendTaggedFields();
  },
};
