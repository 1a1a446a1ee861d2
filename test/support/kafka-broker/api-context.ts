import type { Reader, Writer } from '@platformatic/kafka';
import type { BrokerState } from './broker-state.js';

/** What a request handler sees: the broker's state and where it listens (for Metadata). */
export interface ApiContext {
  state: BrokerState;
  host: string;
  port: number;
}

/** One API at the one version the test broker advertises: reads the request body, writes the response body. */
export interface ApiHandler {
  key: number;
  version: number;
  name: string;
  handle(request: Reader, ctx: ApiContext): Writer;
}

/** `topic_authorized_operations` when the client did not ask for them. */
export const NO_AUTHORIZED_OPERATIONS = -2147483648;
