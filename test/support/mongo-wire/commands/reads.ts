/** Read commands: find, getMore, killCursors, count, distinct, aggregate. */
import { ObjectId, type Document } from 'mongodb';
import { CommandError } from '../errors.js';
import { compileFilter, distinctValues, projectDocuments, runPipeline, selectDocuments } from '../query.js';
import { validateCollectionName } from '../storage.js';
import { isPlainObject, withIdFirst } from '../values.js';
import {
  collectionName,
  cursorReply,
  documentArray,
  existingCollection,
  nonNegative,
  optionalDocument,
  optionalNumber,
  type CommandContext,
  type CommandHandler,
} from './context.js';

const find: CommandHandler = (command, context) => {
  const name = collectionName(command, context);
  const collection = context.storage.collection(context.db, name);
  collection?.checkHint(command.hint);
  const selected = collection
    ? selectDocuments(collection.documents, {
        filter: optionalDocument(command, 'filter'),
        sort: optionalDocument(command, 'sort'),
        skip: nonNegative(command, 'skip'),
        limit: nonNegative(command, 'limit'),
      })
    : [];
  const documents = projectDocuments(selected, optionalDocument(command, 'projection'));
  const reply = context.cursors.create(`${context.db}.${name}`, documents, {
    batchSize: nonNegative(command, 'batchSize'),
    singleBatch: command.singleBatch === true,
  });
  return cursorReply(reply, 'firstBatch');
};

function cursorId(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new CommandError('TypeMismatch', "BSON field 'getMore.getMore' is the wrong type, expected type 'long'");
}

const getMore: CommandHandler = (command, context) => {
  const id = cursorId(command.getMore);
  const ns = `${context.db}.${String(command.collection)}`;
  const owner = context.cursors.namespaceOf(id);
  if (owner !== undefined && owner !== ns) {
    throw new CommandError('Unauthorized', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${owner}`);
  }
  return cursorReply(context.cursors.getMore(id, nonNegative(command, 'batchSize')), 'nextBatch');
};

const killCursors: CommandHandler = (command, context) => {
  const ids = Array.isArray(command.cursors) ? command.cursors.map(cursorId) : [];
  const { killed, notFound } = context.cursors.kill(ids);
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

const count: CommandHandler = (command, context) => {
  const collection = existingCollection(command, context);
  if (!collection) return { n: 0, ok: 1 };
  collection.checkHint(command.hint);
  const limit = Math.abs(optionalNumber(command, 'limit') ?? 0);
  const selected = selectDocuments(collection.documents, {
    filter: optionalDocument(command, 'query'),
    skip: nonNegative(command, 'skip'),
    limit,
  });
  return { n: selected.length, ok: 1 };
};

const distinct: CommandHandler = (command, context) => {
  if (typeof command.key !== 'string') {
    throw new CommandError('TypeMismatch', "BSON field 'distinct.key' is missing or is not a string");
  }
  const collection = existingCollection(command, context);
  const matches = compileFilter(optionalDocument(command, 'query'));
  const documents = collection ? collection.documents.filter(matches) : [];
  return { values: distinctValues(documents, command.key), ok: 1 };
};

/** `$out` target of a pipeline: `'name'` or `{ db, coll }`. */
function outTarget(stage: Document, context: CommandContext): { db: string; name: string } {
  const target: unknown = stage.$out;
  if (typeof target === 'string') return { db: context.db, name: validateCollectionName(context.db, target) };
  if (isPlainObject(target) && typeof target.db === 'string') {
    return { db: target.db, name: validateCollectionName(target.db, target.coll) };
  }
  throw new CommandError('FailedToParse', '$out expects a collection name or { db, coll }');
}

/** Replaces the `$out` collection's documents with the pipeline's results. */
function writeOut(results: Document[], target: { db: string; name: string }, context: CommandContext): void {
  const { collection } = context.storage.ensureCollection(target.db, target.name);
  const documents = results.map((document) => (document._id === undefined ? { _id: new ObjectId(), ...document } : withIdFirst(document)));
  const checker = collection.uniqueChecker(new Set(collection.documents));
  for (const document of documents) {
    const duplicate = checker.check(document);
    if (duplicate) throw duplicate;
    checker.add(document);
  }
  collection.documents = documents;
}

const aggregate: CommandHandler = (command, context) => {
  if (typeof command.aggregate !== 'string') {
    throw new CommandError('InvalidNamespace', 'collection-less aggregate ({ aggregate: 1 }) is not supported by the test server');
  }
  const name = collectionName(command, context);
  const pipeline = documentArray(command, 'pipeline');
  if (command.explain) throw new CommandError('BadValue', 'explain is not supported by the test server');
  const cursor = optionalDocument(command, 'cursor');
  if (!cursor) {
    throw new CommandError('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  if (pipeline.some((stage) => '$merge' in stage)) {
    throw new CommandError('BadValue', '$merge is not supported by the test server');
  }
  const last = pipeline.at(-1);
  const out = last && '$out' in last ? outTarget(last, context) : undefined;
  const stages = out ? pipeline.slice(0, -1) : pipeline;

  const collection = context.storage.collection(context.db, name);
  collection?.checkHint(command.hint);
  const resolve = (other: string): Document[] => context.storage.collection(context.db, other)?.documents ?? [];
  const results = runPipeline(collection?.documents ?? [], stages, resolve);
  if (out) writeOut(results, out, context);

  const reply = context.cursors.create(`${context.db}.${name}`, out ? [] : results, {
    batchSize: nonNegative(cursor, 'batchSize'),
  });
  return cursorReply(reply, 'firstBatch');
};

export const readCommands: Record<string, CommandHandler> = {
  find,
  getMore,
  killCursors,
  count,
  distinct,
  aggregate,
};
