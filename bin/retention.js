#!/usr/bin/env node
import { useLeanHeap } from '../dist/src/lib/lean-heap.js';

// Before anything allocates: the GC settings that keep a long purge's memory flat.
useLeanHeap();
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
