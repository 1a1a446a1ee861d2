import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Pool } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createMysqlPool } from '../../../src/stores/mysql/connection.js';
import type { AuditTrail } from '../../../src/audit/audit-trail.js';
import { chainHash } from '../../../src/audit/chain-hash.js';
import { freshTrail, targetEntry } from './audit-fixtures.js';

let db: TestDatabase;
let pool: Pool;
let trail: AuditTrail;
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0, 0);
const sec = (s: number) => new Date(T0 + s * 1000);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

beforeAll(async () => {
  db = await createTestDatabase('audit_stream');
  pool = createMysqlPool(db.url);
  trail = await freshTrail(pool);
  // Entries 1 s apart, except the fifth, whose worker's clock ran 30 s behind.
  for (let i = 0; i < 10; i += 1) await trail.append(targetEntry(i, { at: sec(i === 4 ? 4 - 30 : i), policy: i % 2 ? 'odd' : 'even' }));
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('streamEntries', () => {
  it('yields every entry in chain order with the hashed text, or newest first, or the newest N', async () => {
    const all = await collect(trail.stream());
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
    expect(all).toHaveLength(10);
    for (const [i, e] of all.entries()) {
      expect(e.hash).toBe(chainHash('test-audit-key', e.prevHash, e.entry));
      if (i > 0) expect(e.prevHash).toBe(all[i - 1]!.hash);
    }
    expect((await collect(trail.stream({}, { newestFirst: true }))).map((e) => e.id)).toEqual(all.map((e) => e.id).reverse());
    expect((await collect(trail.stream({}, { newestFirst: true, limit: 3 }))).map((e) => e.id)).toEqual(
      all
        .map((e) => e.id)
        .reverse()
        .slice(0, 3),
    );
    expect(await collect(trail.stream({}, { limit: 0 }))).toEqual([]);
  });

  it('cuts a time range as a whole segment of the chain: an entry with a skewed clock inside it stays', async () => {
    const all = await collect(trail.stream());
    const segment = await collect(trail.stream({ since: sec(2), until: sec(7) }));
    // Entries 2…6 by position, the fifth (recorded "at" −26 s) included; entry 7 (at 7 s) excluded.
    expect(segment.map((e) => e.id)).toEqual(all.slice(2, 7).map((e) => e.id));
    expect(await trail.count({ since: sec(2), until: sec(7) })).toBe(5);
    expect(await trail.count({ since: sec(2), until: sec(7), policy: 'odd' })).toBe(2);
    expect(await trail.count({ since: sec(100) })).toBe(0);
    expect(await collect(trail.stream({ until: sec(-60) }))).toEqual([]);
  });

  it('a reader that stops early does not leave a half-read connection in the pool', async () => {
    for (let round = 0; round < 12; round += 1) {
      for await (const e of trail.stream()) {
        expect(e.id).toBeGreaterThan(0);
        break;
      }
    }
    // More rounds than the pool has connections: each stopped stream's connection was destroyed.
    expect(await trail.count()).toBe(10);
    expect(await collect(trail.stream())).toHaveLength(10);
  });

  it('run starts are found wherever their entries lie', async () => {
    const other = await freshTrail(pool);
    await other.append({ ...targetEntry(0), kind: 'run-started', runId: 'r1', policy: 'p', at: sec(0), data: {} });
    await other.append({ ...targetEntry(1), runId: 'r1', policy: 'p' });
    const starts = await other.runStarts([
      { runId: 'r1', policy: 'p' },
      { runId: 'r2', policy: 'p' },
    ]);
    expect([...starts.values()].map((d) => d.toISOString())).toEqual([sec(0).toISOString()]);
  });
});
