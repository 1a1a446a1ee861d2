/** Handshake, diagnostics and database-level commands. */
import { hostname } from 'node:os';
import type { Document } from 'mongodb';
import { CommandError } from '../errors.js';
import { compileFilter } from '../query.js';
import { bsonSize } from '../protocol.js';
import type { CommandContext, CommandHandler } from './context.js';

export const SERVER_VERSION = '7.0.0';
const MAX_WIRE_VERSION = 21; // MongoDB 7.0

function helloReply(context: CommandContext, primaryField: 'isWritablePrimary' | 'ismaster'): Document {
  return {
    helloOk: true,
    [primaryField]: true,
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: context.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  };
}

const buildInfo: CommandHandler = () => ({
  version: SERVER_VERSION,
  gitVersion: '0000000000000000000000000000000000000000',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: 16 * 1024 * 1024,
  storageEngines: ['devnull', 'ephemeralForTest'],
  javascriptEngine: 'none',
  modules: [],
  ok: 1,
});

const getParameter: CommandHandler = (command) => {
  const known: Document = {
    featureCompatibilityVersion: { version: '7.0' },
    authenticationMechanisms: [],
    requireApiVersion: false,
  };
  if (command.getParameter === '*') return { ...known, ok: 1 };
  const reply: Document = {};
  for (const name of Object.keys(command)) if (name in known) reply[name] = known[name];
  if (Object.keys(reply).length === 0) throw new CommandError('InvalidOptions', 'no option found to get');
  return { ...reply, ok: 1 };
};

const serverStatus: CommandHandler = (_command, context) => ({
  host: hostname(),
  version: SERVER_VERSION,
  process: 'mongod',
  pid: process.pid,
  uptime: Math.floor((Date.now() - context.server.startedAt.getTime()) / 1000),
  uptimeMillis: Date.now() - context.server.startedAt.getTime(),
  localTime: new Date(),
  connections: {
    current: context.server.connections.current,
    available: 1000,
    totalCreated: context.server.connections.totalCreated,
  },
  ok: 1,
});

const listDatabases: CommandHandler = (command, context) => {
  if (context.db !== 'admin') {
    throw new CommandError('Unauthorized', 'listDatabases may only be run against the admin database.');
  }
  const matches = compileFilter(command.filter as Document | undefined);
  const databases = context.storage
    .databaseNames()
    .map((name) => {
      const sizeOnDisk = context.storage
        .collections(name)
        .reduce((total, collection) => total + collection.documents.reduce((sum, d) => sum + bsonSize(d), 0), 0);
      return { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    })
    .filter(matches);
  if (command.nameOnly) return { databases: databases.map(({ name }) => ({ name })), ok: 1 };
  const totalSize = databases.reduce((total, database) => total + database.sizeOnDisk, 0);
  return { databases, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)), ok: 1 };
};

export const adminCommands: Record<string, CommandHandler> = {
  hello: (_command, context) => helloReply(context, 'isWritablePrimary'),
  isMaster: (_command, context) => helloReply(context, 'ismaster'),
  ismaster: (_command, context) => helloReply(context, 'ismaster'),
  ping: () => ({ ok: 1 }),
  buildInfo,
  buildinfo: buildInfo,
  endSessions: () => ({ ok: 1 }),
  killSessions: () => ({ ok: 1 }),
  refreshSessions: () => ({ ok: 1 }),
  getParameter,
  getCmdLineOpts: () => ({ argv: ['mongod'], parsed: {}, ok: 1 }),
  hostInfo: () => ({ system: { hostname: hostname(), currentTime: new Date() }, os: { type: process.platform }, ok: 1 }),
  whatsmyuri: () => ({ you: '127.0.0.1', ok: 1 }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  serverStatus,
  listDatabases,
  dropDatabase: (_command, context) => {
    context.storage.dropDatabase(context.db);
    return { ok: 1 };
  },
};
