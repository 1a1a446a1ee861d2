/**
 * A MongoDB wire-protocol server for tests, good enough for the official `mongodb` driver:
 * it speaks the handshake (OP_QUERY → OP_REPLY) and OP_MSG, advertises a standalone
 * MongoDB 7.0, and keeps data in memory. Query semantics come from mingo.
 *
 *   const server = await startMongoWireServer();
 *   const client = new MongoClient(server.url + 'mydb');
 *   …
 *   await client.close();
 *   await server.close();
 *
 * The pieces live in ./mongo-wire/:
 * - protocol: framing, opcodes, BSON in and out;        connection: one client socket;
 * - dispatcher + commands/*: the command handlers;      errors: mongod-style error replies;
 * - storage: databases, collections, indexes;           cursors: the cursor registry;
 * - query + mingo-context: mingo, tuned to mongod;      bson-order: MongoDB's sort order;
 * - values: BSON value helpers (equality keys, canonical numbers, paths).
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { ServerState } from './mongo-wire/commands/context.js';
import { serveConnection } from './mongo-wire/connection.js';
import { CursorRegistry } from './mongo-wire/cursors.js';
import { Storage } from './mongo-wire/storage.js';

export interface MongoWireServer {
  /** `mongodb://127.0.0.1:PORT/`; append a database name. */
  readonly url: string;
  readonly port: number;
  /** Destroys every open connection and stops listening. Safe to call more than once. */
  close(): Promise<void>;
}

export async function startMongoWireServer(): Promise<MongoWireServer> {
  const storage = new Storage();
  const cursors = new CursorRegistry();
  const state: ServerState = { startedAt: new Date(), connections: { current: 0, totalCreated: 0 } };
  const sockets = new Set<Socket>();

  const server = createServer((socket) => {
    sockets.add(socket);
    state.connections.current += 1;
    state.connections.totalCreated += 1;
    socket.once('close', () => {
      sockets.delete(socket);
      state.connections.current -= 1;
    });
    serveConnection(socket, { connectionId: state.connections.totalCreated, storage, cursors, server: state });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      for (const socket of sockets) socket.destroy();
      cursors.clear();
    });
    return closing;
  };

  return { url: `mongodb://127.0.0.1:${port}/`, port, close };
}
