#!/usr/bin/env node
import { useLeanHeap } from '../dist/src/lib/lean-heap.js';
import { useCompileCache } from '../dist/src/lib/compile-cache.js';

// Before anything allocates: the GC settings that keep a long purge's memory flat.
useLeanHeap();
// Before the CLI's modules load: Node 22+ reuses their compiled code from the last start.
useCompileCache();
const { main } = await import('../dist/src/cli/main.js');
// The entry point wires jobs/ into the CLI's worker command (loaded only when a worker starts).
const loadJobProcessor = () => import('../dist/jobs/index.js').then((m) => m.processJob);
process.exitCode = await main(process.argv.slice(2), { loadJobProcessor });
