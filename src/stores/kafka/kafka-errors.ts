import { RefusalError, StoreError } from '../../errors/index.js';

/** Kafka error codes (as the client names them) that mean "this principal may not": refused, never retried. */
const NOT_AUTHORIZED = ['TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED'];

interface ProtocolFailure {
  apiId: string;
  serverErrorMessage?: string | null;
}

/** The first Kafka protocol error inside a client error (the client wraps them in AggregateErrors). */
export function protocolFailure(err: unknown, depth = 0): ProtocolFailure | null {
  if (!err || typeof err !== 'object' || depth > 5) return null;
  const apiId = (err as { apiId?: unknown }).apiId;
  if (typeof apiId === 'string') return err as ProtocolFailure;
  for (const inner of (err as { errors?: unknown[] }).errors ?? []) {
    const found = protocolFailure(inner, depth + 1);
    if (found) return found;
  }
  return protocolFailure((err as { cause?: unknown }).cause, depth + 1);
}

/**
 * Maps a client error on `topic` to what the engine understands: a missing permission or topic is
 * a refusal naming the topic (nothing more can be done by retrying); anything else a StoreError.
 * Messages carry the Kafka error name, never broker credentials (the client's errors hold none).
 */
export function kafkaFailure(err: unknown, topic: string, doing: string): Error {
  if (err instanceof RefusalError || err instanceof StoreError) return err;
  const failure = protocolFailure(err);
  if (failure && NOT_AUTHORIZED.includes(failure.apiId)) {
    return new RefusalError(
      'not-authorized',
      `kafka topic ${topic}: not authorized to ${doing} (${failure.apiId}); grant the worker's principal that operation`,
    );
  }
  if (failure?.apiId === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return new RefusalError('unknown-topic', `kafka topic ${topic} does not exist`);
  }
  if (failure?.apiId === 'POLICY_VIOLATION') {
    return new RefusalError(
      'policy-violation',
      `kafka topic ${topic}: the broker refused to ${doing} (POLICY_VIOLATION: a compact-only topic or a broker policy)`,
    );
  }
  const detail = failure ? failure.apiId : err instanceof Error ? err.message : String(err);
  return new StoreError('kafka', `cannot ${doing} on topic ${topic}: ${detail}`, { cause: err });
}
