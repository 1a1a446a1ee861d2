/** Collection-level DDL and statistics: create, drop, listCollections, renameCollection, stats. */
import type { Document } from 'mongodb';
import { CommandError } from '../errors.js';
import { bsonSize } from '../protocol.js';
import { compileFilter } from '../query.js';
import { validateCollectionName, type CollectionState } from '../storage.js';
import { valueKey } from '../values.js';
import {
  collectionName,
  commandOptions,
  cursorBatchSize,
  cursorReply,
  existingCollection,
  optionalDocument,
  type CommandHandler,
} from './context.js';

const create: CommandHandler = (command, context) => {
  const name = collectionName(command, context);
  const options = commandOptions(command);
  const existing = context.storage.collection(context.db, name);
  if (existing) {
    // Since 7.0, create is a no-op when the collection exists with identical options.
    if (valueKey(existing.options) === valueKey(options)) return { ok: 1 };
    throw new CommandError('NamespaceExists', `namespace ${existing.ns} already exists, but with different options`);
  }
  context.storage.createCollection(context.db, name, options);
  return { ok: 1 };
};

const drop: CommandHandler = (command, context) => {
  const name = collectionName(command, context);
  const dropped = context.storage.dropCollection(context.db, name);
  // Since 7.0, dropping a missing collection succeeds.
  if (!dropped) return { ok: 1 };
  return { nIndexesWas: dropped.indexes.length, ns: dropped.ns, ok: 1 };
};

function collectionInfo(collection: CollectionState): Document {
  return {
    name: collection.name,
    type: 'collection',
    options: collection.options,
    info: { readOnly: false, uuid: collection.uuid },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  };
}

const listCollections: CommandHandler = (command, context) => {
  const matches = compileFilter(optionalDocument(command, 'filter'));
  const entries = context.storage
    .collections(context.db)
    .map(collectionInfo)
    .filter(matches)
    .map((entry) => (command.nameOnly ? { name: entry.name as string, type: entry.type as string } : entry));
  const reply = context.cursors.create(`${context.db}.$cmd.listCollections`, entries, {
    batchSize: cursorBatchSize(command) ?? Infinity,
  });
  return cursorReply(reply, 'firstBatch');
};

function splitNamespace(value: unknown): { db: string; name: string } {
  const ns = typeof value === 'string' ? value : '';
  const dot = ns.indexOf('.');
  if (dot <= 0) throw new CommandError('InvalidNamespace', `Invalid namespace specified '${ns}'`);
  return { db: ns.slice(0, dot), name: ns.slice(dot + 1) };
}

const renameCollection: CommandHandler = (command, context) => {
  if (context.db !== 'admin') {
    throw new CommandError('Unauthorized', 'renameCollection may only be run against the admin database.');
  }
  const from = splitNamespace(command.renameCollection);
  const to = splitNamespace(command.to);
  validateCollectionName(to.db, to.name);
  const source = context.storage.collection(from.db, from.name);
  if (!source) throw new CommandError('NamespaceNotFound', 'Source collection does not exist');
  if (context.storage.collection(to.db, to.name)) {
    if (!command.dropTarget) throw new CommandError('NamespaceExists', 'target namespace exists');
    context.storage.dropCollection(to.db, to.name);
  }
  context.storage.renameCollection(source, to.db, to.name);
  return { ok: 1 };
};

function sizes(collection: CollectionState): { count: number; size: number } {
  const size = collection.documents.reduce((total, document) => total + bsonSize(document), 0);
  return { count: collection.documents.length, size };
}

const collStats: CommandHandler = (command, context) => {
  const collection = existingCollection(command, context);
  if (!collection) {
    throw new CommandError('NamespaceNotFound', `Collection [${context.db}.${String(command.collStats)}] not found.`);
  }
  const { count, size } = sizes(collection);
  const indexSizes = Object.fromEntries(collection.indexes.map((index) => [index.name, 0]));
  return {
    ns: collection.ns,
    count,
    size,
    avgObjSize: count === 0 ? 0 : Math.floor(size / count),
    storageSize: size,
    nindexes: collection.indexes.length,
    totalIndexSize: 0,
    indexSizes,
    ok: 1,
  };
};

const dbStats: CommandHandler = (_command, context) => {
  const collections = context.storage.collections(context.db);
  const totals = collections.map(sizes).reduce((a, b) => ({ count: a.count + b.count, size: a.size + b.size }), {
    count: 0,
    size: 0,
  });
  return {
    db: context.db,
    collections: collections.length,
    views: 0,
    objects: totals.count,
    avgObjSize: totals.count === 0 ? 0 : totals.size / totals.count,
    dataSize: totals.size,
    storageSize: totals.size,
    indexes: collections.reduce((total, collection) => total + collection.indexes.length, 0),
    indexSize: 0,
    ok: 1,
  };
};

export const collectionCommands: Record<string, CommandHandler> = {
  create,
  drop,
  listCollections,
  renameCollection,
  collStats,
  dbStats,
};
