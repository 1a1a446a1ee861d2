/**
 * The mingo operator context the server evaluates queries with: all of mingo's operators, some
 * replaced by versions closer to mongod. The `$sort` stage sorts in MongoDB's BSON order
 * (bson-order.ts). The `$type` query operator:
 *
 * - an array field matches a type when any element has it (`{ t: [date] }` is `$type: 'date'`);
 * - BSON classes are recognised (`objectId`, `binData`, `timestamp`, …);
 * - an unknown alias is an error, as in mongod.
 *
 * Numbers reach mingo in one canonical form whatever their BSON type (see `canonicalNumber`),
 * so `int`/`long`/`double`/`decimal` can only be told apart by value: integers in int32 range
 * are `int`; anything else is `double` and `decimal`, and, when integral, also `long`.
 *
 * The range operators `$lt`/`$lte`/`$gt`/`$gte` are replaced too, see `range` below.
 */
import { Context } from 'mingo/core';
import * as accumulator from 'mingo/operators/accumulator';
import * as expression from 'mingo/operators/expression';
import * as pipeline from 'mingo/operators/pipeline';
import * as projection from 'mingo/operators/projection';
import * as query from 'mingo/operators/query';
import * as window from 'mingo/operators/window';
import { Lazy, type Iterator } from 'mingo/lazy';
import type { AnyObject } from 'mingo/types';
import { resolve } from 'mingo/util';
import { Binary, BSONRegExp, BSONSymbol, Code, MaxKey, MinKey, ObjectId, Timestamp } from 'mongodb';
import { compareBson, sortBySpec, typeRank } from './bson-order.js';
import { CommandError } from './errors.js';
import { isPlainObject, LargeInteger } from './values.js';

const isInt32 = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31;
const isNumeric = (v: unknown): boolean => (typeof v === 'number' && !Number.isNaN(v)) || v instanceof LargeInteger;
/** What the driver writes as a double: non-integers and integers outside int32 range. */
const isDoubleLike = (v: unknown): boolean => (typeof v === 'number' && !isInt32(v)) || v instanceof LargeInteger;

const TYPE_TESTS: Record<string, (value: unknown) => boolean> = {
  double: isDoubleLike,
  string: (v) => typeof v === 'string',
  object: (v) => isPlainObject(v),
  array: (v) => Array.isArray(v),
  binData: (v) => v instanceof Binary,
  undefined: () => false,
  objectId: (v) => v instanceof ObjectId,
  bool: (v) => typeof v === 'boolean',
  date: (v) => v instanceof Date,
  null: (v) => v === null,
  regex: (v) => v instanceof RegExp || v instanceof BSONRegExp,
  javascript: (v) => v instanceof Code,
  symbol: (v) => v instanceof BSONSymbol,
  int: (v) => isInt32(v),
  timestamp: (v) => v instanceof Timestamp,
  long: (v) => v instanceof LargeInteger || (Number.isInteger(v) && !isInt32(v)),
  decimal: isDoubleLike,
  minKey: (v) => v instanceof MinKey,
  maxKey: (v) => v instanceof MaxKey,
  number: isNumeric,
};

const TYPE_CODES: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  13: 'javascript',
  14: 'symbol',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

function typeTest(alias: unknown): (value: unknown) => boolean {
  const name = typeof alias === 'number' ? TYPE_CODES[alias] : alias;
  const test = typeof name === 'string' ? TYPE_TESTS[name] : undefined;
  if (!test) {
    throw new CommandError(
      'BadValue',
      typeof alias === 'number' ? `Invalid numerical type code: ${alias}` : `Unknown type name alias: ${String(alias)}`,
    );
  }
  return test;
}

function $type(selector: string, value: unknown): (document: AnyObject) => boolean {
  const tests = (Array.isArray(value) ? value : [value]).map(typeTest);
  const matches = (v: unknown): boolean => tests.some((test) => test(v));
  return (document) => {
    const found = resolve(document, selector, { unwrapArray: true });
    if (found === undefined) return false;
    return matches(found) || (Array.isArray(found) && found.some(matches));
  };
}

/** `$sort` stage in MongoDB's BSON order (mingo orders some types differently). */
function $sort(collection: Iterator, spec: AnyObject): Iterator {
  return collection.transform((documents: AnyObject[]) => Lazy(sortBySpec(documents, spec)));
}

/**
 * `$lt`, `$lte`, `$gt`, `$gte` with mongod's type bracketing (only values of the same BSON type
 * class compare; null and missing are one class) and exact ordering of bigints, which mingo
 * orders as strings. An array field matches when an element does, or the array as a whole.
 */
function range(accept: (order: number) => boolean) {
  return (selector: string, value: unknown) =>
    (document: AnyObject): boolean => {
      const found: unknown = resolve(document, selector, { unwrapArray: true });
      const candidates = Array.isArray(found) ? [...(found as unknown[]), found] : [found];
      const rank = typeRank(value);
      return candidates.some((candidate) => typeRank(candidate) === rank && accept(compareBson(candidate, value)));
    };
}

const queryOperators: typeof query = {
  ...query,
  $type,
  $lt: range((order) => order < 0),
  $lte: range((order) => order <= 0),
  $gt: range((order) => order > 0),
  $gte: range((order) => order >= 0),
};
const pipelineOperators: typeof pipeline = { ...pipeline, $sort };

export const MINGO_CONTEXT = Context.init({
  accumulator,
  expression,
  pipeline: pipelineOperators,
  projection,
  query: queryOperators,
  window,
});
