/** What every command handler gets, plus small argument-parsing helpers shared by them. */
import type { Document } from 'mongodb';
import type { CursorRegistry, CursorReply } from '../cursors.js';
import { CommandError } from '../errors.js';
import { validateCollectionName, type CollectionState, type Storage } from '../storage.js';
import { isPlainObject } from '../values.js';

export interface ServerState {
  readonly startedAt: Date;
  readonly connections: { current: number; totalCreated: number };
}

export interface CommandContext {
  /** The database the command runs against (`$db`). */
  readonly db: string;
  readonly connectionId: number;
  readonly storage: Storage;
  readonly cursors: CursorRegistry;
  readonly server: ServerState;
}

export type CommandHandler = (command: Document, context: CommandContext) => Document;

/** The collection named by the command's first field (`{ find: 'events', … }`). */
export function collectionName(command: Document, context: CommandContext): string {
  const [name] = Object.keys(command);
  return validateCollectionName(context.db, command[name as string]);
}

export function existingCollection(command: Document, context: CommandContext): CollectionState | undefined {
  return context.storage.collection(context.db, collectionName(command, context));
}

export function optionalDocument(command: Document, field: string): Document | undefined {
  const value: unknown = command[field];
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) {
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${typeof value}', expected type 'object'`);
  }
  return value;
}

export function optionalNumber(command: Document, field: string): number | undefined {
  const value: unknown = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'number') {
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${typeof value}', expected a number`);
  }
  return value;
}

export function nonNegative(command: Document, field: string): number | undefined {
  const value = optionalNumber(command, field);
  if (value !== undefined && value < 0) {
    throw new CommandError('BadValue', `${field} value must be non-negative, but received: ${value}`);
  }
  return value;
}

export function documentArray(command: Document, field: string): Document[] {
  const value: unknown = command[field];
  if (!Array.isArray(value) || !value.every(isPlainObject)) {
    throw new CommandError('TypeMismatch', `BSON field '${field}' is missing or is not an array of objects`);
  }
  return value;
}

/** `{ cursor: { firstBatch | nextBatch, id, ns }, ok: 1 }`. */
export function cursorReply(reply: CursorReply, batchField: 'firstBatch' | 'nextBatch'): Document {
  return { cursor: { [batchField]: reply.batch, id: reply.id, ns: reply.ns }, ok: 1 };
}

/** Batch size from `{ cursor: { batchSize } }` (aggregate, listCollections, listIndexes). */
export function cursorBatchSize(command: Document): number | undefined {
  const cursor = optionalDocument(command, 'cursor');
  return cursor ? nonNegative(cursor, 'batchSize') : undefined;
}

/** Fields any command may carry that are about the request, not the operation. */
const GENERIC_FIELDS = new Set([
  '$db',
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  '$clusterTime',
  '$readPreference',
  'readConcern',
  'writeConcern',
  'comment',
  'maxTimeMS',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
]);

/** The command's own options: everything but its name field and the generic fields. */
export function commandOptions(command: Document): Document {
  const [name] = Object.keys(command);
  const options: Document = {};
  for (const [key, value] of Object.entries(command)) {
    if (key !== name && !GENERIC_FIELDS.has(key)) options[key] = value;
  }
  return options;
}
