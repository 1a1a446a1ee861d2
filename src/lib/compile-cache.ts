import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `module.enableCompileCache` (Node ≥ 22.1; absent on Node 20, and from this project's Node 20 types). */
type EnableCompileCache = (directory?: string) => { status: number; message?: string; directory?: string };

export interface CompileCacheHost {
  enable: EnableCompileCache | undefined;
  env: NodeJS.ProcessEnv;
  home: () => string;
}

/**
 * Turns on Node's on-disk cache of compiled code, where Node has one (22.1 and later): a command
 * then starts from the V8 code of the ~600 modules it loads instead of compiling them again
 * (docs/benchmarks.md, "CLI start"). Node 20 has no such cache and skips this.
 *
 * The cache lives in `$XDG_CACHE_HOME/retention-worker/compile-cache` (else `~/.cache/…`), a
 * directory of the user running the command, rather than Node's default under the shared /tmp,
 * where another local user could have made the directory first and planted code in it.
 * `NODE_COMPILE_CACHE=dir` (Node turns the cache on itself, before any code runs; the container
 * image points it at a cache made at build time) and `NODE_DISABLE_COMPILE_CACHE=1` are Node's own
 * switches and are left to Node. A cache that cannot be written (a read-only filesystem) costs
 * nothing and changes nothing: Node then compiles as usual. Returns the directory asked for, or
 * null when nothing was asked.
 */
export function useCompileCache(
  host: CompileCacheHost = {
    enable: (nodeModule as { enableCompileCache?: EnableCompileCache }).enableCompileCache,
    env: process.env,
    home: homedir,
  },
): string | null {
  if (!host.enable || host.env.NODE_COMPILE_CACHE || host.env.NODE_DISABLE_COMPILE_CACHE) return null;
  const base = host.env.XDG_CACHE_HOME || join(host.home(), '.cache');
  const directory = join(base, 'retention-worker', 'compile-cache');
  host.enable(directory);
  return directory;
}
