import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import { errorLine } from '../lib/error-line.js';
import { StoreError } from '../errors/index.js';
import type { AuditTables } from './audit-tables.js';
import { auditStoreError } from './audit-store-error.js';
import { GENESIS_HASH } from './chain-hash.js';
import { checkpointLine, signCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import type { CheckpointSink } from './checkpoint-sinks/checkpoint-sink.js';
import { columnFromDate } from './entry-row.js';
import type { SigningKey } from './signing-key.js';

/** A checkpoint as kept in the checkpoint table. */
export interface StoredCheckpoint {
  id: number;
  checkpoint: SignedCheckpoint;
  /** Sinks it has not reached yet. */
  pendingSinks: string[];
}

export interface CheckpointOutcome {
  id: number;
  checkpoint: SignedCheckpoint;
  /** Deliveries made in this call (this checkpoint and older pending ones). */
  delivered: { sink: string; id: number }[];
  /** Sinks that failed in this call; their checkpoints stay pending. */
  failed: { sink: string; id: number; error: string }[];
}

export interface CheckpointerOptions {
  key: SigningKey;
  sinks: readonly CheckpointSink[];
  clock: Clock;
  logger: Logger;
}

/** Pending checkpoints re-sent per call, oldest first (plus the new one). */
const MAX_RESEND = 100;

/**
 * Signs the chain's head, keeps the signed checkpoint in the checkpoint table, and writes it to
 * every sink. A sink that fails is logged (warn), reported to the failure listener (the metric)
 * and left pending: the next checkpoint re-sends it first, in order. A sink failure never throws;
 * a MySQL failure does (the caller decides: a policy run logs it and carries on).
 */
export class Checkpointer {
  readonly #pool: Pool;
  readonly #tables: AuditTables;
  readonly #options: CheckpointerOptions;
  #onSinkFailure: (sink: string) => void = () => undefined;

  constructor(pool: Pool, tables: AuditTables, options: CheckpointerOptions) {
    this.#pool = pool;
    this.#tables = tables;
    this.#options = options;
  }

  get keyId(): string {
    return this.#options.key.keyId;
  }

  get sinkNames(): string[] {
    return this.#options.sinks.map((s) => s.name);
  }

  /** Called once per failed sink write (the worker counts them in `retention_checkpoint_sink_failures_total`). */
  onSinkFailure(listener: (sink: string) => void): void {
    this.#onSinkFailure = listener;
  }

  /** Signs the current head, stores it, and delivers it and older pending checkpoints to the sinks. */
  async checkpoint(): Promise<CheckpointOutcome> {
    const t = this.#tables;
    const at = this.#options.clock.now();
    let id: number;
    let checkpoint: SignedCheckpoint;
    try {
      const head = await this.#readHead();
      checkpoint = signCheckpoint({ table: t.auditName, ...head, at }, this.#options.key);
      const [inserted] = await this.#pool.query<ResultSetHeader>(
        `INSERT INTO ${t.checkpoint} (\`head_id\`, \`head_hash\`, \`entries\`, \`created_at\`, \`key_id\`, \`document\`, \`pending_sinks\`)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [head.headId, head.headHash, head.entries, columnFromDate(at), this.keyId, checkpointLine(checkpoint), this.sinkNames.join(',')],
      );
      id = Number(inserted.insertId);
    } catch (err) {
      throw auditStoreError('cannot write an audit checkpoint', t, err);
    }
    this.#options.logger.info(
      {
        checkpointId: id,
        headId: Number(checkpoint.headId),
        headHash: checkpoint.headHash,
        entries: Number(checkpoint.entries),
        keyId: this.keyId,
      },
      'audit checkpoint signed',
    );
    const { delivered, failed } = await this.deliverPending(id);
    return { id, checkpoint, delivered, failed };
  }

  /**
   * Writes pending checkpoints to their sinks, oldest first, sinks in parallel. A sink stops at its
   * first failure in this call so that it receives checkpoints in order.
   */
  async deliverPending(includeId?: number): Promise<Pick<CheckpointOutcome, 'delivered' | 'failed'>> {
    const delivered: CheckpointOutcome['delivered'] = [];
    const failed: CheckpointOutcome['failed'] = [];
    if (this.#options.sinks.length === 0) return { delivered, failed };
    const pending = await this.#pending(includeId);
    await Promise.all(
      this.#options.sinks.map(async (sink) => {
        for (const stored of pending.filter((p) => p.pendingSinks.includes(sink.name))) {
          try {
            await sink.write(stored.checkpoint, checkpointLine(stored.checkpoint), stored.id);
          } catch (err) {
            const error = errorLine(err);
            this.#options.logger.warn(
              { sink: sink.name, sinkType: sink.type, checkpointId: stored.id, err: { message: error } },
              'audit checkpoint not delivered to a sink; retried at the next checkpoint',
            );
            this.#onSinkFailure(sink.name);
            failed.push({ sink: sink.name, id: stored.id, error });
            return;
          }
          await this.#markDelivered(stored.id, sink.name);
          delivered.push({ sink: sink.name, id: stored.id });
        }
      }),
    );
    return { delivered, failed };
  }

  /** The first checkpoint signed by this key whose head is at or after entry `entryId`, or null. */
  async covering(entryId: number): Promise<StoredCheckpoint | null> {
    const rows = await this.#select(`WHERE \`key_id\` = ? AND \`head_id\` >= ? ORDER BY \`head_id\`, \`id\` LIMIT 1`, [
      this.keyId,
      entryId,
    ]);
    return rows[0] ?? null;
  }

  /** The newest checkpoint signed by this key, or null. */
  async newest(): Promise<StoredCheckpoint | null> {
    const rows = await this.#select(`WHERE \`key_id\` = ? ORDER BY \`id\` DESC LIMIT 1`, [this.keyId]);
    return rows[0] ?? null;
  }

  async close(): Promise<void> {
    await Promise.all(this.#options.sinks.map((s) => s.close().catch(() => undefined)));
  }

  /** Head and count from one consistent snapshot, so the count is exactly the entries up to the head. */
  async #readHead(): Promise<{ headId: number; headHash: string; entries: number }> {
    const t = this.#tables;
    const conn = await this.#pool.getConnection();
    try {
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      const [heads] = await conn.query<RowDataPacket[]>(`SELECT \`last_id\`, \`last_hash\` FROM ${t.head} WHERE \`id\` = 1`);
      const head = heads[0];
      if (!head) throw new StoreError('mysql', `the head row of ${t.headName} is missing; run \`retention migrate\``);
      const headId = head.last_id === null ? 0 : Number(head.last_id);
      const [counts] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS \`n\` FROM ${t.audit} WHERE \`id\` <= ?`, [headId]);
      await conn.query('COMMIT');
      return { headId, headHash: headId === 0 ? GENESIS_HASH : String(head.last_hash), entries: Number(counts[0]?.n ?? 0) };
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  async #pending(includeId: number | undefined): Promise<StoredCheckpoint[]> {
    const rows = await this.#select(`WHERE \`pending_sinks\` <> '' ORDER BY \`id\` LIMIT ?`, [MAX_RESEND]);
    if (includeId !== undefined && !rows.some((r) => r.id === includeId)) rows.push(...(await this.#select('WHERE `id` = ?', [includeId])));
    return rows;
  }

  async #markDelivered(id: number, sink: string): Promise<void> {
    // In SQL, so that two workers delivering at once each remove only their own sink.
    await this.#pool.query(
      `UPDATE ${this.#tables.checkpoint}
       SET \`pending_sinks\` = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', \`pending_sinks\`, ','), CONCAT(',', ?, ','), ','))
       WHERE \`id\` = ?`,
      [sink, id],
    );
  }

  async #select(where: string, params: unknown[]): Promise<StoredCheckpoint[]> {
    try {
      const [rows] = await this.#pool.query<RowDataPacket[]>(
        `SELECT \`id\`, \`document\`, \`pending_sinks\` FROM ${this.#tables.checkpoint} ${where}`,
        params,
      );
      return rows.map((r) => ({
        id: Number(r.id),
        checkpoint: JSON.parse(String(r.document)) as SignedCheckpoint,
        pendingSinks: String(r.pending_sinks).split(',').filter(Boolean),
      }));
    } catch (err) {
      throw auditStoreError('cannot read audit checkpoints', this.#tables, err);
    }
  }
}
