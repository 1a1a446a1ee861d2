import type { Pool } from 'mysql2/promise';
import { waitForUndoPurge } from './bench-database.js';
import type { PurgeMethod } from './purge-methods.js';
import { TABLE, type RequestLogTemplate } from './request-log-table.js';

export interface MemoryRun {
  method: string;
  rows: number;
  deleted: number;
  wallMs: number;
  rowsPerSecond: number;
  peakRssKib: number;
}

/** Peak RSS of the worker process purging a larger table (the 2 M figures come from the backlog runs). */
export async function runMemoryScenario(options: {
  pool: Pool;
  template: RequestLogTemplate;
  methods: PurgeMethod[];
  log: (line: string) => void;
}): Promise<MemoryRun[]> {
  const out: MemoryRun[] = [];
  for (const method of options.methods) {
    await options.template.cloneTo(TABLE);
    await waitForUndoPurge(options.pool);
    const result = await method.run();
    const run = {
      method: method.id,
      rows: options.template.rows,
      deleted: result.deleted,
      wallMs: result.wallMs,
      rowsPerSecond: result.deleted / (result.wallMs / 1000),
      peakRssKib: result.peakRssKib ?? 0,
    };
    out.push(run);
    options.log(
      `  memory ${run.rows} rows, ${method.id}: peak RSS ${(run.peakRssKib / 1024).toFixed(1)} MiB, ${Math.round(run.rowsPerSecond)} rows/s`,
    );
    await waitForUndoPurge(options.pool);
  }
  return out;
}
