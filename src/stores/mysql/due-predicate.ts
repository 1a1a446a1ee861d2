import mysql from 'mysql2';
import type { AgeTargetPlan } from './check-target.js';
import { cutoffParam, MIN_USABLE_DATETIME, type SqlParam } from './sql-values.js';

/** A WHERE fragment and its parameters, in placeholder order. */
export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

/**
 * "This row is due": a usable time strictly before the cutoff. NULL never compares, so NULL times
 * are never due; for DATETIME/TIMESTAMP a zero date ('0000-00-00', accepted by non-strict servers)
 * is below the lower bound and likewise never due. Both are counted by `unusablePredicate`.
 */
export function duePredicate(plan: AgeTargetPlan, cutoff: Date): SqlFragment {
  const time = mysql.escapeId(plan.time.name);
  if (plan.timeFormat === 'datetime') {
    return { sql: `${time} >= ? AND ${time} < ?`, params: [MIN_USABLE_DATETIME, cutoffParam(plan.timeFormat, cutoff)] };
  }
  return { sql: `${time} < ?`, params: [cutoffParam(plan.timeFormat, cutoff)] };
}

/**
 * Due rows whose time is also above `after` (a value of the time column): the walk that runs
 * while the wholly due partitions are being counted passes the latest time those partitions can
 * hold, so it deletes only from the partitions after them and never changes what is counted.
 */
export function dueAfterPredicate(plan: AgeTargetPlan, cutoff: Date, after: SqlParam): SqlFragment {
  const due = duePredicate(plan, cutoff);
  return { sql: `${due.sql} AND ${mysql.escapeId(plan.time.name)} > ?`, params: [...due.params, after] };
}

/** "This row's time is not a time": NULL, or a zero date in a DATETIME/TIMESTAMP column. */
export function unusablePredicate(plan: AgeTargetPlan): SqlFragment {
  const time = mysql.escapeId(plan.time.name);
  if (plan.timeFormat === 'datetime') return { sql: `(${time} IS NULL OR ${time} < ?)`, params: [MIN_USABLE_DATETIME] };
  return { sql: `${time} IS NULL`, params: [] };
}

/** "This row has a usable time" (for the oldest-record lookup). */
export function usablePredicate(plan: AgeTargetPlan): SqlFragment {
  const time = mysql.escapeId(plan.time.name);
  if (plan.timeFormat === 'datetime') return { sql: `${time} >= ?`, params: [MIN_USABLE_DATETIME] };
  return { sql: `${time} IS NOT NULL`, params: [] };
}
