import type { Socket } from 'node:net';
import { Reader, Writer } from '@platformatic/kafka';
import type { ApiContext, ApiHandler } from './api-context.js';

const API_VERSIONS_KEY = 18;

/**
 * Serves one client socket: splits the stream into size-prefixed requests, reads the request
 * header (v2: every API here is at a flexible version), and answers with the handler's body behind
 * the response header (v1, except ApiVersions, whose response header is always v0). A request for
 * an API or version the broker did not advertise closes the connection, as Kafka does.
 */
export function serveKafkaConnection(
  socket: Socket,
  handlers: ReadonlyMap<number, ApiHandler>,
  ctx: ApiContext,
  onUnsupported: (what: string) => void,
): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      const frame = pending.subarray(4, 4 + size);
      pending = pending.subarray(4 + size);
      const reply = answer(frame, handlers, ctx, onUnsupported);
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
  reader.readNullableString(false); // client_id: a classic (non-compact) string even in header v2
  reader.readTaggedFields();
  const body = handler.handle(reader, ctx);
  const header = Writer.create().appendInt32(correlationId);
  if (apiKey !== API_VERSIONS_KEY) header.appendTaggedFields();
  const payload = Buffer.concat([header.buffer, body.buffer]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}
