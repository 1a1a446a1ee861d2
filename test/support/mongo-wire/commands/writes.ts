/**
 * Write commands: insert, update, delete (each a batch of statements reporting per-statement
 * `writeErrors`, stopping at the first one when `ordered`), and findAndModify.
 */
import { ObjectId, type Document } from 'mongodb';
import { asCommandError, CommandError, toWriteError } from '../errors.js';
import { applyUpdate, buildUpsert, projectDocuments, selectDocuments } from '../query.js';
import type { CollectionState } from '../storage.js';
import { isPlainObject, withIdFirst } from '../values.js';
import { collectionName, documentArray, optionalDocument, type CommandContext, type CommandHandler } from './context.js';

/**
 * Runs `statements` one by one; a statement's CommandError becomes a write error.
 * Returns the write errors, in mongod's reply format.
 */
function runStatements(command: Document, statements: Document[], run: (statement: Document, index: number) => void): Document[] {
  const ordered = command.ordered !== false;
  const writeErrors: Document[] = [];
  for (const [index, statement] of statements.entries()) {
    try {
      run(statement, index);
    } catch (error) {
      writeErrors.push(toWriteError(index, asCommandError(error)));
      if (ordered) break;
    }
  }
  return writeErrors;
}

function writeReply(reply: Document, writeErrors: Document[]): Document {
  return writeErrors.length > 0 ? { ...reply, writeErrors, ok: 1 } : { ...reply, ok: 1 };
}

function checkId(document: Document): void {
  const id: unknown = document._id;
  if (Array.isArray(id)) throw new CommandError('BadValue', "can't use an array for _id");
  if (id instanceof RegExp) throw new CommandError('BadValue', "can't use a regex for _id");
}

/** Adds a new document, refusing duplicate keys of unique indexes. */
function insertOne(collection: CollectionState, document: Document): void {
  checkId(document);
  const duplicate = collection.uniqueChecker().check(document);
  if (duplicate) throw duplicate;
  collection.documents.push(document);
}

/** Swaps updated documents in place (keeping natural order), refusing duplicate keys. */
function replaceDocuments(collection: CollectionState, replacements: Map<Document, Document>): void {
  if (replacements.size === 0) return;
  const checker = collection.uniqueChecker(new Set(replacements.keys()));
  for (const document of replacements.values()) {
    const duplicate = checker.check(document);
    if (duplicate) throw duplicate;
    checker.add(document);
  }
  collection.documents = collection.documents.map((document) => replacements.get(document) ?? document);
}

const insert: CommandHandler = (command, context) => {
  const documents = documentArray(command, 'documents');
  const { collection } = context.storage.ensureCollection(context.db, collectionName(command, context));
  // One checker for the whole batch keeps a 100k-document insert linear.
  const checker = collection.uniqueChecker();
  let n = 0;
  const writeErrors = runStatements(command, documents, (raw) => {
    const document = raw._id === undefined ? { _id: new ObjectId(), ...raw } : withIdFirst(raw);
    checkId(document);
    const duplicate = checker.check(document);
    if (duplicate) throw duplicate;
    checker.add(document);
    collection.documents.push(document);
    n += 1;
  });
  return writeReply({ n }, writeErrors);
};

const deleteCommand: CommandHandler = (command, context) => {
  const statements = documentArray(command, 'deletes');
  const collection = context.storage.collection(context.db, collectionName(command, context));
  let n = 0;
  const writeErrors = runStatements(command, statements, (statement) => {
    const limit: unknown = statement.limit;
    if (limit !== 0 && limit !== 1) {
      throw new CommandError('FailedToParse', `The limit field in delete objects must be 0 or 1. Got ${String(limit)}`);
    }
    const filter = optionalDocument(statement, 'q') ?? {};
    if (!collection) return;
    collection.checkHint(statement.hint);
    const doomed = new Set(selectDocuments(collection.documents, { filter, limit }));
    if (doomed.size === 0) return;
    collection.documents = collection.documents.filter((document) => !doomed.has(document));
    n += doomed.size;
  });
  return writeReply({ n }, writeErrors);
};

interface UpdateResult {
  matched: number;
  modified: number;
  upsertedId?: unknown;
}

