import { describe, expect, it } from 'vitest';
import { LEAN_HEAP_FLAGS, useLeanHeap } from '../../../src/lib/lean-heap.js';

describe('useLeanHeap', () => {
  it('applies every lean-heap flag when the operator set none', () => {
    expect(useLeanHeap({ execArgv: ['--enable-source-maps', '--max-old-space-size=256'], env: {} })).toEqual([...LEAN_HEAP_FLAGS]);
  });

  it('leaves a flag the operator gave node, in either spelling', () => {
    expect(useLeanHeap({ execArgv: ['--semi-space-growth-factor=2'], env: {} })).toEqual(['--heap-growing-percent=20']);
    expect(useLeanHeap({ execArgv: ['--heap_growing_percent=50'], env: {} })).toEqual(['--semi-space-growth-factor=1']);
  });

  it('applies none with RETENTION_LEAN_HEAP=off', () => {
    expect(useLeanHeap({ execArgv: [], env: { RETENTION_LEAN_HEAP: 'off' } })).toEqual([]);
  });
});
