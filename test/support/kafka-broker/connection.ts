import type { Socket } from 'node:net';
import { Reader, Writer } from '@platformatic/kafka';
import type { ApiContext, ApiHandler } from './api-context.js';

const API_VERSIONS_KEY = 18;

/**
 * Serves one client socket: splits the stream into size-prefixed requests, reads the request
 * header (v2 for flexible versions, v1 for SaslHandshake), and answers with the handler's body
 * behind the response header (v1 for flexible versions; v0 for ApiVersions, always, and for
 * SaslHandshake). A request for an API or version the broker did not advertise closes the
 * connection, as Kafka does, and so does any request but ApiVersions and the SASL ones before
 * authentication when the broker requires SASL.
 */
export function serveKafkaConnection(
  socket: Socket,
  handlers: ReadonlyMap<number, ApiHandler>,
  ctx: ApiContext,
  onUnsupported: (what: string) => void,
  requireAuthentication: boolean,
): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      const frame = pending.subarray(4, 4 + size);
      pending = pending.subarray(4 + size);
      const reply = answer(frame, handlers, ctx, onUnsupported, requireAuthentication);
      if (reply === null) {
        socket.destroy();
        return;
      }
      socket.write(reply);
    }
  });
  socket.on('error', () => socket.destroy());
}

function answer(
  frame: Buffer,
  handlers: ReadonlyMap<number, ApiHandler>,
  ctx: ApiContext,
  onUnsupported: (what: string) => void,
  requireAuthentication: boolean,
): Buffer | null {
  const reader = Reader.from(frame);
  const apiKey = reader.readInt16();
  const apiVersion = reader.readInt16();
  const correlationId = reader.readInt32();
  const handler = handlers.get(apiKey);
  if (!handler || handler.version !== apiVersion) {
    onUnsupported(`api ${apiKey} v${apiVersion}`);
    return null;
  }
  // A broker with SASL closes a connection that sends anything else before authenticating.
  if (requireAuthentication && !ctx.connection.authenticated && !handler.beforeAuthentication && apiKey !== API_VERSIONS_KEY) return null;
  const flexible = handler.flexible ?? true;
  reader.readNullableString(false); // client_id: a classic (non-compact) string even in header v2
  if (flexible) reader.readTaggedFields();
  const body = handler.handle(reader, ctx);
  const header = Writer.create().appendInt32(correlationId);
  if (flexible && apiKey !== API_VERSIONS_KEY) header.appendTaggedFields();
  const payload = Buffer.concat([header.buffer, body.buffer]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}
