import { describe, expect, it } from 'vitest';
import { LEAN_HEAP_FLAGS, useLeanHeap } from '../../../src/lib/lean-heap.js';

describe('useLeanHeap', () => {
  it('applies every lean-heap flag when the operator set none', () => {
    expect(useLeanHeap({ execArgv: ['--enable-source-maps'], nodeOptions: '--max-old-space-size=256' })).toEqual([...LEAN_HEAP_FLAGS]);
  });

  it('leaves a flag the operator set on the command line or in NODE_OPTIONS, in either spelling', () => {
    expect(useLeanHeap({ execArgv: ['--semi-space-growth-factor=2'], nodeOptions: '' })).toEqual(['--heap-growing-percent=20']);
    expect(useLeanHeap({ execArgv: [], nodeOptions: '--inspect --heap_growing_percent=50' })).toEqual(['--semi-space-growth-factor=1']);
    expect(useLeanHeap({ execArgv: ['--heap-growing-percent=5'], nodeOptions: '--semi_space_growth_factor=4' })).toEqual([]);
  });
});
