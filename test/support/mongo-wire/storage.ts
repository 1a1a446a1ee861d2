/**
 * In-memory storage: databases → collections → documents (in insertion order, which is the
 * natural order a find without sort returns) plus index specifications. Only unique indexes
 * have behaviour (duplicate keys are refused); the others are just remembered for listIndexes.
 */
import { UUID, type Document } from 'mongodb';
import { CommandError } from './errors.js';
import { compileFilter } from './query.js';
import { formatDocument, getPath, isPlainObject, valueKey } from './values.js';

export interface IndexSpec extends Document {
  v: number;
  key: Document;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
}

export const ID_INDEX_NAME = '_id_';

/** mongod's default index name: `{ a: 1, 'b.c': -1 }` → `a_1_b.c_-1`. */
export function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([field, kind]) => `${field}_${String(kind)}`)
    .join('_');
}

export class CollectionState {
  documents: Document[] = [];
  indexes: IndexSpec[] = [{ v: 2, key: { _id: 1 }, name: ID_INDEX_NAME }];
  readonly uuid = new UUID();

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Document = {},
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  findIndex(nameOrKey: string | Document): IndexSpec | undefined {
    if (typeof nameOrKey === 'string') return this.indexes.find((index) => index.name === nameOrKey);
    const wanted = valueKey(nameOrKey);
    return this.indexes.find((index) => valueKey(index.key) === wanted);
  }

  /** Refuses a `hint` naming no index, with mongod's error; `$natural` hints are always fine. */
  checkHint(hint: unknown): void {
    if (hint === undefined || hint === null) return;
    if (isPlainObject(hint) && ('$natural' in hint || Object.keys(hint).length === 0)) return;
    if ((typeof hint === 'string' || isPlainObject(hint)) && this.findIndex(hint)) return;
    throw new CommandError('BadValue', 'hint provided does not correspond to an existing index');
  }

  /**
   * A checker for unique indexes seeded with the current documents, except those in `excluding`
   * (documents about to be replaced). Call `check` then `add` for each new document.
   */
  uniqueChecker(excluding: ReadonlySet<Document> = new Set()): UniqueChecker {
    const checker = new UniqueChecker(
      this.ns,
      this.indexes.filter((index) => index.unique || index.name === ID_INDEX_NAME),
    );
    for (const document of this.documents) if (!excluding.has(document)) checker.add(document);
    return checker;
  }
}

export class UniqueChecker {
  private readonly seen: Array<{ index: IndexSpec; keys: Set<string>; applies: (document: Document) => boolean }>;

  constructor(
    private readonly ns: string,
    indexes: IndexSpec[],
  ) {
    this.seen = indexes.map((index) => {
      const partial = index.partialFilterExpression ? compileFilter(index.partialFilterExpression) : undefined;
      const fields = Object.keys(index.key);
      const applies = (document: Document): boolean =>
        (!index.sparse || fields.some((field) => getPath(document, field) !== undefined)) && (!partial || partial(document));
      return { index, keys: new Set<string>(), applies };
    });
  }

  /** The duplicate key error `document` would cause, if any. */
  check(document: Document): CommandError | undefined {
    for (const { index, keys, applies } of this.seen) {
      if (!applies(document)) continue;
      const keyValue = keyValueOf(index, document);
      if (keys.has(valueKey(keyValue))) {
        return new CommandError(
          'DuplicateKey',
          `E11000 duplicate key error collection: ${this.ns} index: ${index.name} dup key: ${formatDocument(keyValue)}`,
          { keyPattern: index.key, keyValue },
        );
      }
    }
    return undefined;
  }

  add(document: Document): void {
    for (const { index, keys, applies } of this.seen) {
      if (applies(document)) keys.add(valueKey(keyValueOf(index, document)));
    }
  }
}

function keyValueOf(index: IndexSpec, document: Document): Document {
  const keyValue: Document = {};
  for (const field of Object.keys(index.key)) keyValue[field] = getPath(document, field) ?? null;
  return keyValue;
}

export function validateCollectionName(db: string, name: unknown): string {
  if (typeof name !== 'string') {
    throw new CommandError('InvalidNamespace', `collection name has invalid type ${typeof name}`);
  }
  if (name === '' || name.includes('\0') || name.startsWith('.') || name.includes('$')) {
    throw new CommandError('InvalidNamespace', `Invalid namespace specified '${db}.${name}'`);
  }
  return name;
}

export class Storage {
  private readonly databases = new Map<string, Map<string, CollectionState>>();

  collection(db: string, name: string): CollectionState | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** The collection, created implicitly (as mongod does on first write) when missing. */
  ensureCollection(db: string, name: string): { collection: CollectionState; created: boolean } {
    const existing = this.collection(db, name);
    if (existing) return { collection: existing, created: false };
    return { collection: this.createCollection(db, name), created: true };
  }

  createCollection(db: string, name: string, options: Document = {}): CollectionState {
    validateCollectionName(db, name);
    if (this.collection(db, name)) {
      throw new CommandError('NamespaceExists', `Collection ${db}.${name} already exists.`);
    }
    let collections = this.databases.get(db);
    if (!collections) {
      collections = new Map();
      this.databases.set(db, collections);
    }
    const collection = new CollectionState(db, name, options);
    collections.set(name, collection);
    return collection;
  }

  dropCollection(db: string, name: string): CollectionState | undefined {
    const collections = this.databases.get(db);
    const collection = collections?.get(name);
    if (!collections || !collection) return undefined;
    collections.delete(name);
    if (collections.size === 0) this.databases.delete(db);
    return collection;
  }

  /** Moves a collection (documents, indexes) to a new namespace. */
  renameCollection(from: CollectionState, db: string, name: string): CollectionState {
    const target = this.createCollection(db, name, from.options);
    target.documents = from.documents;
    target.indexes = from.indexes;
    this.dropCollection(from.db, from.name);
    return target;
  }

  dropDatabase(db: string): void {
    this.databases.delete(db);
  }

  collections(db: string): CollectionState[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  databaseNames(): string[] {
    return [...this.databases.keys()];
  }
}
