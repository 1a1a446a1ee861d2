import { describe, it, expect } from 'vitest';
import { ChunkSizer } from '../../../src/stores/mysql/chunk-sizer.js';

describe('chunk sizing by measured time', () => {
  it('keeps the configured size when not adaptive', () => {
    const sizer = new ChunkSizer({ initial: 1000, adaptive: false });
    sizer.record(1);
    sizer.record(900);
    expect(sizer.size).toBe(1000);
  });

  it('grows by at most a quarter per chunk while chunks are fast, up to ten times the batch size', () => {
    const sizer = new ChunkSizer({ initial: 1000 });
    expect(sizer.record(2)).toBe(1250);
    for (let i = 0; i < 50; i += 1) sizer.record(2 * (sizer.size / 1000));
    expect(sizer.size).toBe(10_000);
  });

  it('settles where a chunk takes the target time', () => {
    const sizer = new ChunkSizer({ initial: 1000, targetMs: 20 });
    // 10 µs per row: 2,000 rows take 20 ms.
    for (let i = 0; i < 20; i += 1) sizer.record(sizer.size * 0.01);
    expect(sizer.size).toBe(2000);
  });

  it('ignores a single slow outlier but halves on sustained slowness, never below 100', () => {
    const sizer = new ChunkSizer({ initial: 1000, targetMs: 20 });
    for (let i = 0; i < 5; i += 1) sizer.record(20);
    expect(sizer.record(200)).toBe(1000);
    sizer.record(200);
    expect(sizer.record(200)).toBe(500);
    for (let i = 0; i < 20; i += 1) sizer.record(500);
    expect(sizer.size).toBe(100);
  });

  it('caps id lists at 50,000 and never floors above a small batch', () => {
    expect(new ChunkSizer({ initial: 20_000 }).max).toBe(50_000);
    expect(new ChunkSizer({ initial: 100_000 }).max).toBe(100_000);
    expect(new ChunkSizer({ initial: 10 }).min).toBe(10);
  });
});
