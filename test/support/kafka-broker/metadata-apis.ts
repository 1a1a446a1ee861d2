import { Writer, type Reader } from '@platformatic/kafka';
import { NO_AUTHORIZED_OPERATIONS, type ApiContext, type ApiHandler } from './api-context.js';
import { ErrorCode } from './broker-state.js';

export const BROKER_NODE_ID = 1;
const CLUSTER_ID = 'retention-worker-test-broker';

/** Internal topics as Kafka names them: never listed as ordinary topics' peers by the worker. */
export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state';
}

/** ApiVersions v3: filled in by the server with the handlers it has (one version each). */
export function apiVersionsHandler(handlers: () => readonly ApiHandler[]): ApiHandler {
  return {
    key: 18,
    version: 3,
    name: 'ApiVersions',
    handle(request: Reader) {
      request.readString(); // client_software_name
      request.readString(); // client_software_version
      return Writer.create()
        .appendInt16(ErrorCode.NONE)
        .appendArray([...handlers()], (w, h) => w.appendInt16(h.key).appendInt16(h.version).appendInt16(h.version))
        .appendInt32(0)
        .appendTaggedFields();
    },
  };
}

/** Metadata v12: one broker (this one) leading every partition; denied topics answer TOPIC_AUTHORIZATION_FAILED. */
export const metadataHandler: ApiHandler = {
  key: 3,
  version: 12,
  name: 'Metadata',
  handle(request: Reader, ctx: ApiContext) {
    const requested = request.readNullableArray((r) => {
      r.readUUID();
      return r.readNullableString();
    });
    request.readBoolean(); // allow_auto_topic_creation: the test broker never creates topics on its own
    request.readBoolean();
    const { state } = ctx;
    // Asked for every topic, Kafka lists only those the client may describe.
    const names = requested ?? [...state.topics.keys()].filter((n) => !state.isDenied(n, 'describe'));
    return Writer.create()
      .appendInt32(0)
      .appendArray([BROKER_NODE_ID], (w, id) => w.appendInt32(id).appendString(ctx.host).appendInt32(ctx.port).appendString(null))
      .appendString(CLUSTER_ID)
      .appendInt32(BROKER_NODE_ID)
      .appendArray(names, (w, name) => {
        const topic = name === null ? undefined : state.topics.get(name);
        const error =
          name !== null && state.isDenied(name, 'describe')
            ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
            : topic
              ? ErrorCode.NONE
              : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        const visible = error === ErrorCode.NONE ? topic : undefined;
        w.appendInt16(error)
          .appendString(name)
          .appendUUID(visible?.id ?? null)
          .appendBoolean(name !== null && isInternalTopic(name))
          .appendArray(visible ? visible.partitions.map((_, i) => i) : [], (w, index) =>
            w
              .appendInt16(ErrorCode.NONE)
              .appendInt32(index)
              .appendInt32(BROKER_NODE_ID)
              .appendInt32(0)
              .appendArray([BROKER_NODE_ID], (w, id) => w.appendInt32(id), true, false)
              .appendArray([BROKER_NODE_ID], (w, id) => w.appendInt32(id), true, false)
              .appendArray([], (w, id: number) => w.appendInt32(id), true, false),
          )
          .appendInt32(NO_AUTHORIZED_OPERATIONS);
      })
      .appendTaggedFields();
  },
};
