import { createHash } from 'node:crypto';
import mysql from 'mysql2';
import type { RowDataPacket } from 'mysql2/promise';
import type { PartitionChange } from '../../types.js';
import type { AgeTargetPlan } from './check-target.js';
import { countRows } from './row-probes.js';
import type { MysqlStoreContext } from './store-context.js';

/**
 * Empty, unpartitioned copies of a partitioned table, one per partition to remove: `EXCHANGE
 * PARTITION` swaps a partition's tablespace with one of them (a rename, the table held for a few
 * milliseconds) and `DROP TABLE` of the staging table then frees the partition's file without
 * holding the partitioned table. Freeing the file is what made a `DROP PARTITION` hold the table
 * long: measured on MariaDB 10.11 (ext4, strace of the server), `close()` of an unlinked 100 MB
 * `.ibd` takes 8–26 ms, 120 of the 180 ms one `DROP PARTITION` of seven such partitions held.
 *
 * Names are `_rw_purge_` + 8 hex digits of the table name's SHA-1 + `_` + an index: the same for
 * every run of one table, so a run finds the staging tables an interrupted run left (they hold
 * rows the interrupted run took out of the table) and drops them, counted, before making its own.
 */
export function stagingPrefix(table: string): string {
  return `_rw_purge_${createHash('sha1').update(table).digest('hex').slice(0, 8)}_`;
}

/** `CREATE TABLE` text of an empty, unpartitioned copy of `table` named `name`. */
export async function stagingDefinition(ctx: MysqlStoreContext, table: string): Promise<(name: string) => string> {
  const [rows] = await ctx.pool.query<RowDataPacket[]>(`SHOW CREATE TABLE ${mysql.escapeId(table)}`);
  const text = String(rows[0]?.['Create Table'] ?? '');
  // The partitioning clause comes last, on a line of its own (MySQL wraps it in a version comment).
  const clause = /\n\s*(?:\/\*!\d+\s*)?PARTITION BY [\s\S]*$/.exec(text);
  const head = `CREATE TABLE ${mysql.escapeId(table)} (`;
  if (!clause || !text.startsWith(head)) throw new Error(`SHOW CREATE TABLE ${table} is not a partitioned table's definition`);
  const body = text.slice(head.length, clause.index).replace(/\sAUTO_INCREMENT=\d+/, '');
  return (name) => `CREATE TABLE ${mysql.escapeId(name)} (${body}`;
}

/**
 * Drops what an interrupted run left: staging tables of `table` still holding rows it took out of
 * the table (an empty one held none). Each is counted first and reported as a removed partition
 * (reason `left-by-interrupted-run`): those rows were never in an audit entry. One that cannot be
 * counted or dropped is left (logged) for a later run.
 */
export async function dropLeftoverStaging(ctx: MysqlStoreContext, plan: AgeTargetPlan): Promise<PartitionChange[]> {
  const [found] = await ctx.pool.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ?`,
    [ctx.database, `${stagingPrefix(plan.table).replaceAll('_', '\\_')}%`],
  );
  const changes: PartitionChange[] = [];
  for (const { name } of found) {
    const table = String(name);
    try {
      const rows = await countRows(ctx.pool, table);
      await ctx.pool.query(`DROP TABLE IF EXISTS ${mysql.escapeId(table)}`);
      if (rows > 0) changes.push({ name: table, action: 'dropped', rows, lessThan: '', reason: 'left-by-interrupted-run' });
    } catch (err) {
      ctx.logger.warn({ err, table }, 'staging table left by an earlier run not dropped: a later run drops it');
    }
  }
  return changes;
}

/** The staging tables of one run: `names` null when the server refused to create them (logged). */
export interface StagingTables {
  names: string[] | null;
  /** What earlier runs left, dropped and counted (dropLeftoverStaging). */
  leftovers: PartitionChange[];
}

/** Drops the leftovers, then creates `count` empty staging tables (or none: `names` null). */
export async function createStagingTables(ctx: MysqlStoreContext, plan: AgeTargetPlan, count: number): Promise<StagingTables> {
  const leftovers = await dropLeftoverStaging(ctx, plan);
  const names = Array.from({ length: count }, (_, i) => `${stagingPrefix(plan.table)}${i}`);
  try {
    const define = await stagingDefinition(ctx, plan.table);
    for (const name of names) await ctx.pool.query(define(name));
    return { names, leftovers };
  } catch (err) {
    ctx.logger.warn({ err }, 'staging tables not created: the partitions are dropped in one statement, holding the table longer');
    await dropStagingTables(ctx, names);
    return { names: null, leftovers };
  }
}

/**
 * Drops staging tables; false (logged) when the server refused: a staging table left holding rows
 * is found, counted and dropped by the next run (dropLeftoverStaging), so its rows are not reported
 * by this one.
 */
export async function dropStagingTables(ctx: MysqlStoreContext, names: readonly string[]): Promise<boolean> {
  if (names.length === 0) return true;
  try {
    await ctx.pool.query(`DROP TABLE IF EXISTS ${names.map((n) => mysql.escapeId(n)).join(', ')}`);
    return true;
  } catch (err) {
    ctx.logger.warn({ err, tables: names }, 'staging tables not dropped: the next run drops them');
    return false;
  }
}
