import { RefusalError } from '../../errors/refusal-error.js';
import { INTEGER_TYPES, type ColumnInfo, type IndexInfo, type TableShape } from './table-shape.js';

export type TimeFormat = 'datetime' | 'epoch_ms' | 'epoch_s';

/** Everything an age walk needs to know about its table, checked once. */
export interface AgeTargetPlan {
  table: string;
  time: ColumnInfo;
  timeFormat: TimeFormat;
  /** The index the walk reads (named in `FORCE INDEX`): its first column is the time column. */
  index: IndexInfo;
  /**
   * The order of that index's entries: its own columns, then the primary-key columns it does not
   * hold (InnoDB appends them). The keyset walk orders and resumes by this tuple.
   */
  walkKey: ColumnInfo[];
  primaryKey: ColumnInfo[];
  /** The single integer primary-key column when the table may be walked by id ranges; null otherwise. */
  rangeKey: ColumnInfo | null;
}

/** Everything a subject purge needs to know about its table. */
export interface SubjectTargetPlan {
  table: string;
  subject: ColumnInfo;
  primaryKey: ColumnInfo[];
}

const DATETIME_TYPES: ReadonlySet<string> = new Set(['datetime', 'timestamp']);
const SUBJECT_TYPES: ReadonlySet<string> = new Set([...INTEGER_TYPES, 'decimal', 'char', 'varchar', 'binary', 'varbinary']);

/**
 * Checks an age target against its table and chooses how to walk it. Refuses (never guesses)
 * when a deletion would be unsafe or would scan the table: unknown table or column, no primary
 * key, a time column that leads no index, or a column type that does not match `timeFormat`.
 */
export function planAgeTarget(shape: TableShape | null, table: string, timeColumn: string, timeFormat: TimeFormat): AgeTargetPlan {
  const existing = requireTable(shape, table);
  const time = requireColumn(existing, timeColumn);
  const primaryKey = requirePrimaryKey(existing);

  if (timeFormat === 'datetime' && !DATETIME_TYPES.has(time.dataType)) {
    throw new RefusalError(
      'type-mismatch',
      `${table}.${time.name} is ${time.columnType}; timeFormat datetime needs a DATETIME or TIMESTAMP column`,
    );
  }
  if (timeFormat !== 'datetime' && !INTEGER_TYPES.has(time.dataType)) {
    throw new RefusalError(
      'type-mismatch',
      `${table}.${time.name} is ${time.columnType}; timeFormat ${timeFormat} needs an integer column`,
    );
  }

  const leading = existing.indexes.filter((i) => sameColumn(i.columns[0], time));
  if (leading.length === 0) {
    throw new RefusalError(
      'no-index',
      `${table}.${time.name} leads no index: purging it would scan the whole table (add an index whose first column is ${time.name})`,
    );
  }
  // The keyset walk compares tuples; a NULL in a key column after the time would hide rows from it.
  const candidates = leading
    .map((index) => ({ index, walkKey: walkKeyOf(index, primaryKey) }))
    .filter((c) => c.walkKey.slice(1).every((col) => !col.nullable))
    .sort((a, b) => a.walkKey.length - b.walkKey.length || Number(b.index.name === 'PRIMARY') - Number(a.index.name === 'PRIMARY'));
  const best = candidates[0];
  if (!best) {
    const names = leading.map((i) => i.name).join(', ');
    throw new RefusalError(
      'no-index',
      `every index leading with ${table}.${time.name} (${names}) also holds a nullable column; add an index on (${time.name}) alone`,
    );
  }

  // (id, time) is the primary key a table partitioned by time must have (every unique key holds
  // the partitioning column): its id ranges are walked like a single id's.
  const idThenTime = primaryKey.length === 2 && sameColumn(primaryKey[1], time);
  const only = primaryKey.length === 1 || idThenTime ? primaryKey[0] : undefined;
  const rangeKey = only && INTEGER_TYPES.has(only.dataType) && !sameColumn(only, time) ? only : null;
  return { table: existing.table, time, timeFormat, index: best.index, walkKey: best.walkKey, primaryKey, rangeKey };
}

/** Checks a subject target: the subject column exists, has a comparable type, and leads an index. */
export function planSubjectTarget(shape: TableShape | null, table: string, subjectColumn: string): SubjectTargetPlan {
  const existing = requireTable(shape, table);
  const subject = requireColumn(existing, subjectColumn);
  const primaryKey = requirePrimaryKey(existing);
  if (!SUBJECT_TYPES.has(subject.dataType)) {
    throw new RefusalError(
      'type-mismatch',
      `${table}.${subject.name} is ${subject.columnType}; a subject column must be an integer, DECIMAL or character column`,
    );
  }
  if (!existing.indexes.some((i) => sameColumn(i.columns[0], subject))) {
    throw new RefusalError(
      'no-index',
      `${table}.${subject.name} leads no index: purging a subject would scan the whole table (add an index whose first column is ${subject.name})`,
    );
  }
  return { table: existing.table, subject, primaryKey };
}

function requireTable(shape: TableShape | null, table: string): TableShape {
  if (!shape) throw new RefusalError('unknown-table', `table ${table} does not exist`);
  return shape;
}

function requireColumn(shape: TableShape, column: string): ColumnInfo {
  const found = shape.columns.get(column.toLowerCase());
  if (!found) throw new RefusalError('unknown-column', `table ${shape.table} has no column ${column}`);
  return found;
}

function requirePrimaryKey(shape: TableShape): ColumnInfo[] {
  if (shape.primaryKey.length === 0) {
    throw new RefusalError(
      'no-primary-key',
      `table ${shape.table} has no primary key: rows cannot be deleted in short, exactly bounded batches`,
    );
  }
  return shape.primaryKey;
}

/** An InnoDB secondary index's entry order: its columns, then the primary-key columns it lacks. */
function walkKeyOf(index: IndexInfo, primaryKey: ColumnInfo[]): ColumnInfo[] {
  if (index.name === 'PRIMARY') return index.columns;
  const missing = primaryKey.filter((pk) => !index.columns.some((c) => sameColumn(c, pk)));
  return [...index.columns, ...missing];
}

function sameColumn(a: ColumnInfo | undefined, b: ColumnInfo): boolean {
  return a !== undefined && a.name.toLowerCase() === b.name.toLowerCase();
}
