import { ConfigError, StoreError } from '../errors/index.js';
import type { AuditTables } from './audit-tables.js';

/**
 * Wraps a driver failure of the audit trail as `StoreError('mysql', …)`, keeping the driver
 * error as `cause`. A missing table gets the one useful hint: run `retention migrate`.
 */
export function auditStoreError(action: string, tables: AuditTables, err: unknown): Error {
  if (err instanceof StoreError || err instanceof TypeError || err instanceof ConfigError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ER_NO_SUCH_TABLE') {
    return new StoreError(
      'mysql',
      `${action}: the audit table ${tables.auditName} (or ${tables.headName}) does not exist; run \`retention migrate\``,
      { cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError('mysql', `${action}: ${message}`, { cause: err });
}
