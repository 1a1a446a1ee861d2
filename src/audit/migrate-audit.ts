import { createHash } from 'node:crypto';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { StoreError } from '../errors/index.js';
import { auditTables, DEFAULT_AUDIT_TABLE, type AuditTables } from './audit-tables.js';
import { auditStoreError } from './audit-store-error.js';
import { GENESIS_HASH } from './chain-hash.js';
import { AUDIT_COLUMN_CHARS } from './audit-columns.js';

/** One upgrade of the audit tables; `version` is written to the head table once it is applied. */
interface MigrationStep {
  version: number;
  apply(conn: PoolConnection, tables: AuditTables): Promise<void>;
}

/**
 * Every schema version in order. Version 1 creates both tables and seeds the head row from the
 * newest entry (so it also adopts an audit table whose head table was lost). Later versions append
 * steps here; nothing is ever edited in place.
 */
const STEPS: readonly MigrationStep[] = [
  {
    version: 1,
    async apply(conn, t) {
      // LONGTEXT, not JSON: MySQL 8 stores JSON in a binary form and would not give back the hashed bytes.
      await conn.query(
        `CREATE TABLE IF NOT EXISTS ${t.audit} (
          \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
          \`kind\` VARCHAR(${AUDIT_COLUMN_CHARS.kind}) NOT NULL,
          \`run_id\` VARCHAR(${AUDIT_COLUMN_CHARS.run_id}) NOT NULL,
          \`policy\` VARCHAR(${AUDIT_COLUMN_CHARS.policy}) NULL,
          \`store\` VARCHAR(${AUDIT_COLUMN_CHARS.store}) NULL,
          \`target\` VARCHAR(${AUDIT_COLUMN_CHARS.target}) NULL,
          \`subject_hash\` CHAR(64) NULL,
          \`recorded_at\` DATETIME(3) NOT NULL,
          \`entry\` LONGTEXT NOT NULL,
          \`prev_hash\` CHAR(64) NOT NULL,
          \`hash\` CHAR(64) NOT NULL,
          PRIMARY KEY (\`id\`),
          UNIQUE KEY \`uq_hash\` (\`hash\`),
          KEY \`ix_recorded_at\` (\`recorded_at\`),
          KEY \`ix_policy_kind\` (\`policy\`, \`kind\`, \`id\`),
          KEY \`ix_run\` (\`run_id\`, \`policy\`, \`kind\`),
          KEY \`ix_subject\` (\`subject_hash\`, \`kind\`)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      );
      await conn.query(
        `CREATE TABLE IF NOT EXISTS ${t.head} (
          \`id\` TINYINT UNSIGNED NOT NULL,
          \`schema_version\` INT UNSIGNED NOT NULL,
          \`last_id\` BIGINT UNSIGNED NULL,
          \`last_hash\` CHAR(64) NOT NULL,
          PRIMARY KEY (\`id\`)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      );
      const [newest] = await conn.query<RowDataPacket[]>(`SELECT \`id\`, \`hash\` FROM ${t.audit} ORDER BY \`id\` DESC LIMIT 1`);
      const last = newest[0];
      await conn.query(`INSERT IGNORE INTO ${t.head} (\`id\`, \`schema_version\`, \`last_id\`, \`last_hash\`) VALUES (1, 1, ?, ?)`, [
        last ? String(last.id) : null,
        last ? String(last.hash) : GENESIS_HASH,
      ]);
    },
  },
  {
    // Signed checkpoints (checkpoint.ts). `document` is the signed checkpoint as one canonical JSON
    // line, exactly what the sinks receive; `pending_sinks` lists the sinks it has not reached yet.
    version: 2,
    async apply(conn, t) {
      await conn.query(
        `CREATE TABLE IF NOT EXISTS ${t.checkpoint} (
          \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
          \`head_id\` BIGINT UNSIGNED NOT NULL,
          \`head_hash\` CHAR(64) NOT NULL,
          \`entries\` BIGINT UNSIGNED NOT NULL,
          \`created_at\` DATETIME(3) NOT NULL,
          \`key_id\` CHAR(64) NOT NULL,
          \`document\` TEXT NOT NULL,
          \`pending_sinks\` VARCHAR(1024) NOT NULL DEFAULT '',
          PRIMARY KEY (\`id\`),
          KEY \`ix_key_head\` (\`key_id\`, \`head_id\`)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      );
    },
  },
  {
    // The fingerprint of the trail's key (trail-key.ts), recorded on first use; NULL until then.
    version: 3,
    async apply(conn, t) {
      const [has] = await conn.query<RowDataPacket[]>(
        'SELECT 1 FROM information_schema.COLUMNS WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = ? AND `COLUMN_NAME` = ?',
        [t.headName, 'key_fingerprint'],
      );
      if (has.length === 0) await conn.query(`ALTER TABLE ${t.head} ADD COLUMN \`key_fingerprint\` VARCHAR(64) NULL`);
    },
  },
];

/** The schema version this worker writes and reads. */
export const AUDIT_SCHEMA_VERSION = STEPS[STEPS.length - 1]?.version ?? 0;

const REQUIRED_COLUMNS = ['id', 'kind', 'run_id', 'policy', 'store', 'target', 'subject_hash', 'recorded_at', 'entry', 'prev_hash', 'hash'];

export interface MigrateAuditOptions {
  /** `audit.table`. @defaultValue 'retention_audit' */
  table?: string;
  /** How long to wait for another process migrating the same table. @defaultValue 30 */
  lockWaitSeconds?: number;
}

export interface MigrateAuditResult {
  /** Schema version before this call (0: no tables). */
  from: number;
  /** Schema version now. */
  to: number;
  /** Versions applied by this call; empty when already up to date. */
  applied: number[];
}

/**
 * Creates or upgrades the audit table and its head table. Idempotent, and safe to run from two
 * processes at once (a named lock serializes them). Refuses a table of that name that is not an
 * audit table, and one written by a newer worker.
 */
export async function migrateAudit(pool: Pool, options: MigrateAuditOptions = {}): Promise<MigrateAuditResult> {
  const tables = auditTables(options.table ?? DEFAULT_AUDIT_TABLE);
  let conn: PoolConnection | undefined;
  try {
    conn = await pool.getConnection();
    // Every `retention run` starts here: an up-to-date trail costs one query instead of five.
    const current = await upToDateVersion(conn, tables);
    if (current !== null) return { from: current, to: current, applied: [] };
    const lockName = await migrationLockName(conn, tables);
    const [locked] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS `got`', [lockName, options.lockWaitSeconds ?? 30]);
    if (Number(locked[0]?.got) !== 1)
      throw new StoreError('mysql', `another process is migrating the audit table ${tables.auditName}; try again`);
    try {
      return await migrateLocked(conn, tables);
    } finally {
      // A lost connection releases the lock by itself; do not hide the original error.
      await conn.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
    }
  } catch (err) {
    throw auditStoreError('cannot migrate the audit trail', tables, err);
  } finally {
    conn?.release();
  }
}

async function migrateLocked(conn: PoolConnection, tables: AuditTables): Promise<MigrateAuditResult> {
  const from = await currentVersion(conn, tables);
  if (from > AUDIT_SCHEMA_VERSION) {
    throw new StoreError(
      'mysql',
      `the audit table ${tables.auditName} has schema version ${from}, newer than this worker's ${AUDIT_SCHEMA_VERSION}: upgrade the worker`,
    );
  }
  if (from === 0) await refuseForeignTable(conn, tables);
  const applied: number[] = [];
  for (const step of STEPS) {
    if (step.version <= from) continue;
    await step.apply(conn, tables);
    await conn.query(`UPDATE ${tables.head} SET \`schema_version\` = ? WHERE \`id\` = 1`, [step.version]);
    applied.push(step.version);
  }
  return { from, to: Math.max(from, AUDIT_SCHEMA_VERSION), applied };
}

/**
 * The schema version when the trail is already at this worker's, read without the migration lock:
 * a step records its version only once it is applied, so reading the newest version means there is
 * nothing left to do or to wait for. Null otherwise (no head table, no database selected, an older
 * or a newer version): the locked path then decides, and reports, as before.
 */
async function upToDateVersion(conn: PoolConnection, tables: AuditTables): Promise<number | null> {
  try {
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT \`schema_version\` FROM ${tables.head} WHERE \`id\` = 1`);
    const version = rows[0] ? Number(rows[0].schema_version) : null;
    return version === AUDIT_SCHEMA_VERSION ? version : null;
  } catch (err) {
    if (ABSENT.has((err as { code?: unknown }).code as string)) return null;
    throw err;
  }
}

