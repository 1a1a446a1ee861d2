#!/usr/bin/env node
// The CLI is loaded from its bundle (dist/bundle/, built by `npm run build`; rolldown.config.mjs
// says why): a few files instead of some 200 modules, which is most of a short run's start on Node 20.
import { useLeanHeap } from '../dist/bundle/lean-heap.js';
import { useCompileCache } from '../dist/bundle/compile-cache.js';

// Before anything allocates: the GC settings that keep a long purge's memory flat.
useLeanHeap();
// Before the CLI's modules load: Node 22+ reuses their compiled code from the last start.
useCompileCache();
// Stack traces name the TypeScript sources when asked for (reading the maps costs start time).
if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);
const { main } = await import('../dist/bundle/cli.js');
// The entry point wires jobs/ into the CLI's worker command (loaded only when a worker starts).
const loadJobProcessor = () => import('../dist/bundle/jobs.js').then((m) => m.processJob);
process.exitCode = await main(process.argv.slice(2), { loadJobProcessor });
