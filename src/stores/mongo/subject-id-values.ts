import { Decimal128, Long } from 'mongodb';

const DECIMAL_ID = /^(0|-?[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The BSON values a subject id may be stored as, for an `$in` query: the id as a number and as
 * its decimal string.
 *
 * Ids arrive as exact decimal strings (a BIGINT UNSIGNED `app_id` can exceed 2^53). MongoDB
 * compares int32, int64, double and decimal numerically, so one numeric value matches every
 * numeric representation of the same integer:
 * - up to `Number.MAX_SAFE_INTEGER` a JS number (sent as int32/double) is exact;
 * - above it, an int64 `Long` built from the string, so no rounding can make it match a
 *   neighbouring id (a double that was rounded when stored no longer equals the exact id, and is
 *   kept rather than deleted on a guess);
 * - beyond the int64 range (unsigned ids above 2^63 − 1), a `Decimal128`.
 *
 * The decimal string itself is matched too, for collections that store ids as text.
 */
export function subjectIdValues(id: string): unknown[] {
  if (!DECIMAL_ID.test(id)) throw new TypeError(`subject id is not a decimal integer: ${JSON.stringify(id)}`);
  const exact = BigInt(id);
  let numeric: unknown;
  if (exact >= BigInt(Number.MIN_SAFE_INTEGER) && exact <= BigInt(Number.MAX_SAFE_INTEGER)) numeric = Number(exact);
  else if (exact >= INT64_MIN && exact <= INT64_MAX) numeric = Long.fromString(id);
  else numeric = Decimal128.fromString(id);
  return [numeric, id];
}