/** What the unlocked read may meet on a trail that needs the locked path: no table, no database, no column. */
const ABSENT = new Set(['ER_NO_SUCH_TABLE', 'ER_NO_DB_ERROR', 'ER_BAD_FIELD_ERROR']);

async function currentVersion(conn: PoolConnection, tables: AuditTables): Promise<number> {
  const [exists] = await conn.query<RowDataPacket[]>(
    'SELECT 1 FROM information_schema.TABLES WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = ?',
    [tables.headName],
  );
  if (exists.length === 0) return 0;
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT \`schema_version\` FROM ${tables.head} WHERE \`id\` = 1`);
  return rows[0] ? Number(rows[0].schema_version) : 0;
}

/** Never adopt an application table that happens to have the configured name. */
async function refuseForeignTable(conn: PoolConnection, tables: AuditTables): Promise<void> {
  const [columns] = await conn.query<RowDataPacket[]>(
    'SELECT `COLUMN_NAME` AS `name` FROM information_schema.COLUMNS WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = ?',
    [tables.auditName],
  );
  if (columns.length === 0) return;
  const present = new Set(columns.map((c) => String(c.name).toLowerCase()));
  const missing = REQUIRED_COLUMNS.filter((c) => !present.has(c));
  if (missing.length > 0) {
    throw new StoreError(
      'mysql',
      `table ${tables.auditName} exists but is not an audit table (no column ${missing.join(', ')}); choose another audit.table`,
    );
  }
}

/** GET_LOCK names stop at 64 characters: hash the database and table into one. */
async function migrationLockName(conn: PoolConnection, tables: AuditTables): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT DATABASE() AS `db`');
  const db = rows[0]?.db;
  if (typeof db !== 'string') throw new StoreError('mysql', 'the MySQL URL names no database for the audit table');
  return `retention-migrate-${createHash('sha256').update(`${db}.${tables.auditName}`).digest('hex').slice(0, 40)}`;
}
