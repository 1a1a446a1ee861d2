import { describe, expect, it } from 'vitest';
import { useCompileCache, type CompileCacheHost } from '../../../src/lib/compile-cache.js';

/** A host whose `enableCompileCache` records the directories it is given. */
function host(env: NodeJS.ProcessEnv, withCache = true): CompileCacheHost & { asked: (string | undefined)[] } {
  const asked: (string | undefined)[] = [];
  return {
    asked,
    enable: withCache
      ? (dir) => {
          asked.push(dir);
          return { status: 1, directory: dir };
        }
      : undefined,
    env,
    home: () => '/home/op',
  };
}

describe('useCompileCache', () => {
  it("puts the cache in the user's cache directory: $XDG_CACHE_HOME, else ~/.cache", () => {
    const xdg = host({ XDG_CACHE_HOME: '/var/cache/op' });
    expect(useCompileCache(xdg)).toBe('/var/cache/op/retention-worker/compile-cache');
    expect(xdg.asked).toEqual(['/var/cache/op/retention-worker/compile-cache']);
    const home = host({});
    expect(useCompileCache(home)).toBe('/home/op/.cache/retention-worker/compile-cache');
    expect(home.asked).toEqual(['/home/op/.cache/retention-worker/compile-cache']);
  });

  it("leaves Node's own switches to Node: NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE", () => {
    for (const env of [{ NODE_COMPILE_CACHE: '/app/.cache' }, { NODE_DISABLE_COMPILE_CACHE: '1' }]) {
      const h = host(env);
      expect(useCompileCache(h)).toBeNull();
      expect(h.asked).toEqual([]);
    }
  });

  it('does nothing on a Node without a compile cache (Node 20)', () => {
    expect(useCompileCache(host({}, false))).toBeNull();
  });
});
