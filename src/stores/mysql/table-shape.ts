import type { Pool, RowDataPacket } from 'mysql2/promise';

/** One column as information_schema describes it. */
export interface ColumnInfo {
  /** The name as the server spells it. */
  name: string;
  /** `DATA_TYPE`, lower-case: `datetime`, `bigint`, `varchar`… */
  dataType: string;
  /** `COLUMN_TYPE`, lower-case: `bigint(20) unsigned`, `datetime(3)`… */
  columnType: string;
  nullable: boolean;
}

/** One index (PRIMARY included), its columns in index order. */
export interface IndexInfo {
  name: string;
  columns: ColumnInfo[];
  unique: boolean;
}

/** What the target checks need to know about a table, read once from information_schema. */
export interface TableShape {
  database: string;
  table: string;
  /** Keyed by lower-case column name: MySQL column names are case-insensitive. */
  columns: Map<string, ColumnInfo>;
  /** Empty when the table has no primary key. */
  primaryKey: ColumnInfo[];
  /** Every usable index, PRIMARY included; invisible/ignored indexes are left out (FORCE INDEX cannot name them). */
  indexes: IndexInfo[];
}

export const INTEGER_TYPES: ReadonlySet<string> = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/** Reads a table's columns, primary key and indexes; null when the table does not exist. */
export async function readTableShape(pool: Pool, database: string, table: string): Promise<TableShape | null> {
  const [tables] = await pool.query<RowDataPacket[]>(
    'SELECT TABLE_NAME AS table_name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  if (tables.length === 0) return null;

  const [columnRows] = await pool.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type, IS_NULLABLE AS is_nullable
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  const columns = new Map<string, ColumnInfo>();
  for (const row of columnRows) {
    const column: ColumnInfo = {
      name: String(row.name),
      dataType: String(row.data_type).toLowerCase(),
      columnType: String(row.column_type).toLowerCase(),
      nullable: String(row.is_nullable).toUpperCase() === 'YES',
    };
    columns.set(column.name.toLowerCase(), column);
  }

  // SELECT * because the visibility column differs: MySQL 8 has IS_VISIBLE, MariaDB 10.6+ IGNORED.
  const [indexRows] = await pool.query<RowDataPacket[]>(
    'SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
    [database, table],
  );
  const byName = new Map<string, { unique: boolean; usable: boolean; columns: Array<{ seq: number; column: ColumnInfo | undefined }> }>();
  for (const row of indexRows) {
    const name = String(field(row, 'INDEX_NAME'));
    const entry = byName.get(name) ?? { unique: Number(field(row, 'NON_UNIQUE')) === 0, usable: true, columns: [] };
    byName.set(name, entry);
    const columnName = field(row, 'COLUMN_NAME');
    // A functional key part (MySQL 8) has no column: the index cannot serve a plain column.
    const column = typeof columnName === 'string' ? columns.get(columnName.toLowerCase()) : undefined;
    if (!column) entry.usable = false;
    if (String(field(row, 'IS_VISIBLE') ?? 'YES').toUpperCase() === 'NO') entry.usable = false;
    if (String(field(row, 'IGNORED') ?? 'NO').toUpperCase() === 'YES') entry.usable = false;
    entry.columns.push({ seq: Number(field(row, 'SEQ_IN_INDEX')), column });
  }

  const indexes: IndexInfo[] = [];
  let primaryKey: ColumnInfo[] = [];
  for (const [name, entry] of byName) {
    if (!entry.usable) continue;
    const indexColumns = entry.columns.sort((a, b) => a.seq - b.seq).map((c) => c.column as ColumnInfo);
    indexes.push({ name, columns: indexColumns, unique: entry.unique });
    if (name === 'PRIMARY') primaryKey = indexColumns;
  }
  return { database, table, columns, primaryKey, indexes };
}

/** information_schema column names are upper-case on MySQL 8 and MariaDB alike; lower-case is a fallback. */
function field(row: RowDataPacket, name: string): unknown {
  return row[name] ?? row[name.toLowerCase()];
}
