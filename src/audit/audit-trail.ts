import type { Pool, PoolConnection } from 'mysql2/promise';
import { StoreError } from '../errors/index.js';
import { lastSuccesses } from './last-successes.js';
import type { Logger } from '../logging/logger.js';
import { silentLogger } from '../logging/logger.js';
import { WORKER_VERSION } from '../version.js';
import { appendEntry, lockHead } from './append-entry.js';
import { readHeadRow, trailKeyStatus, type KeyStatus } from './trail-key.js';
import { buildCanonicalEntry, type AuditEntryInput, type AuditRecord } from './audit-entry.js';
import { auditStoreError } from './audit-store-error.js';
import { auditTables, DEFAULT_AUDIT_TABLE, type AuditTables } from './audit-tables.js';
import { migrateAudit, type MigrateAuditResult } from './migrate-audit.js';
import { groupRuns, type AuditRun } from './group-runs.js';
import type { IsPolicyLocked } from './run-header.js';
import { findSubjectEntries, listEntries, openRunIds, readHead, type ChainHead, type ListOptions } from './read-entries.js';
import { subjectHash } from './subject-hash.js';
import { countEntries } from './count-entries.js';
import type { EntryFilter } from './entry-filter.js';
import { findRunStarts, type RunKey } from './find-run-starts.js';
import { streamEntries, type ChainEntry, type StreamOptions } from './stream-entries.js';
import { verifyChain, type VerifyOptions, type VerifyResult } from './verify-chain.js';

export interface AuditTrailOptions {
  /** `audit.table`; its head table is this name plus `_head`. @defaultValue 'retention_audit' */
  table?: string;
  /** `audit.key`: the HMAC key of the chain and of subject hashes; `''` = none (plain SHA-256). */
  key: string;
  /** Hash of the resolved configuration, recorded in every entry. */
  configHash: string;
  /** Recorded in every entry. @defaultValue WORKER_VERSION (package.json) */
  workerVersion?: string;
  /** Every appended entry is also logged here (`msg: 'audit'`). @defaultValue a silent logger */
  logger?: Logger;
}

/**
 * The tamper-evident audit trail, kept in one MySQL table (see docs/audit.md). Takes a pool
 * made by `createMysqlPool`; the tables come from `migrateAudit`.
 */
export class AuditTrail {
  readonly tables: AuditTables;
  readonly #pool: Pool;
  readonly #key: string;
  readonly #configHash: string;
  readonly #workerVersion: string;
  readonly #logger: Logger;

  constructor(pool: Pool, options: AuditTrailOptions) {
    this.tables = auditTables(options.table ?? DEFAULT_AUDIT_TABLE);
    this.#pool = pool;
    this.#key = options.key;
    this.#configHash = options.configHash;
    this.#workerVersion = options.workerVersion ?? WORKER_VERSION;
    this.#logger = options.logger ?? silentLogger();
  }

  /** Whether the chain is keyed (HMAC) or only checksummed (plain SHA-256: detects accidents, not forgery). */
  get keyed(): boolean {
    return this.#key !== '';
  }

