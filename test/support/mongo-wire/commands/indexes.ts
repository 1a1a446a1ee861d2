/** createIndexes, listIndexes, dropIndexes. Indexes are specs only; unique ones are enforced. */
import type { Document } from 'mongodb';
import { CommandError } from '../errors.js';
import { defaultIndexName, ID_INDEX_NAME, UniqueChecker, type CollectionState, type IndexSpec } from '../storage.js';
import { isPlainObject, valueKey } from '../values.js';
import { collectionName, cursorBatchSize, cursorReply, documentArray, existingCollection, type CommandHandler } from './context.js';

function parseIndexSpec(raw: Document): IndexSpec {
  const key: unknown = raw.key;
  if (!isPlainObject(key) || Object.keys(key).length === 0) {
    throw new CommandError('FailedToParse', "The 'key' field is a required property of an index specification");
  }
  const name = raw.name ?? defaultIndexName(key);
  if (typeof name !== 'string' || name === '') {
    throw new CommandError('TypeMismatch', "The field 'name' must be a non-empty string");
  }
  const { v: _v, key: _key, name: _name, ...options } = raw;
  return { v: 2, key, name, ...options };
}

/** Index options that make two specs with the same key different indexes (or conflicting). */
function optionsKey(spec: IndexSpec): string {
  const { v: _v, key: _key, name: _name, ...options } = spec;
  return valueKey(options);
}

function addIndex(collection: CollectionState, spec: IndexSpec): boolean {
  const sameName = collection.findIndex(spec.name);
  if (sameName) {
    if (valueKey(sameName.key) === valueKey(spec.key) && optionsKey(sameName) === optionsKey(spec)) return false;
    throw new CommandError(
      'IndexKeySpecsConflict',
      `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName)}`,
    );
  }
  const sameKey = collection.findIndex(spec.key);
  if (sameKey && optionsKey(sameKey) === optionsKey(spec)) {
    throw new CommandError('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.name}`);
  }
  if (spec.unique) {
    // Refuse the index when existing documents already violate it, as mongod does.
    const checker = new UniqueChecker(collection.ns, [spec]);
    for (const document of collection.documents) {
      const duplicate = checker.check(document);
      if (duplicate) throw duplicate;
      checker.add(document);
    }
  }
  collection.indexes.push(spec);
  return true;
}

const createIndexes: CommandHandler = (command, context) => {
  const specs = documentArray(command, 'indexes').map(parseIndexSpec);
  if (specs.length === 0) throw new CommandError('BadValue', 'Must specify at least one index to create');
  const { collection, created } = context.storage.ensureCollection(context.db, collectionName(command, context));
  const numIndexesBefore = collection.indexes.length;
  let added = 0;
  for (const spec of specs) if (addIndex(collection, spec)) added += 1;
  const reply: Document = {
    numIndexesBefore,
    numIndexesAfter: collection.indexes.length,
    createdCollectionAutomatically: created,
    ok: 1,
  };
  if (added === 0) reply.note = 'all indexes already exist';
  return reply;
};

const listIndexes: CommandHandler = (command, context) => {
  const collection = existingCollection(command, context);
  if (!collection) {
    throw new CommandError('NamespaceNotFound', `ns does not exist: ${context.db}.${String(command.listIndexes)}`);
  }
  const reply = context.cursors.create(collection.ns, [...collection.indexes], {
    batchSize: cursorBatchSize(command) ?? Infinity,
  });
  return cursorReply(reply, 'firstBatch');
};

function indexesToDrop(collection: CollectionState, target: unknown): IndexSpec[] {
  if (target === '*') return collection.indexes.filter((index) => index.name !== ID_INDEX_NAME);
  const wanted = Array.isArray(target) ? target : [target];
  return wanted.map((nameOrKey: unknown) => {
    if (typeof nameOrKey !== 'string' && !isPlainObject(nameOrKey)) {
      throw new CommandError('TypeMismatch', "The 'index' field must be a string, an object or an array of strings");
    }
    const index = collection.findIndex(nameOrKey);
    if (!index) {
      const described = typeof nameOrKey === 'string' ? `name [${nameOrKey}]` : `key pattern ${JSON.stringify(nameOrKey)}`;
      throw new CommandError('IndexNotFound', `index not found with ${described}`);
    }
    if (index.name === ID_INDEX_NAME) throw new CommandError('InvalidOptions', 'cannot drop _id index');
    return index;
  });
}

const dropIndexes: CommandHandler = (command, context) => {
  const collection = existingCollection(command, context);
  if (!collection) {
    throw new CommandError('NamespaceNotFound', `ns not found ${context.db}.${String(Object.values(command)[0])}`);
  }
  const nIndexesWas = collection.indexes.length;
  const doomed = new Set(indexesToDrop(collection, command.index));
  collection.indexes = collection.indexes.filter((index) => !doomed.has(index));
  return { nIndexesWas, ok: 1 };
};

export const indexCommands: Record<string, CommandHandler> = {
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
};
