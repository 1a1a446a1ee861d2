import { Writer, type Reader } from '@platformatic/kafka';
import type { ApiContext, ApiHandler } from './api-context.js';
import { CONFIG_TYPES, ErrorCode, type BrokerState } from './broker-state.js';

const TOPIC_RESOURCE = 2;
/** Kafka's ConfigSource ids. */
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;
const OPERATION = { SET: 0, DELETE: 1 } as const;

function resourceError(
  state: BrokerState,
  type: number,
  name: string,
  operation: 'describeConfigs' | 'alterConfigs',
): { code: number; message: string | null } {
  if (type !== TOPIC_RESOURCE) return { code: ErrorCode.INVALID_REQUEST, message: 'the test broker only knows topic resources' };
  if (state.isDenied(name, operation)) return { code: ErrorCode.TOPIC_AUTHORIZATION_FAILED, message: null };
  if (!state.topics.has(name)) return { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `Topic ${name} does not exist` };
  return { code: ErrorCode.NONE, message: null };
}

/** DescribeConfigs v4 for topics: each key's effective value, `TOPIC_CONFIG` when the topic overrides it, else `DEFAULT_CONFIG`. */
export const describeConfigsHandler: ApiHandler = {
  key: 32,
  version: 4,
  name: 'DescribeConfigs',
  handle(request: Reader, ctx: ApiContext) {
    const resources = request.readArray((r) => ({
      type: r.readInt8(),
      name: r.readString(),
      keys: r.readNullableArray((r) => r.readString(), true, false),
    }));
    request.readBoolean(); // include_synonyms
    request.readBoolean(); // include_documentation
    const { state } = ctx;
    return Writer.create()
      .appendInt32(0)
      .appendArray(resources, (w, res) => {
        const error = resourceError(state, res.type, res.name, 'describeConfigs');
        const topic = state.topics.get(res.name);
        const keys =
          error.code === ErrorCode.NONE && topic
            ? (res.keys ?? Object.keys(CONFIG_TYPES)).filter((k) => CONFIG_TYPES[k] !== undefined)
            : [];
        w.appendInt16(error.code)
          .appendString(error.message)
          .appendInt8(res.type)
          .appendString(res.name)
          .appendArray(keys, (w, key) => {
            const { value, override } = state.config(topic!, key);
            w.appendString(key)
              .appendString(value)
              .appendBoolean(false)
              .appendInt8(override ? SOURCE_TOPIC : SOURCE_DEFAULT)
              .appendBoolean(false)
              .appendArray([], () => undefined)
              .appendInt8(CONFIG_TYPES[key] ?? 0)
              .appendString(null);
          });
      })
      .appendTaggedFields();
  },
};

/** IncrementalAlterConfigs v1 for topics: SET and DELETE (back to the broker default); `validate_only` changes nothing. */
export const incrementalAlterConfigsHandler: ApiHandler = {
  key: 44,
  version: 1,
  name: 'IncrementalAlterConfigs',
  handle(request: Reader, ctx: ApiContext) {
    const resources = request.readArray((r) => ({
      type: r.readInt8(),
      name: r.readString(),
      configs: r.readArray((r) => ({ name: r.readString(), operation: r.readInt8(), value: r.readNullableString() })),
    }));
    const validateOnly = request.readBoolean();
    const { state } = ctx;
    return Writer.create()
      .appendInt32(0)
      .appendArray(resources, (w, res) => {
        let error = resourceError(state, res.type, res.name, 'alterConfigs');
        const topic = state.topics.get(res.name);
        if (error.code === ErrorCode.NONE) {
          const bad = res.configs.find(
            (c) => CONFIG_TYPES[c.name] === undefined || (c.operation === OPERATION.SET && !validValue(c.name, c.value)),
          );
          const unsupported = res.configs.find((c) => c.operation !== OPERATION.SET && c.operation !== OPERATION.DELETE);
          if (bad) error = { code: ErrorCode.INVALID_CONFIG, message: `Invalid value ${String(bad.value)} for configuration ${bad.name}` };
          else if (unsupported) error = { code: ErrorCode.INVALID_REQUEST, message: 'the test broker supports SET and DELETE only' };
        }
        if (error.code === ErrorCode.NONE && topic && !validateOnly) {
          for (const c of res.configs) {
            if (c.operation === OPERATION.SET) topic.configs.set(c.name, c.value!);
            else topic.configs.delete(c.name);
          }
        }
        w.appendInt16(error.code).appendString(error.message).appendInt8(res.type).appendString(res.name);
      })
      .appendTaggedFields();
  },
};

function validValue(name: string, value: string | null): boolean {
  if (value === null) return false;
  if (CONFIG_TYPES[name] === 5) return /^-?\d+$/.test(value) && BigInt(value) >= -1n;
  if (name === 'cleanup.policy') return value.split(',').every((p) => ['delete', 'compact'].includes(p.trim()));
  if (name === 'message.timestamp.type') return value === 'CreateTime' || value === 'LogAppendTime';
  return true;
}
