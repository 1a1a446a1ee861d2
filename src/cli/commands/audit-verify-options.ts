import type { GlobalOptions } from '../io.js';

/** The options of `retention audit verify` (shared by its database, export and checkpoint forms). */
export interface AuditVerifyOptions extends GlobalOptions {
  head?: string;
  /** A file of signed checkpoints (audit-verify-checkpoint.ts). */
  checkpoint?: string;
  publicKey?: string;
  /** An `audit export` file to check offline. */
  file?: string;
  /** With `file`: the hash the export's first entry must link to. */
  fromHash?: string;
  /** With `file`: the export is this one policy's selection. */
  policy?: string;
}
