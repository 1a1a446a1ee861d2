import mysql from 'mysql2';
import { ConfigError } from '../errors/index.js';
import { PLAIN_IDENTIFIER } from '../config/schema.js';

/** Default of `audit.table`. */
export const DEFAULT_AUDIT_TABLE = 'retention_audit';

/** The one-row companion table that serializes appends: the audit table's name plus this. */
export const HEAD_SUFFIX = '_head';

/** The signed checkpoints of the chain (checkpoint.ts): the audit table's name plus this (as long as HEAD_SUFFIX). */
export const CHECKPOINT_SUFFIX = '_ckpt';

/** The audit table and its head table: plain names for messages, quoted names for SQL. */
export interface AuditTables {
  auditName: string;
  headName: string;
  checkpointName: string;
  /** `escapeId`-quoted, ready for SQL text. */
  audit: string;
  head: string;
  checkpoint: string;
}

/** Resolves `audit.table`; throws ConfigError when it cannot be (or leave room for) a table name. */
export function auditTables(table: string = DEFAULT_AUDIT_TABLE): AuditTables {
  if (!PLAIN_IDENTIFIER.test(table)) throw new ConfigError([{ path: 'audit.table', message: 'must be a plain identifier' }]);
  const headName = `${table}${HEAD_SUFFIX}`;
  // MySQL table names stop at 64 characters; the head table needs room for its suffix.
  if (headName.length > 64) {
    throw new ConfigError([
      { path: 'audit.table', message: `must be at most ${64 - HEAD_SUFFIX.length} characters (its companion table adds "${HEAD_SUFFIX}")` },
    ]);
  }
  const checkpointName = `${table}${CHECKPOINT_SUFFIX}`;
  return {
    auditName: table,
    headName,
    checkpointName,
    audit: mysql.escapeId(table),
    head: mysql.escapeId(headName),
    checkpoint: mysql.escapeId(checkpointName),
  };
}
