import type { Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { StoreError } from '../errors/index.js';
import { withRetry } from '../lib/retry.js';
import type { AuditTables } from './audit-tables.js';
import type { AuditRecord } from './audit-entry.js';
import { chainHash } from './chain-hash.js';
import { columnFromDate } from './entry-row.js';
import type { CanonicalJson } from './canonical-json.js';
import { ensureTrailKey, readHeadRow } from './trail-key.js';

/** An entry already checked and written in canonical form (buildCanonicalEntry). */
export interface PreparedEntry extends Omit<AuditRecord, 'id' | 'data' | 'prevHash' | 'hash'> {
  /** The canonical text that is hashed and stored. */
  text: string;
}

/**
 * Appends one entry to the chain. Appends are serialized by the head row, locked with
 * `SELECT … FOR UPDATE` for one short transaction that reads the previous hash, inserts the
 * entry and moves the head: two processes appending at once still build one chain, and ids
 * grow in chain order. Lock waits and deadlocks are retried (lib/retry.ts); a retry after
 * an ambiguous COMMIT can at worst record the same facts twice, which never breaks the chain.
 */
export async function appendEntry(pool: Pool, tables: AuditTables, key: string, prepared: PreparedEntry): Promise<AuditRecord> {
  return withRetry(() => appendOnce(pool, tables, key, prepared));
}

async function appendOnce(pool: Pool, tables: AuditTables, key: string, p: PreparedEntry): Promise<AuditRecord> {
  const conn = await pool.getConnection();
  let broken = false;
  try {
    await conn.beginTransaction();
    const prevHash = await lockHead(conn, tables, key);
    const hash = chainHash(key, prevHash, p.text);
    const [inserted] = await conn.query<ResultSetHeader>(
      `INSERT INTO ${tables.audit} (\`kind\`, \`run_id\`, \`policy\`, \`store\`, \`target\`, \`subject_hash\`, \`recorded_at\`, \`entry\`, \`prev_hash\`, \`hash\`)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [p.kind, p.runId, p.policy, p.store, p.target, p.subjectHash, columnFromDate(p.at), p.text, prevHash, hash],
    );
    const id = Number(inserted.insertId);
    await conn.query(`UPDATE ${tables.head} SET \`last_id\` = ?, \`last_hash\` = ? WHERE \`id\` = 1`, [id, hash]);
    await conn.commit();
    const data = (JSON.parse(p.text) as { data: { readonly [key: string]: CanonicalJson } }).data;
    return {
      id,
      kind: p.kind,
      runId: p.runId,
      policy: p.policy,
      store: p.store,
      target: p.target,
      subjectHash: p.subjectHash,
      at: new Date(p.at.getTime()),
      dryRun: p.dryRun,
      retain: p.retain,
      configHash: p.configHash,
      workerVersion: p.workerVersion,
      data,
      prevHash,
      hash,
    };
  } catch (err) {
    broken = (err as { fatal?: unknown } | null)?.fatal === true;
    if (!broken) await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    if (broken) conn.destroy();
    else conn.release();
  }
}

/** Locks the head row and checks the key against the trail's (see trail-key.ts); returns the previous hash. */
export async function lockHead(conn: PoolConnection, tables: AuditTables, key: string): Promise<string> {
  const head = await readHeadRow(conn, tables, true);
  if (!head) throw new StoreError('mysql', `the head row of ${tables.headName} is missing; run \`retention migrate\``);
  await ensureTrailKey(conn, tables, key, head);
  return head.lastHash;
}
