/**
 * Query semantics, delegated to mingo: filter matching, projection, aggregation and update
 * operators (sorting is bson-order.ts, also inside aggregation pipelines).
 *
 * mingo sees documents through `toComparable` views, in which every number has one canonical
 * form whatever its BSON type, so int64 and Decimal128 values compare like the numbers they
 * are. Find-like results are always the stored documents, never those views, so no BSON type is
 * lost on the way back to the client; aggregation output is converted back (`fromComparable`),
 * with int64 values up to 2^53 coming out as plain numbers.
 */
import { Aggregator } from 'mingo/aggregator';
import { Query } from 'mingo/query';
import type { CollectionResolver, Options } from 'mingo/types';
import { update as mingoUpdate } from 'mingo/updater';
import { cloneDeep, MingoError } from 'mingo/util';
import { ObjectId, type Document } from 'mongodb';
import { sortBySpec } from './bson-order.js';
import { CommandError } from './errors.js';
import { MINGO_CONTEXT } from './mingo-context.js';
import { fromComparable, getPath, isPlainObject, sameBson, setPath, toComparable, valueKey, withIdFirst } from './values.js';

const OPTIONS: Partial<Options> = { context: MINGO_CONTEXT };

/** Runs mingo, reporting its complaints about the query language the way mongod words them. */
function mingo<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof MingoError)) throw error;
    const stage = /^unregistered pipeline operator (\$\w+)/.exec(error.message);
    if (stage) throw new CommandError('Location40324', `Unrecognized pipeline stage name: '${stage[1]}'`);
    const operator = /^unknown query operator (\$\w+)/.exec(error.message);
    throw new CommandError('BadValue', operator ? `unknown operator: ${operator[1]}` : error.message);
  }
}

export type Matcher = (document: Document) => boolean;

export function compileFilter(filter: Document | undefined): Matcher {
  if (filter !== undefined && !isPlainObject(filter)) {
    throw new CommandError('TypeMismatch', "BSON field 'filter' is the wrong type, expected type 'object'");
  }
  if (!filter || Object.keys(filter).length === 0) return () => true;
  const query = mingo(() => new Query(toComparable(filter), OPTIONS));
  return (document) => mingo(() => query.test(toComparable(document)));
}

/** Stable sort in MongoDB's BSON order (see bson-order.ts); returns `documents` when unsorted. */
export function sortDocuments(documents: Document[], sort: Document | undefined): Document[] {
  if (!sort || Object.keys(sort).length === 0) return documents;
  return sortBySpec(documents, sort);
}

export interface Selection {
  filter?: Document;
  sort?: Document;
  skip?: number;
  /** 0 or undefined: no limit. */
  limit?: number;
}

/** The documents a find-like command addresses: filter, then sort, skip and limit. */
export function selectDocuments(documents: Document[], selection: Selection): Document[] {
  const matches = compileFilter(selection.filter);
  const limit = selection.limit ?? 0;
  let selected: Document[];
  if (!selection.sort && !selection.skip && limit > 0) {
    // Fast path (deleteOne/updateOne without sort): stop at the first matches.
    selected = [];
    for (const document of documents) {
      if (selected.length === limit) break;
      if (matches(document)) selected.push(document);
    }
    return selected;
  }
  selected = sortDocuments(documents.filter(matches), selection.sort);
  const skip = selection.skip ?? 0;
  return limit > 0 ? selected.slice(skip, skip + limit) : skip > 0 ? selected.slice(skip) : selected;
}

/** Applies a find projection; fields keep their order in the document (mingo's follows the projection). */
export function projectDocuments(documents: Document[], projection: Document | undefined): Document[] {
  if (!projection || Object.keys(projection).length === 0) return documents;
  const projected = mingo(() => new Query({}, OPTIONS).find<Document>(documents, projection).all());
  return projected.map((document, index) => inOrderOf(documents[index] as Document, document));
}

function inOrderOf(original: Document, projected: Document): Document {
  const ordered: Document = {};
  for (const key of Object.keys(original)) if (key in projected) ordered[key] = projected[key];
  for (const key of Object.keys(projected)) if (!(key in ordered)) ordered[key] = projected[key];
  return ordered;
}

export function runPipeline(documents: Document[], pipeline: Document[], resolve: (name: string) => Document[]): Document[] {
  const collectionResolver: CollectionResolver = (name) => resolve(name).map((document) => toComparable(document));
  const results = mingo(() =>
    new Aggregator(toComparable(pipeline), { ...OPTIONS, collectionResolver }).run<Document>(
      documents.map((document) => toComparable(document)),
    ),
  );
  return results.map((result) => withIdFirst(fromComparable(result)));
}

/** Distinct values of a dotted path; array values are unwound one level, as mongod does. */
export function distinctValues(documents: Document[], key: string): unknown[] {
  const seen = new Map<string, unknown>();
  for (const document of documents) {
    const value = getPath(document, key);
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      const id = valueKey(item);
      if (!seen.has(id)) seen.set(id, item);
    }
  }
  return [...seen.values()];
}

