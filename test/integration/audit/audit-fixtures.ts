import { randomUUID } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import type { AuditEntryInput } from '../../../src/audit/audit-entry.js';
import { AuditTrail, type AuditTrailOptions } from '../../../src/audit/audit-trail.js';
import { migrateAudit } from '../../../src/audit/migrate-audit.js';

const BASE_TIME = Date.UTC(2026, 10, 28, 10, 0, 0, 0);

/** A `target` entry as the engine writes it; `i` makes each one distinct and sets its time. */
export function targetEntry(i: number, overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return {
    kind: 'target',
    runId: 'run-fixture',
    policy: 'log-data',
    store: 'mysql',
    target: 'im_request_log',
    at: new Date(BASE_TIME + i * 1000),
    dryRun: false,
    retain: '7 days',
    data: { status: 'succeeded', deleted: i, batches: 1, durationMs: 12, cutoff: new Date(BASE_TIME - 7 * 86_400_000), error: null },
    ...overrides,
  };
}

let tableCounter = 0;

/** A fresh, migrated audit table in the test database, so that each test tampers with its own chain. */
export async function freshTrail(pool: Pool, options: Partial<AuditTrailOptions> = {}): Promise<AuditTrail> {
  tableCounter += 1;
  const table = options.table ?? `audit_${tableCounter}_${randomUUID().slice(0, 8)}`;
  await migrateAudit(pool, { table });
  return new AuditTrail(pool, { key: 'test-audit-key', configHash: 'cfg-hash', workerVersion: '9.9.9', ...options, table });
}

/** Appends `count` target entries one after another. */
export async function appendMany(trail: AuditTrail, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i += 1) await trail.append(targetEntry(i));
}

/** Appends `count` entries with up to `inFlight` at once: the chain serializes them, commits overlap. */
export async function appendConcurrently(trail: AuditTrail, count: number, inFlight = 4): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next;
      next += 1;
      await trail.append(targetEntry(i));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}
