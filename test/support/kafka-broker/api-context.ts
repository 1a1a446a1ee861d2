import type { Reader, Writer } from '@platformatic/kafka';
import type { BrokerState } from './broker-state.js';

/** What a request handler sees: the broker's state, where it listens (for Metadata), and its connection. */
export interface ApiContext {
  state: BrokerState;
  host: string;
  port: number;
  /** This client connection: whether it has passed SASL authentication (when the broker requires it). */
  connection: { authenticated: boolean };
}

/** One API at the one version the test broker advertises: reads the request body, writes the response body. */
export interface ApiHandler {
  key: number;
  version: number;
  name: string;
  /** Flexible versions use request header v2 and response header v1 (tagged fields). @defaultValue true */
  flexible?: boolean;
  /** Answered before SASL authentication (ApiVersions and the SASL APIs). @defaultValue false */
  beforeAuthentication?: boolean;
  handle(request: Reader, ctx: ApiContext): Writer;
}

/** `topic_authorized_operations` when the client did not ask for them. */
export const NO_AUTHORIZED_OPERATIONS = -2147483648;
