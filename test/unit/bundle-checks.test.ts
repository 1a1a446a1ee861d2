import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';

/**
 * The checks rolldown.config.mjs makes while bundling the CLI (docs/architecture.md, "Build"),
 * run on small packages of a scratch node_modules: a dependency that finds files relative to its
 * own module fails the build unless reviewed, and so does an import nothing resolves unless it is
 * a known optional peer.
 */
describe("the CLI bundle's build checks", () => {
  let dir: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the config is plain JavaScript
  let config: any;

  const pkg = (name: string, source: string) => {
    const root = join(dir, 'node_modules', name);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(root, 'index.js'), source);
  };
  /** Bundles an entry importing `imports` with the project's checks; resolves with the error text, or null. */
  const bundle = async (imports: string[]): Promise<string | null> => {
    const entry = join(dir, `entry-${imports.join('-').replace(/[^a-z]/gi, '')}.js`);
    writeFileSync(entry, imports.map((name, i) => `import m${i} from '${name}';\nconsole.log(m${i});\n`).join(''));
    try {
      const build = await rolldown({
        input: entry,
        cwd: dir,
        platform: 'node',
        plugins: [config.selfLocating()],
        external: config.default.external,
        onLog: config.default.onLog,
      });
      await build.generate({ format: 'esm' });
      await build.close();
      return null;
    } catch (err) {
      return String((err as Error).message);
    }
  };

  beforeAll(async () => {
    config = await import(pathToFileURL(resolve('rolldown.config.mjs')).href);
    dir = mkdtempSync(join(tmpdir(), 'retention-bundle-checks-'));
    pkg('reads-beside-itself', "module.exports = require('fs').readFileSync(__dirname + '/data.bin');\n");
    pkg('wasm-beside-itself', "module.exports = new URL('../dist/native.wasm', import.meta.url);\n");
    // A reviewed name (rolldown.config.mjs: SELF_LOCATING_REVIEWED), doing the same.
    pkg('commander', 'module.exports = __dirname;\n');
    pkg('plain', 'module.exports = 42;\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on a dependency that finds files beside its own module, naming each one', async () => {
    const error = await bundle(['plain', 'reads-beside-itself', 'wasm-beside-itself']);
    expect(error).toMatch(/find files relative to their own module/);
    expect(error).toContain('reads-beside-itself');
    expect(error).toContain('wasm-beside-itself');
    expect(error).not.toMatch(/\bplain\b/);
  });

  it('passes a reviewed package and a plain one', async () => {
    expect(await bundle(['plain', 'commander'])).toBeNull();
  });

  it('fails on an import nothing resolves, and leaves a known optional peer as an import', async () => {
    expect(await bundle(['plain', 'no-such-package'])).toMatch(/no-such-package/);
    expect(await bundle(['plain', 'kerberos'])).toBeNull();
  });
});
