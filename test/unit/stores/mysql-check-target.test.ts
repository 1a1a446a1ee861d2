import { describe, it, expect } from 'vitest';
import { planAgeTarget } from '../../../src/stores/mysql/check-target.js';
import type { ColumnInfo, IndexInfo, TableShape } from '../../../src/stores/mysql/table-shape.js';

function col(name: string, dataType: string, nullable = false): ColumnInfo {
  return { name, dataType, columnType: dataType, nullable };
}

function shape(columns: ColumnInfo[], indexes: Array<[string, string[]]>): TableShape {
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const idx: IndexInfo[] = indexes.map(([name, cols]) => ({
    name,
    unique: name === 'PRIMARY',
    columns: cols.map((c) => byName.get(c) as ColumnInfo),
  }));
  return { database: 'db', table: 't', columns: byName, primaryKey: idx.find((i) => i.name === 'PRIMARY')?.columns ?? [], indexes: idx };
}

describe('planning an age walk from a table shape', () => {
  const id = col('id', 'bigint');
  const at = col('at', 'datetime', true);
  const app = col('app_id', 'bigint');

  it('prefers the narrowest index led by the time column and walks (time, id)', () => {
    const plan = planAgeTarget(
      shape(
        [id, at, app],
        [
          ['PRIMARY', ['id']],
          ['idx_at_app', ['at', 'app_id']],
          ['idx_at', ['at']],
        ],
      ),
      't',
      'AT',
      'datetime',
    );
    expect(plan.index.name).toBe('idx_at');
    expect(plan.walkKey.map((c) => c.name)).toEqual(['at', 'id']);
    expect(plan.rangeKey?.name).toBe('id');
  });

  it('offers no range walk for a composite or non-integer primary key', () => {
    const uuid = col('uuid', 'binary');
    expect(
      planAgeTarget(
        shape(
          [uuid, at],
          [
            ['PRIMARY', ['uuid']],
            ['idx_at', ['at']],
          ],
        ),
        't',
        'at',
        'datetime',
      ).rangeKey,
    ).toBeNull();
    const composite = planAgeTarget(
      shape(
        [id, app, at],
        [
          ['PRIMARY', ['app_id', 'id']],
          ['idx_at', ['at']],
        ],
      ),
      't',
      'at',
      'datetime',
    );
    expect(composite.rangeKey).toBeNull();
    expect(composite.walkKey.map((c) => c.name)).toEqual(['at', 'app_id', 'id']);
  });

  it('walks the primary key itself when the time leads it', () => {
    const ts = col('ts', 'bigint');
    const plan = planAgeTarget(shape([ts, id], [['PRIMARY', ['ts', 'id']]]), 't', 'ts', 'epoch_ms');
    expect(plan.index.name).toBe('PRIMARY');
    expect(plan.walkKey.map((c) => c.name)).toEqual(['ts', 'id']);
    expect(plan.rangeKey).toBeNull();
  });

  it('walks id ranges of an (id, time) primary key, the shape a table partitioned by time must have', () => {
    const at2 = col('at', 'datetime');
    const plan = planAgeTarget(
      shape(
        [id, at2],
        [
          ['PRIMARY', ['id', 'at']],
          ['idx_at', ['at']],
        ],
      ),
      't',
      'at',
      'datetime',
    );
    expect(plan.rangeKey?.name).toBe('id');
    const other = planAgeTarget(
      shape(
        [id, at2, app],
        [
          ['PRIMARY', ['id', 'app_id']],
          ['idx_at', ['at']],
        ],
      ),
      't',
      'at',
      'datetime',
    );
    expect(other.rangeKey).toBeNull();
  });
});