  /** Creates or upgrades this trail's tables (`retention migrate`); idempotent. */
  migrate(): Promise<MigrateAuditResult> {
    return migrateAudit(this.#pool, { table: this.tables.auditName });
  }

  /**
   * Appends one entry and returns it as stored. Throws TypeError for a malformed entry (before
   * any I/O), StoreError when MySQL fails.
   */
  async append(input: AuditEntryInput): Promise<AuditRecord> {
    const { entry, text } = buildCanonicalEntry(input, { configHash: this.#configHash, workerVersion: this.#workerVersion });
    let record: AuditRecord;
    try {
      record = await appendEntry(this.#pool, this.tables, this.#key, { ...entry, at: input.at, text });
    } catch (err) {
      throw auditStoreError('cannot append to the audit trail', this.tables, err);
    }
    // Identifiers and hashes only: never data, never the subject hash.
    this.#logger.info(
      {
        kind: record.kind,
        runId: record.runId,
        policy: record.policy,
        store: record.store,
        target: record.target,
        dryRun: record.dryRun,
        id: record.id,
        hash: record.hash,
      },
      'audit',
    );
    return record;
  }

  /**
   * Refuses (AuditKeyError, exit 2) when the configured key is not this trail's, and records the
   * key's fingerprint on first use. Called before a run, a worker or an enqueue does anything, so a
   * wrong, missing or whitespace-padded key stops them before any deletion.
   */
  async checkKey(): Promise<void> {
    let conn: PoolConnection | undefined;
    try {
      conn = await this.#pool.getConnection();
      await conn.beginTransaction();
      await lockHead(conn, this.tables, this.#key);
      await conn.commit();
    } catch (err) {
      await conn?.rollback().catch(() => undefined);
      throw auditStoreError('cannot check the audit key', this.tables, err);
    } finally {
      conn?.release();
    }
  }

  /** Whether the configured key is this trail's, without recording anything. */
  async keyStatus(): Promise<KeyStatus> {
    let conn: PoolConnection | undefined;
    try {
      conn = await this.#pool.getConnection();
      const head = await readHeadRow(conn, this.tables, false);
      if (!head) throw new StoreError('mysql', `the head row of ${this.tables.headName} is missing; run \`retention migrate\``);
      return await trailKeyStatus(conn, this.tables, this.#key, head);
    } catch (err) {
      throw auditStoreError('cannot check the audit key', this.tables, err);
    } finally {
      conn?.release();
    }
  }

  /** The newest entry, or null when the trail is empty. */
  head(): Promise<ChainHead | null> {
    return readHead(this.#pool, this.tables);
  }

  /**
   * Recomputes the whole chain; with `head`, also proves that entry (and all before it) is still
   * there. With a key that is not the trail's, nothing is walked: the result says `wrongKey`
   * rather than reporting every entry as altered.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    const key = await this.keyStatus();
    if (key.status === 'mismatch') {
      const head = await this.head();
      return { ok: false, entries: 0, headHash: head?.hash ?? null, firstBad: null, wrongKey: { message: `audit.key ${key.message}` } };
    }
    return verifyChain(this.#pool, this.tables, this.#key, options);
  }

  /** Entries newest first. `data` reads back in canonical form (integers as decimal strings). */
  list(options: ListOptions = {}): Promise<AuditRecord[]> {
    return listEntries(this.#pool, this.tables, options);
  }

  /** `list`, grouped into runs with their status (running / abandoned decided by the policy lock). */
  async listRuns(options: ListOptions, isPolicyLocked: IsPolicyLocked): Promise<AuditRun[]> {
    return groupRuns(await this.list(options), isPolicyLocked);
  }

  /** When each of these policies last finished a real run as `succeeded` (ISO time); absent when never. */
  lastSuccesses(policies: readonly string[]): Promise<Map<string, string>> {
    return lastSuccesses(this.#pool, this.tables, policies);
  }

  /** How many entries `filter` covers, counted in SQL. */
  count(filter: EntryFilter = {}): Promise<number> {
    return countEntries(this.#pool, this.tables, filter);
  }

  /** The entries `filter` covers, streamed in chain order (or newest first) with their hashed text. */
  stream(filter: EntryFilter = {}, options: StreamOptions = {}): AsyncGenerator<ChainEntry, void, undefined> {
    return streamEntries(this.#pool, this.tables, filter, options);
  }

  /** When each run started (its `run-started` entry), keyed by `runKey`. */
  runStarts(runs: readonly RunKey[]): Promise<Map<string, Date>> {
    return findRunStarts(this.#pool, this.tables, runs);
  }

  /** The `subject` entries of a subject hash, newest first. */
  findSubject(hash: string): Promise<AuditRecord[]> {
    return findSubjectEntries(this.#pool, this.tables, hash);
  }

  /** This trail's hash of a subject id (throws TypeError when no key is configured). */
  subjectHash(decimalId: string | bigint | number): string {
    return subjectHash(this.#key, decimalId);
  }

  /** The `target` and `progress` entries of one run of one policy (what it recorded as deleted), newest first. */
  runEntries(runId: string, policy: string): Promise<AuditRecord[]> {
    return listEntries(this.#pool, this.tables, { runId, policy, kinds: ['target', 'progress'], limit: 100_000 });
  }

  /** Run ids of `policy` with a start and no finish or close, oldest first. */
  openRuns(policy: string): Promise<string[]> {
    return openRunIds(this.#pool, this.tables, policy);
  }
}
