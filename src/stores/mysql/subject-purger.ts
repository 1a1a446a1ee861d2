import mysql from 'mysql2';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { SubjectPurger } from '../purger.js';
import type { MysqlTargetConfig } from '../../config/schema.js';
import { memoizeSuccess } from '../../lib/memoize-success.js';
import { RefusalError } from '../../errors/refusal-error.js';
import { withRetry } from '../../lib/retry.js';
import { planSubjectTarget, type SubjectTargetPlan } from './check-target.js';
import { subjectParam } from './sql-values.js';
import { asStoreErrors, type MysqlStoreContext } from './store-context.js';
import { readTableShape } from './table-shape.js';

/**
 * Deletes every row of given subjects from one table. Subject ids stay exact decimal strings end
 * to end and are bound as BigInt for integer columns (never a JS number, never a string compared
 * as a double). Each statement deletes at most `batchSize` rows through the subject's index and
 * auto-commits on its own.
 */
export function createMysqlSubjectPurger(storeContext: MysqlStoreContext, target: MysqlTargetConfig): SubjectPurger {
  const table = target.table;
  const ctx: MysqlStoreContext = { ...storeContext, logger: storeContext.logger.child({ target: table }) };
  // The target is checked on first use; a failed check is not remembered.
  const plan = memoizeSuccess(async (): Promise<SubjectTargetPlan> => {
    if (!target.subject) throw new RefusalError('unknown-column', `target ${table} has no subject column configured`);
    const shape = await readTableShape(ctx.pool, ctx.database, table);
    return planSubjectTarget(shape, table, target.subject);
  });

  /** One count per subject: exact attribution whatever the column's type or collation. */
  async function countOne(p: SubjectTargetPlan, subjectId: string): Promise<number> {
    const value = subjectParam(p.subject, subjectId);
    if (value === null) return 0;
    const sql = `SELECT COUNT(*) AS n FROM ${mysql.escapeId(p.table)} WHERE ${mysql.escapeId(p.subject.name)} = ?`;
    const [rows] = await withRetry(() => ctx.pool.query<RowDataPacket[]>(sql, [value]), ctx.retry);
    return Number(rows[0]?.n ?? 0);
  }

  async function purgeOne(p: SubjectTargetPlan, subjectId: string): Promise<number> {
    const value = subjectParam(p.subject, subjectId);
    if (value === null) return 0;
    const limit = Math.max(1, Math.floor(target.batchSize));
    // ORDER BY the primary key makes DELETE … LIMIT deterministic (safe for statement-based replication).
    const orderBy = p.primaryKey.map((c) => mysql.escapeId(c.name)).join(', ');
    const sql = `DELETE FROM ${mysql.escapeId(p.table)} WHERE ${mysql.escapeId(p.subject.name)} = ? ORDER BY ${orderBy} LIMIT ${limit}`;
    let deleted = 0;
    for (;;) {
      const [result] = await withRetry(() => ctx.pool.query<ResultSetHeader>(sql, [value]), ctx.retry);
      deleted += result.affectedRows;
      if (result.affectedRows < limit) return deleted;
    }
  }

  /** `one` for each distinct subject in turn, on the checked target: the counts by subject. */
  function eachSubject(
    action: string,
    subjectIds: readonly string[],
    one: (p: SubjectTargetPlan, subjectId: string) => Promise<number>,
  ): Promise<Map<string, number>> {
    return asStoreErrors(action, async () => {
      const p = await plan();
      const counts = new Map<string, number>();
      for (const id of new Set(subjectIds)) counts.set(id, await one(p, id));
      return counts;
    });
  }

  return {
    store: 'mysql',
    target: table,

    async check() {
      await asStoreErrors(`checking ${table}`, plan);
    },

    countSubjects: (subjectIds) => eachSubject(`counting subjects in ${table}`, subjectIds, countOne),
    purgeSubjects: (subjectIds) => eachSubject(`purging subjects from ${table}`, subjectIds, purgeOne),
  };
}
