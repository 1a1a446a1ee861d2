/**
 * A Kafka broker for tests, speaking the subset of the wire protocol that `@platformatic/kafka`
 * (the worker's client) uses for the retention work and for the tests' own setup: ApiVersions,
 * Metadata, CreateTopics, DeleteTopics, Produce, Fetch, ListOffsets, DeleteRecords,
 * DescribeConfigs and IncrementalAlterConfigs (and SaslHandshake / SaslAuthenticate with PLAIN
 * when started with `sasl`), one version of each (the client picks the highest
 * version both sides support, so advertising one pins it). Single node, every partition led by it,
 * data in memory, per-record timestamps, and a log start offset that DeleteRecords moves and
 * Fetch and ListOffsets honour.
 *
 *   const broker = await startKafkaTestBroker();
 *   const admin = new Admin({ clientId: 't', bootstrapBrokers: [broker.bootstrap] });
 *   …
 *   await admin.close();
 *   await broker.close();
 *
 * Record batches are encoded and decoded with the client library's own codec
 * (`createRecordsBatch` / `readRecordsBatches`) and primitive types with its `Reader`/`Writer`.
 * The request and response bodies are hand-written (./kafka-broker/*-apis.ts) because the library
 * only has the client's half of each API (it writes requests and reads responses; a broker reads
 * requests and writes responses). Each handler follows the schema comment of the client's
 * implementation of that API version.
 *
 * It does not implement: consumer groups, transactions, idempotent producers, compression on
 * Fetch, TLS, SASL mechanisms but PLAIN, ACL management (denials are set with `deny()`), segments and time-based retention (the
 * broker's own deletion: `retention.ms` is stored and reported, never acted on).
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { ApiHandler } from './kafka-broker/api-context.js';
import { BrokerState, type KafkaOperation } from './kafka-broker/broker-state.js';
import { describeConfigsHandler, incrementalAlterConfigsHandler } from './kafka-broker/config-apis.js';
import { serveKafkaConnection } from './kafka-broker/connection.js';
import { apiVersionsHandler, metadataHandler } from './kafka-broker/metadata-apis.js';
import { deleteRecordsHandler, fetchHandler, listOffsetsHandler, produceHandler } from './kafka-broker/record-apis.js';
import { createTopicsHandler, deleteTopicsHandler } from './kafka-broker/topic-apis.js';
import { saslAuthenticateHandler, saslHandshakeHandler } from './kafka-broker/sasl-apis.js';

export type { KafkaOperation } from './kafka-broker/broker-state.js';

export interface KafkaTestBrokerOptions {
  /** Broker-wide topic config defaults, e.g. `{ 'retention.ms': '-1' }`. */
  defaults?: Record<string, string>;
  /** The broker's clock (LogAppendTime stamps). @defaultValue Date.now */
  now?: () => number;
  /** Require SASL/PLAIN with this one account (over plaintext: a test broker). @defaultValue none */
  sasl?: { username: string; password: string };
}

export interface KafkaTestBroker {
  /** `127.0.0.1:PORT`, for `bootstrapBrokers`. */
  readonly bootstrap: string;
  readonly port: number;
  /** Makes the broker refuse an operation on a topic with TOPIC_AUTHORIZATION_FAILED, as a missing ACL would. */
  deny(topic: string, operation: KafkaOperation): void;
  /** Requests for APIs or versions the broker does not speak (the connection was closed on each). */
  readonly unsupported: readonly string[];
  /** Destroys every open connection and stops listening. Safe to call more than once. */
  close(): Promise<void>;
}

export async function startKafkaTestBroker(options: KafkaTestBrokerOptions = {}): Promise<KafkaTestBroker> {
  const state = new BrokerState(options);
  const handlers = new Map<number, ApiHandler>();
  const apis: ApiHandler[] = [
    apiVersionsHandler(() => [...handlers.values()]),
    metadataHandler,
    createTopicsHandler,
    deleteTopicsHandler,
    produceHandler,
    fetchHandler,
    listOffsetsHandler,
    deleteRecordsHandler,
    describeConfigsHandler,
    incrementalAlterConfigsHandler,
    ...(options.sasl ? [saslHandshakeHandler, saslAuthenticateHandler(options.sasl)] : []),
  ];
  for (const api of apis) handlers.set(api.key, api);
  const unsupported: string[] = [];
  const sockets = new Set<Socket>();
  const host = '127.0.0.1';
  let port = 0;

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const ctx = { state, host, port, connection: { authenticated: false } };
    serveKafkaConnection(socket, handlers, ctx, (what) => unsupported.push(what), options.sasl !== undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    bootstrap: `${host}:${port}`,
    port,
    unsupported,
    deny(topic, operation) {
      const set = state.denied.get(topic) ?? new Set<KafkaOperation>();
      set.add(operation);
      state.denied.set(topic, set);
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