function isReplacement(update: unknown): boolean {
  return isPlainObject(update) && !Object.keys(update).some((key) => key.startsWith('$'));
}

/** One update statement `{ q, u, multi, upsert, arrayFilters, sort, hint }`. */
function updateStatement(statement: Document, context: CommandContext, name: string): UpdateResult {
  const filter = optionalDocument(statement, 'q') ?? {};
  const update: unknown = statement.u;
  const multi = statement.multi === true;
  const arrayFilters = Array.isArray(statement.arrayFilters) ? (statement.arrayFilters as Document[]) : undefined;
  if (multi && isReplacement(update)) {
    throw new CommandError('FailedToParse', 'multi update is not supported for replacement-style update');
  }
  let collection = context.storage.collection(context.db, name);
  collection?.checkHint(statement.hint);
  const matched = collection
    ? selectDocuments(collection.documents, {
        filter,
        sort: optionalDocument(statement, 'sort'),
        limit: multi ? 0 : 1,
      })
    : [];
  if (matched.length === 0) {
    if (statement.upsert !== true) return { matched: 0, modified: 0 };
    collection ??= context.storage.ensureCollection(context.db, name).collection;
    const document = buildUpsert(filter, update, arrayFilters);
    insertOne(collection, document);
    return { matched: 0, modified: 0, upsertedId: document._id };
  }
  const replacements = new Map<Document, Document>();
  for (const original of matched) {
    const outcome = applyUpdate(original, update, { arrayFilters });
    if (outcome.modified) replacements.set(original, outcome.document);
  }
  if (collection) replaceDocuments(collection, replacements);
  return { matched: matched.length, modified: replacements.size };
}

const update: CommandHandler = (command, context) => {
  const name = collectionName(command, context);
  const statements = documentArray(command, 'updates');
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors = runStatements(command, statements, (statement, index) => {
    const result = updateStatement(statement, context, name);
    n += result.matched;
    nModified += result.modified;
    if (result.upsertedId !== undefined) {
      n += 1;
      upserted.push({ index, _id: result.upsertedId });
    }
  });
  const reply: Document = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  return writeReply(reply, writeErrors);
};

const findAndModify: CommandHandler = (command, context) => {
  const name = collectionName(command, context);
  const remove = command.remove === true;
  const update: unknown = command.update;
  if (remove && update !== undefined) {
    throw new CommandError('FailedToParse', 'Cannot specify both an update and remove=true');
  }
  if (!remove && update === undefined) {
    throw new CommandError('FailedToParse', 'Either an update or remove=true must be specified');
  }
  const filter = optionalDocument(command, 'query') ?? {};
  const fields = optionalDocument(command, 'fields');
  const arrayFilters = Array.isArray(command.arrayFilters) ? (command.arrayFilters as Document[]) : undefined;
  const project = (document: Document | undefined): Document | null =>
    document ? (projectDocuments([document], fields)[0] ?? null) : null;

  let collection = context.storage.collection(context.db, name);
  collection?.checkHint(command.hint);
  const [target] = collection ? selectDocuments(collection.documents, { filter, sort: optionalDocument(command, 'sort'), limit: 1 }) : [];

  if (remove) {
    if (collection && target) collection.documents = collection.documents.filter((document) => document !== target);
    return { lastErrorObject: { n: target ? 1 : 0 }, value: project(target), ok: 1 };
  }
  if (target && collection) {
    const outcome = applyUpdate(target, update, { arrayFilters });
    if (outcome.modified) replaceDocuments(collection, new Map([[target, outcome.document]]));
    return {
      lastErrorObject: { n: 1, updatedExisting: true },
      value: project(command.new === true ? outcome.document : target),
      ok: 1,
    };
  }
  if (command.upsert !== true) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  collection ??= context.storage.ensureCollection(context.db, name).collection;
  const document = buildUpsert(filter, update, arrayFilters);
  insertOne(collection, document);
  return {
    lastErrorObject: { n: 1, updatedExisting: false, upserted: document._id },
    value: command.new === true ? project(document) : null,
    ok: 1,
  };
};

export const writeCommands: Record<string, CommandHandler> = {
  insert,
  update,
  delete: deleteCommand,
  findAndModify,
  findandmodify: findAndModify,
};
