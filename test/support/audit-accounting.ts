import type { Pool } from 'mysql2/promise';

/** Fields of a stored entry that the accounting tests read. */
export interface StoredEntry {
  id: number;
  kind: string;
  runId: string;
  store: string | null;
  target: string | null;
  data: Record<string, unknown>;
}

/** Every entry of the audit table in chain order, `entry` parsed (the hashed record). */
export async function storedEntries(pool: Pool, table = 'retention_audit'): Promise<StoredEntry[]> {
  const [rows] = await pool.query(`SELECT id, kind, run_id, store, target, entry FROM \`${table}\` ORDER BY id`);
  return (rows as { id: string; kind: string; run_id: string; store: string | null; target: string | null; entry: string }[]).map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    runId: r.run_id,
    store: r.store,
    target: r.target,
    data: (JSON.parse(r.entry) as { data: Record<string, unknown> }).data,
  }));
}

/** Inserts `n` request-log rows older than any cutoff the tests use. */
export async function insertOldRequestLogs(pool: Pool, n: number, base = Date.now() - 30 * 86_400_000): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => [1, Buffer.from([192, 0, 2, 1]), 'sendmsg', new Date(base + i)]);
  for (let i = 0; i < rows.length; i += 5000) {
    await pool.query('INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES ?', [rows.slice(i, i + 5000)]);
  }
}

export async function countRequestLogs(pool: Pool): Promise<number> {
  const [rows] = await pool.query('SELECT COUNT(*) AS n FROM im_request_log');
  return Number((rows as { n: string }[])[0]!.n);
}