export interface UpdateOutcome {
  document: Document;
  modified: boolean;
}

/**
 * Applies an update (`{ $set: … }` operators, a replacement document or an aggregation
 * pipeline) to a copy of `original`. `inserting` is true when building an upserted document,
 * which is when `$setOnInsert` applies.
 */
export function applyUpdate(
  original: Document,
  update: unknown,
  options: { arrayFilters?: Document[]; inserting?: boolean } = {},
): UpdateOutcome {
  let document: Document;
  if (Array.isArray(update)) {
    document = mingo(() =>
      fromComparable(new Aggregator(toComparable(update as Document[]), OPTIONS).run<Document>([cloneDeep(original)])[0] ?? {}),
    );
  } else if (!isPlainObject(update)) {
    throw new CommandError('FailedToParse', 'Update argument must be either an object or an array');
  } else if (Object.keys(update).some((key) => key.startsWith('$'))) {
    document = applyOperators(original, update, options);
  } else {
    document = { ...update };
    if ('_id' in original && !('_id' in update)) document._id = original._id;
  }
  if ('_id' in original && valueKey(document._id) !== valueKey(original._id)) {
    throw new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
  }
  document = withIdFirst(document);
  return { document, modified: !sameBson(original, document) };
}

function applyOperators(original: Document, update: Document, options: { arrayFilters?: Document[]; inserting?: boolean }): Document {
  const { $setOnInsert, $inc, ...rest } = update as Document & { $setOnInsert?: Document; $inc?: Document };
  for (const key of Object.keys(rest)) {
    if (!key.startsWith('$')) {
      throw new CommandError(
        'FailedToParse',
        `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
  }
  const document = cloneDeep(original) as Document;
  const modifier: Document = { ...rest };
  if ($setOnInsert && options.inserting) modifier.$set = { ...(modifier.$set as Document | undefined), ...$setOnInsert };
  if ($inc) {
    const numeric = incrementBigInts(document, $inc);
    if (Object.keys(numeric).length > 0) modifier.$inc = numeric;
  }
  if (Object.keys(modifier).length > 0) {
    mingo(() => {
      try {
        mingoUpdate(document, modifier, toComparable(options.arrayFilters), undefined, { queryOptions: OPTIONS });
      } catch (error) {
        if (error instanceof MingoError && error.message.includes("immutable field '_id'")) {
          throw new CommandError('ImmutableField', error.message.replace(/\.$/, ''));
        }
        throw error;
      }
    });
  }
  return document;
}

/**
 * mingo's `$inc` only knows JS numbers; int64 (bigint) operands are applied here with mongod's
 * result types (int64 + integer stays int64). Returns the `$inc` entries left for mingo.
 */
function incrementBigInts(document: Document, increments: Document): Document {
  const remaining: Document = {};
  for (const [path, amount] of Object.entries(increments)) {
    const current = getPath(document, path);
    if (typeof current !== 'bigint' && typeof amount !== 'bigint') {
      remaining[path] = amount;
      continue;
    }
    if (typeof amount !== 'bigint' && typeof amount !== 'number') {
      throw new CommandError('TypeMismatch', `Cannot increment with non-numeric argument: {${path}: ${String(amount)}}`);
    }
    const base = current ?? 0n;
    if (typeof base !== 'bigint' && typeof base !== 'number') {
      throw new CommandError('TypeMismatch', `Cannot apply $inc to a value of non-numeric type at '${path}'`);
    }
    const integral = Number.isInteger(Number(base)) && Number.isInteger(Number(amount));
    setPath(document, path, integral ? BigInt(base) + BigInt(amount) : Number(base) + Number(amount));
  }
  return remaining;
}

/**
 * The document an upsert starts from: the equality conditions of the filter
 * (`{ a: 1, 'b.c': 2, $and: [{ d: { $eq: 3 } }] }` → `{ a: 1, b: { c: 2 }, d: 3 }`).
 */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  const collect = (conditions: Document): void => {
    for (const [key, condition] of Object.entries(conditions)) {
      if (key === '$and' && Array.isArray(condition)) {
        for (const part of condition) if (isPlainObject(part)) collect(part);
      } else if (key.startsWith('$')) {
        continue;
      } else if (isPlainObject(condition) && Object.keys(condition).some((k) => k.startsWith('$'))) {
        if ('$eq' in condition) setPath(seed, key, condition.$eq);
      } else {
        setPath(seed, key, condition);
      }
    }
  };
  collect(filter);
  return seed;
}

/** Builds the document inserted by an upsert that matched nothing. */
export function buildUpsert(filter: Document, update: unknown, arrayFilters?: Document[]): Document {
  const seed = upsertSeed(filter);
  let document: Document;
  if (isPlainObject(update) && !Object.keys(update).some((key) => key.startsWith('$'))) {
    document = { ...update };
    if (!('_id' in document) && '_id' in seed) document._id = seed._id;
  } else {
    document = applyUpdate(seed, update, { arrayFilters, inserting: true }).document;
  }
  if (document._id === undefined) document._id = new ObjectId();
  return withIdFirst(document);
}
