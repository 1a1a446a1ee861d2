/**
 * One client connection: frames incoming bytes into messages, runs the commands they carry and
 * writes the replies (OP_REPLY for the legacy OP_QUERY handshake, OP_MSG otherwise).
 */
import type { Socket } from 'node:net';
import type { Document } from 'mongodb';
import type { CommandContext } from './commands/context.js';
import { runCommand } from './dispatcher.js';
import { CommandError } from './errors.js';
import {
  encodeOpMsg,
  encodeOpReply,
  MessageFramer,
  OP_COMPRESSED,
  parseRequest,
  ProtocolError,
  type MsgRequest,
  type QueryRequest,
} from './protocol.js';

/** Commands mongod ≥ 5.1 still accepts over OP_QUERY: the connection handshake. */
const OP_QUERY_COMMANDS = new Set(['hello', 'isMaster', 'ismaster']);
/** OP_REPLY responseFlags bit 1: QueryFailure. */
const QUERY_FAILURE = 2;

let lastRequestId = 0;
const nextRequestId = (): number => (lastRequestId = (lastRequestId + 1) & 0x7fffffff);

export function serveConnection(socket: Socket, context: Omit<CommandContext, 'db'>): void {
  const framer = new MessageFramer();
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const frame of framer.push(chunk)) {
        const reply = handleFrame(frame, context);
        if (reply) socket.write(reply);
      }
    } catch (error) {
      // The stream cannot be trusted any more; mongod closes the connection too.
      console.error(`[mongo-wire-server] closing connection ${context.connectionId}: ${String(error)}`);
      socket.destroy();
    }
  });
}

function handleFrame(frame: Buffer, context: Omit<CommandContext, 'db'>): Buffer | undefined {
  const request = parseRequest(frame);
  switch (request.kind) {
    case 'msg':
      return handleMsg(request, context);
    case 'query':
      return handleQuery(request, context);
    default:
      throw new ProtocolError(
        request.header.opCode === OP_COMPRESSED
          ? 'OP_COMPRESSED received but no compressor was negotiated'
          : `unsupported opcode ${request.header.opCode}`,
      );
  }
}

function handleMsg(request: MsgRequest, context: Omit<CommandContext, 'db'>): Buffer | undefined {
  const db: unknown = request.body.$db;
  const reply =
    typeof db === 'string' && db !== ''
      ? runCommand(request.body, { ...context, db })
      : new CommandError('BadValue', 'OP_MSG requests require a $db argument').toReply();
  // moreToCome: the client (an unacknowledged write) reads no reply.
  return request.moreToCome ? undefined : encodeOpMsg(nextRequestId(), request.header.requestId, reply);
}

function handleQuery(request: QueryRequest, context: Omit<CommandContext, 'db'>): Buffer {
  const { fullCollectionName } = request;
  const respond = (document: Document, flags = 0): Buffer => encodeOpReply(nextRequestId(), request.header.requestId, document, flags);
  if (!fullCollectionName.endsWith('.$cmd')) {
    return respond({ $err: 'OP_QUERY is no longer supported for queries', code: 5739101, ok: 0 }, QUERY_FAILURE);
  }
  const db = fullCollectionName.slice(0, -'.$cmd'.length);
  const command = ('$query' in request.query ? request.query.$query : request.query) as Document;
  const [name = ''] = Object.keys(command);
  if (!OP_QUERY_COMMANDS.has(name)) {
    return respond(
      new CommandError(
        'UnsupportedOpQueryCommand',
        `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal`,
      ).toReply(),
    );
  }
  return respond(runCommand(command, { ...context, db }));
}
